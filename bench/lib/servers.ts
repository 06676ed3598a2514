import { once } from 'node:events';
import { API_NODE_FLAGS } from '@pt/api';
import { freePort } from '@pt/core';
import { syncerNodeFlags } from '@pt/syncer';
import { APP_BUNDLES, type AppName } from '../../scripts/bundle.js';
import { benchBundle, spawnScript, stopChild, waitForHttp } from './children.js';
import type { BenchContext } from './context.js';

/**
 * An app's bundle, as shipped; BENCH_FROM_SOURCE=1 runs its TypeScript under tsx instead, so a
 * profile (BENCH_PROFILE=1) names each package rather than one bundle file.
 */
function appScript(app: AppName): string {
  return process.env.BENCH_FROM_SOURCE === '1' ? APP_BUNDLES[app].entry : APP_BUNDLES[app].outfile;
}

export interface RunningServer {
  url: string;
  /** The server's process id, to read its CPU time (cpu-time.ts). */
  pid?: number;
  stop(): Promise<void>;
}

/** The gateway-mock as its own process (its bundle, as shipped). */
export async function startGatewayMockProcess(options: { delaySeconds: number }): Promise<RunningServer> {
  const port = await freePort();
  const child = spawnScript(appScript('gateway-mock'), {
    label: 'gateway-mock',
    env: {
      GATEWAY_PORT: String(port),
      GATEWAY_HOST: '127.0.0.1',
      PAYMENT_DELAY_SECONDS: String(options.delaySeconds),
      LOG_LEVEL: 'warn',
    },
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/health`, child);
  return { url, pid: child.pid, stop: () => stopChild(child) };
}

/**
 * Our API as shipped (its bundle on plain node, with its V8 flags) with its default
 * configuration, logging included (to /dev/null: the JSON lines are still built and written;
 * BENCH_API_LOG_LEVEL overrides), except the per-key rate limit, which a one-key load generator
 * would otherwise hit.
 */
export async function startApiProcess(options: {
  databaseUrl: string;
  gatewayUrl: string;
  profile: boolean;
  env?: Record<string, string>;
}): Promise<RunningServer> {
  const port = await freePort();
  const child = spawnScript(appScript('api'), {
    label: 'api',
    profile: options.profile,
    nodeFlags: API_NODE_FLAGS,
    env: {
      DATABASE_URL: options.databaseUrl,
      GATEWAY_URL: options.gatewayUrl,
      API_PORT: String(port),
      API_HOST: '127.0.0.1',
      // One API key sends all the load: the per-key limiter stays on (its cost counts) but never trips.
      RATE_LIMIT_MAX: '10000000',
      ...(process.env.BENCH_API_LOG_LEVEL ? { LOG_LEVEL: process.env.BENCH_API_LOG_LEVEL } : {}),
      ...options.env,
    },
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/healthz`, child);
  return { url, pid: child.pid, stop: () => stopChild(child) };
}

/** Our syncer daemon as shipped (its bundle, with its node flags). */
export async function startSyncerProcess(options: {
  databaseUrl: string;
  gatewayUrl: string;
  env?: Record<string, string>;
  profile?: boolean;
}): Promise<RunningServer> {
  const child = spawnScript(appScript('syncer'), {
    label: 'syncer',
    profile: options.profile ?? false,
    nodeFlags: syncerNodeFlags(options.env?.SYNCER_JOBS),
    env: {
      DATABASE_URL: options.databaseUrl,
      GATEWAY_URL: options.gatewayUrl,
      LOG_LEVEL: 'warn',
      SYNCER_METRICS_PORT: '0',
      ...options.env,
    },
  });
  // It has no port: give it a moment to take the lock and run its first cycle.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  if (child.exitCode !== null) throw new Error(`the syncer exited with code ${child.exitCode}`);
  return { url: '', pid: child.pid, stop: () => stopChild(child) };
}

/**
 * The floor server (bench/processes/floor-server.ts), bundled and run like the API, with the
 * API's V8 flags: the comparison is of code, not of runtime settings.
 */
export async function startFloorProcess(options: {
  databaseUrl: string;
  gatewayUrl: string;
  clientId: string;
  profile?: boolean;
}): Promise<RunningServer> {
  const child = spawnScript(benchBundle('floor-server'), {
    label: 'floor',
    profile: options.profile ?? false,
    nodeFlags: API_NODE_FLAGS,
    env: { DATABASE_URL: options.databaseUrl, GATEWAY_URL: options.gatewayUrl, FLOOR_CLIENT_ID: options.clientId },
  });
  const [message] = (await Promise.race([
    once(child, 'message'),
    once(child, 'exit').then(() => {
      throw new Error('the floor server exited before listening');
    }),
  ])) as [{ port: number }];
  return { url: `http://127.0.0.1:${message.port}`, pid: child.pid, stop: () => stopChild(child) };
}

/**
 * What a load case runs against: the gateway-mock (resolving nothing during the run), our API and
 * the floor server, on the bench's database. stop() ends all three.
 */
export async function startApiAndFloor(
  ctx: BenchContext,
): Promise<{ ours: RunningServer; floor: RunningServer; stop(): Promise<void> }> {
  const { db, settings } = ctx;
  const gateway = await startGatewayMockProcess({ delaySeconds: 3600 });
  const ours = await startApiProcess({ databaseUrl: db.url, gatewayUrl: gateway.url, profile: settings.profile });
  const floor = await startFloorProcess({
    databaseUrl: db.url,
    gatewayUrl: gateway.url,
    clientId: ctx.clientId,
    profile: settings.profile,
  });
  return {
    ours,
    floor,
    async stop() {
      await Promise.all([ours.stop(), floor.stop()]);
      await gateway.stop();
    },
  };
}
