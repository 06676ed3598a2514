import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { API_NODE_FLAGS } from '@pt/api';
import { SYNCER_NODE_FLAGS } from '@pt/syncer';
import { APP_BUNDLES, type AppName, ROOT } from '../../../scripts/bundle.js';

const NODE_FLAGS: Record<AppName, readonly string[]> = { api: API_NODE_FLAGS, syncer: SYNCER_NODE_FLAGS, 'gateway-mock': [] };

export interface AppProcess {
  child: ChildProcess;
  /** Every line the process wrote to stdout (its JSON logs). */
  lines: string[];
  /** SIGKILL: no handler runs, nothing is flushed. */
  kill(): Promise<void>;
  /** SIGTERM, and the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Runs an app as a real process (as `make run-app` does, with the app's node flags), so
 * a test can SIGKILL it at any moment. The tsx wrapper is bypassed: node runs the entry with
 * tsx's loader directly, so a signal reaches the app itself. `bundled` runs the app's esbuild
 * bundle on plain node instead, as the Docker image does (build it first: scripts/bundle.ts).
 */
export async function spawnApp(
  kind: AppName,
  env: Record<string, string>,
  readyUrl?: string,
  options: { bundled?: boolean } = {},
): Promise<AppProcess> {
  const { entry, outfile } = APP_BUNDLES[kind];
  const code = options.bundled ? [path.join(ROOT, outfile)] : ['--import', 'tsx', path.join(ROOT, entry)];
  const child = spawn(process.execPath, [...NODE_FLAGS[kind], ...code], {
    cwd: ROOT,
    // A syncer takes no metrics port unless the test gives one: parallel tests would share the default.
    env: {
      ...process.env,
      ...(kind === 'syncer' ? { SYNCER_METRICS_PORT: '0' } : {}),
      ...env,
      LOG_LEVEL: env.LOG_LEVEL ?? 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let partial = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    const text = partial + chunk.toString('utf8');
    const parts = text.split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts.filter(Boolean));
  });
  child.stderr?.on('data', (chunk: Buffer) => lines.push(chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  if (readyUrl) await waitForOk(readyUrl, child);
  return {
    child,
    lines,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

async function waitForOk(url: string, child: ChildProcess, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`process exited with ${child.exitCode} before ${url} answered`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}
