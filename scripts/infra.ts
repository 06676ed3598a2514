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
export const DATA_DIR = path.join(ROOT, '.data');
const STATE_FILE = path.join(DATA_DIR, 'infra.json');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');

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
  await mkdir(DATA_DIR, { recursive: true });
  if (!given.databaseUrl) {
    const port = Number(process.env.EMBEDDED_PG_PORT || 54329);
    options.log(`starting embedded Postgres (data in .data/pg, port ${port})`);
    pg = await startEmbeddedPostgres({ dataDir: path.join(DATA_DIR, 'pg'), port });
  }
  if (!given.gatewayUrl && options.gateway !== false) {
    const port = process.env.GATEWAY_PORT || '8001';
    options.log(`starting the gateway-mock on port ${port}`);
    gateway = spawn(TSX, [path.join(ROOT, 'apps/gateway-mock/src/main.ts')], {
      env: { ...process.env, GATEWAY_PORT: port },
      stdio: ['ignore', options.gatewayLogs ? 'pipe' : 'ignore', 'pipe'],
      detached: true, // stopped by stop(), not by a terminal's Ctrl-C
    });
    gateway.stderr?.on('data', (chunk: Buffer) => options.log(`[gateway] ${chunk.toString().trimEnd()}`));
    if (options.gatewayLogs)
      gateway.stdout?.on('data', (chunk: Buffer) => options.log(`[gateway] ${chunk.toString().trimEnd()}`));
    await waitForHealth(`http://127.0.0.1:${port}/health`, gateway);
  }
  const state: InfraState = {
    pid: process.pid,
    databaseUrl: given.databaseUrl ?? (pg as EmbeddedPostgresHandle).url,
    gatewayUrl: given.gatewayUrl ?? `http://127.0.0.1:${process.env.GATEWAY_PORT || '8001'}`,
  };
  // Written last: its presence tells others (and spawnInfra) that everything answers.
  if (pg || gateway) writeInfraState(STATE_FILE, state);
  return {
    databaseUrl: state.databaseUrl,
    gatewayUrl: state.gatewayUrl,
    async stop() {
      if (gateway && gateway.exitCode === null) {
        const exited = new Promise((resolve) => gateway?.once('exit', resolve));
        gateway.kill('SIGTERM');
        await exited;
      }
      await pg?.stop();
      if (pg || gateway) rmSync(STATE_FILE, { force: true });
    },
  };
}

/**
 * Starts the infrastructure in a process of its own (scripts/up.ts) and in its own process
 * group, so a terminal's Ctrl-C does not kill Postgres under the apps still shutting down.
 * Resolves with its URLs and a stop() that ends it.
 */
export async function spawnInfra(log: (line: string) => void): Promise<Infra> {
  const child = spawn(TSX, [path.join(ROOT, 'scripts/up.ts')], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  child.stdout?.on('data', (chunk: Buffer) => log(chunk.toString().trimEnd()));
  child.stderr?.on('data', (chunk: Buffer) => log(chunk.toString().trimEnd()));
  const deadline = Date.now() + 60_000;
  let state: InfraState | null = null;
  rmSync(STATE_FILE, { force: true }); // stale: its process is gone (runningInfra() said so)
  while (!state) {
    if (child.exitCode !== null) throw new Error(`the infrastructure failed to start (exit ${child.exitCode})`);
    if (Date.now() > deadline) throw new Error('the infrastructure did not start within 60 s');
    await new Promise((resolve) => setTimeout(resolve, 100));
    state = runningInfra();
  }
  return {
    databaseUrl: state.databaseUrl,
    gatewayUrl: state.gatewayUrl,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
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
