/**
 * `tsx bench/lib/profile-summary.ts <file.cpuprofile> [top]`: the heaviest functions of a
 * V8 CPU profile (from `BENCH_PROFILE=1 make bench`), by self time and by total (inclusive)
 * time, so a missed goal can be explained without opening DevTools.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export function summariseProfile(profile: CpuProfile, top = 20): string {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfMicros = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const label = (node: ProfileNode) => {
    const { functionName, url, lineNumber } = node.callFrame;
    const file = url ? url.replace(/^file:\/\//, '').replace(/^.*\/node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?/, '') : '';
    const short = file.startsWith('/') ? path.relative(process.cwd(), file) : file;
    return `${functionName || '(anonymous)'} ${short ? `${short}:${lineNumber + 1}` : ''}`.trim();
  };
  // Inclusive time: a node's own samples plus its subtree's, counted once per function label per stack.
  const totals = new Map<string, number>();
  const selfByLabel = new Map<string, number>();
  const walk = (id: number, onStack: Set<string>): number => {
    const node = byId.get(id);
    if (!node) return 0;
    const name = label(node);
    let sum = selfMicros.get(id) ?? 0;
    selfByLabel.set(name, (selfByLabel.get(name) ?? 0) + sum);
    const fresh = !onStack.has(name);
    if (fresh) onStack.add(name);
    for (const child of node.children ?? []) sum += walk(child, onStack);
    if (fresh) {
      onStack.delete(name);
      totals.set(name, (totals.get(name) ?? 0) + sum);
    }
    return sum;
  };
  const root = profile.nodes[0];
  const total = root ? walk(root.id, new Set()) : 0;
  const table = (title: string, map: Map<string, number>) =>
    [
      title,
      ...[...map.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, top)
        .map(
          ([name, micros]) =>
            `  ${(micros / 1000).toFixed(0).padStart(7)} ms ${((100 * micros) / total).toFixed(1).padStart(5)}%  ${name}`,
        ),
    ].join('\n');
  // Self time per package (or workspace folder), to see which layer the time goes to.
  const byPackage = new Map<string, number>();
  for (const node of profile.nodes) {
    const micros = selfMicros.get(node.id) ?? 0;
    if (micros === 0) continue;
    const key = packageOf(node.callFrame.url, node.callFrame.functionName);
    byPackage.set(key, (byPackage.get(key) ?? 0) + micros);
  }
  return [
    `profile: ${(total / 1000).toFixed(0)} ms sampled`,
    table('self time by package:', byPackage),
    table('self time:', selfByLabel),
    table('total time (inclusive):', totals),
  ].join('\n');
}

function packageOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native: syscalls, GC, builtins)';
  const module = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (module?.[1]) return module[1];
  if (url.startsWith('node:')) return 'node: (core)';
  const workspace = /\/(apps\/[^/]+|packages\/[^/]+|bench)\//.exec(url);
  return workspace?.[1] ?? url;
}

if (process.argv[1] && import.meta.url.endsWith(path.basename(process.argv[1]))) {
  const [file, top] = process.argv.slice(2);
  if (!file) throw new Error('usage: tsx bench/lib/profile-summary.ts <file.cpuprofile> [top]');
  console.log(summariseProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, Number(top ?? 20)));
}
