import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundle, bundleApps } from '../../scripts/bundle.js';

/** The repository root, wherever the bench was started from. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const PROFILE_DIR = path.join(ROOT, 'bench/results/profiles');

const running = new Set<ChildProcess>();

export interface SpawnOptions {
  env?: Record<string, string>;
  /** Name shown before the process's stderr lines. */
  label: string;
  /** Run under `node --cpu-prof` (profiles go to bench/results/profiles). */
  profile?: boolean;
  /** Keep stdout (for a process that logs a lot, like the API, it is dropped). */
  stdout?: boolean;
  /** V8/node flags for this process (the syncer's, for instance). */
  nodeFlags?: readonly string[];
}

/** Where the bench's own processes are bundled, beside the apps' bundles (see prepareBundles). */
const BENCH_DIST = 'bench/dist';

/** The bundle of one of the bench's processes (bench/processes/<name>.ts). */
export function benchBundle(name: string): string {
  return `${BENCH_DIST}/${name}.mjs`;
}

/**
 * Bundles the apps (apps/<app>/dist/main.mjs, as the Docker image runs them) and the given
 * bench processes, so that ours and the floors run alike: plain node, no TypeScript loader.
 */
export async function prepareBundles(benchProcesses: readonly string[]): Promise<void> {
  await bundleApps();
  await Promise.all(benchProcesses.map((name) => bundle(`bench/processes/${name}.ts`, benchBundle(name))));
}

/**
 * Starts a script in a process of its own, with an IPC channel for results: a bundle (.mjs) on
 * plain node, or a TypeScript file with tsx's loader (one process, no wrapper). The bench's
 * load generator runs in this process, so a server under test never shares a core's event loop
 * with it.
 */
export function spawnScript(file: string, options: SpawnOptions): ChildProcess {
  const nodeArgs = [...(options.nodeFlags ?? [])];
  if (options.profile) {
    // One folder per process (under tsx, its loader thread writes a profile too).
    const dir = path.join(PROFILE_DIR, `${options.label}-${new Date().toISOString().replace(/[:.]/g, '-')}`);
    mkdirSync(dir, { recursive: true });
    nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${dir}`);
  }
  if (!file.endsWith('.mjs')) nodeArgs.push('--import', 'tsx');
  const child = spawn(process.execPath, [...nodeArgs, path.resolve(ROOT, file)], {
    cwd: ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', options.stdout ? 'pipe' : 'ignore', 'pipe', 'ipc'],
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  child.stderr?.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().trimEnd().split('\n')) process.stderr.write(`  [${options.label}] ${line}\n`);
  });
  return child;
}

/** Runs a child to completion and returns the one message it sends over IPC. */
export async function runForResult<T>(file: string, options: SpawnOptions): Promise<T> {
  const child = spawnScript(file, options);
  let result: T | undefined;
  child.on('message', (message) => {
    result = message as T;
  });
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  if (code !== 0 || result === undefined) {
    throw new Error(`${options.label} ended with ${signal ?? `exit code ${code}`} and ${result ? 'a' : 'no'} result`);
  }
  return result;
}

/** Stops a child with SIGTERM (SIGKILL after 10 s) and waits for it. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** Stops every child this process started (on the way out, and on Ctrl-C). */
export async function stopAllChildren(): Promise<void> {
  await Promise.all([...running].map(stopChild));
}

/** Polls `url` until it answers 200, or fails when the child exits or the time runs out. */
export async function waitForHttp(url: string, child: ChildProcess, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`process for ${url} exited with code ${child.exitCode}`);
    try {
      const response = await fetch(url);
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}
