import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type EmbeddedPostgresHandle, startEmbeddedPostgres } from '@pt/core/dev';
import { type InfraState, readInfraState, writeInfraState } from './infra-state.js';

/**
 * The infrastructure `make up` / `make run-app` need when nothing else is configured: an
 * embedded Postgres under .data/pg and the gateway-mock. Whoever starts it records the URLs
 * in .data/infra.json, so other commands (`make api-key`, `make migrate`, a second terminal)
 * use the running one instead of starting a second Postgres on the same folder.
 */
export const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Local state: the embedded cluster, the development API key, infra.json. DATA_DIR moves it. */
export const DATA_DIR = process.env.DATA_DIR ? path.resolve(process.env.DATA_DIR) : path.join(ROOT, '.data');
const STATE_FILE = path.join(DATA_DIR, 'infra.json');

export interface Infra {
  databaseUrl: string;
  gatewayUrl: string;
  /** Stops whatever this process started (nothing when it reused or was given URLs). */
  stop(): Promise<void>;
}

/** The infrastructure another live process started, if any. */
export function runningInfra(): InfraState | null {
  return readInfraState(STATE_FILE);
}

/**
 * Starts what is not given (DATABASE_URL, GATEWAY_URL) nor already running. If a part fails to
 * start, the parts already started are stopped before the error is thrown: nothing is left
 * running without an owner.
 */
export async function startInfra(options: {
  log: (line: string) => void;
  gatewayLogs?: boolean;
  gateway?: boolean;
}): Promise<Infra> {
  const given = { databaseUrl: process.env.DATABASE_URL || undefined, gatewayUrl: process.env.GATEWAY_URL || undefined };
  const running = runningInfra();
  if (running && (!given.databaseUrl || !given.gatewayUrl)) {
    options.log(`using the infrastructure started by process ${running.pid}`);
    return {
      databaseUrl: given.databaseUrl ?? running.databaseUrl,
      gatewayUrl: given.gatewayUrl ?? running.gatewayUrl,
      stop: async () => {},
    };
  }

  let pg: EmbeddedPostgresHandle | undefined;
  let gateway: ChildProcess | undefined;
  const stop = async () => {
    if (gateway) await stopProcess(gateway);
    await pg?.stop();
    if (pg || gateway) rmSync(STATE_FILE, { force: true });
  };
  const gatewayPort = process.env.GATEWAY_PORT || '8001';
  try {
    await mkdir(DATA_DIR, { recursive: true });
    if (!given.databaseUrl) {
      const port = Number(process.env.EMBEDDED_PG_PORT || 54329);
      options.log(`starting embedded Postgres (data in ${path.relative(ROOT, DATA_DIR) || '.'}/pg, port ${port})`);
      pg = await startEmbeddedPostgres({ dataDir: path.join(DATA_DIR, 'pg'), port, onNotice: options.log });
    }
    if (!given.gatewayUrl && options.gateway !== false) {
      options.log(`starting the gateway-mock on port ${gatewayPort}`);
      gateway = startGatewayMock(gatewayPort, options);
      await waitForHealth(`http://127.0.0.1:${gatewayPort}/health`, gateway);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  const state: InfraState = {
    pid: process.pid,
    databaseUrl: given.databaseUrl ?? (pg as EmbeddedPostgresHandle).url,
    gatewayUrl: given.gatewayUrl ?? `http://127.0.0.1:${gatewayPort}`,
  };
  // Written last: its presence tells others (and spawnInfra) that everything answers.
  if (pg || gateway) writeInfraState(STATE_FILE, state);
  return { databaseUrl: state.databaseUrl, gatewayUrl: state.gatewayUrl, stop };
}

function startGatewayMock(port: string, options: { log: (line: string) => void; gatewayLogs?: boolean }): ChildProcess {
  // node runs the entry with tsx's loader itself: one process to stop, no wrapper in between.
  const gateway = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'apps/gateway-mock/src/main.ts')], {
    cwd: ROOT,
    env: { ...process.env, GATEWAY_PORT: port },
    stdio: ['ignore', options.gatewayLogs ? 'pipe' : 'ignore', 'pipe'],
    detached: true, // stopped by stop(), not by a terminal's Ctrl-C
  });
  gateway.stderr?.on('data', (chunk: Buffer) => options.log(`[gateway] ${chunk.toString().trimEnd()}`));
  if (options.gatewayLogs) gateway.stdout?.on('data', (chunk: Buffer) => options.log(`[gateway] ${chunk.toString().trimEnd()}`));
  return gateway;
}

/** The infrastructure started in a process of its own by spawnInfra. */
export interface SpawnedInfra {
  /** The process (scripts/up.ts), there from the moment spawnInfra returns. */
  child: ChildProcess;
  /** Its URLs once everything answers; rejects when it fails or takes longer than 60 s. */
  ready: Promise<Pick<Infra, 'databaseUrl' | 'gatewayUrl'>>;
  /** Ends it, at any moment: up.ts stops what it has started, even in the middle of starting. */
  stop(): Promise<void>;
}

/**
 * Starts the infrastructure in a process of its own (scripts/up.ts) and in its own process
 * group, so a terminal's Ctrl-C does not kill Postgres under the apps still shutting down.
 * Returns at once, so that the caller owns the process before anything can fail; up.ts also
 * watches this process and stops by itself if it dies without stopping it.
 */
export function spawnInfra(log: (line: string) => void): SpawnedInfra {
  rmSync(STATE_FILE, { force: true }); // stale: its process is gone (runningInfra() said so)
  const up = path.join(ROOT, 'scripts/up.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', up, `--owner=${process.pid}`], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  child.stdout?.on('data', (chunk: Buffer) => log(chunk.toString().trimEnd()));
  child.stderr?.on('data', (chunk: Buffer) => log(chunk.toString().trimEnd()));
  const ready = (async () => {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const state = runningInfra();
      if (state && state.pid === child.pid) return { databaseUrl: state.databaseUrl, gatewayUrl: state.gatewayUrl };
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(`the infrastructure failed to start (exit ${child.exitCode ?? child.signalCode})`);
      if (Date.now() > deadline) throw new Error('the infrastructure did not start within 60 s');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  ready.catch(() => {}); // the caller awaits it; a rejection after stop() must not crash the process
  return { child, ready, stop: () => stopProcess(child) };
}

/** SIGTERM, then waits for the exit (at once if it has exited or never started). */
export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

async function waitForHealth(url: string, child: ChildProcess, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the gateway-mock exited (code ${child.exitCode}); is its port in use?`);
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the gateway-mock did not answer ${url} within ${timeoutMs} ms`);
}
