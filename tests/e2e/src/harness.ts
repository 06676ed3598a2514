import { randomBytes } from 'node:crypto';
import { buildApp, createApiDeps, loadApiConfig } from '@pt/api';
import { createPaymentTrackerClient, type PaymentTrackerClient } from '@pt/client';
import { createApiClientsRepository, createClientAccountsRepository, createLogger, createSql, type Logger } from '@pt/core';
import { createLogCapture, createTestDatabase, type TestDatabase } from '@pt/core/testing';
import { type FaultConfig, type RunningGatewayMock, startGatewayMock } from '@pt/gateway-mock';
import { createSyncer, createSyncerDeps, loadSyncerConfig, type Syncer, type SyncerDeps } from '@pt/syncer';
import { request } from 'undici';
import { startTcpProxy, viaProxy } from './tcp-proxy.js';

export interface SystemOptions {
  /** Gateway resolution delay; short so tests see payments resolve. */
  delaySeconds?: number;
  faults?: FaultConfig;
  /** Extra environment for api and syncer (strings, as a process would get them). */
  env?: Record<string, string>;
  /** Start one syncer right away (default true). */
  startSyncer?: boolean;
  /** Route api and syncer to Postgres through a TCP proxy the test can cut (system.dbProxy). */
  proxyDatabase?: boolean;
  /** A database the test prepared itself, instead of a clone of the migrated template (dropped by stop()). */
  database?: TestDatabase;
}

export interface RunningSyncer {
  syncer: Syncer;
  deps: SyncerDeps;
  stop(): Promise<void>;
}

/**
 * The whole system in one test process, every part real: a fresh database cloned from the
 * migrated template, the gateway-mock on a free port, the API listening on a free port, and
 * syncers on demand. Every log line of api and syncer is captured.
 */
export async function startSystem(options: SystemOptions = {}) {
  const database: TestDatabase = options.database ?? (await createTestDatabase());
  const mock: RunningGatewayMock = await startGatewayMock({ delaySeconds: options.delaySeconds ?? 0.5, faults: options.faults });
  const dbProxy = options.proxyDatabase ? await startTcpProxy('127.0.0.1', Number(new URL(database.url).port)) : undefined;
  const logs = createLogCapture();
  const logger: Logger = createLogger({ name: 'test', level: 'debug', destination: logs.stream });
  const env: Record<string, string> = {
    DATABASE_URL: dbProxy ? viaProxy(database.url, dbProxy) : database.url,
    GATEWAY_URL: mock.url,
    SYNC_INTERVAL_MS: '100',
    RESUBMIT_BASE_MS: '50',
    RESUBMIT_CAP_MS: '200',
    GATEWAY_SUBMIT_TIMEOUT_MS: '1000',
    AUTH_CACHE_TTL_MS: '0',
    RATE_LIMIT_MAX: '0',
    GATEWAY_CLOCK_SKEW_MS: '200',
    // One machine: the gateway records what it takes at once; windows close 300 ms after we gave up.
    GATEWAY_MAX_RECORDING_DELAY_MS: '300',
    // Careful mode has tests of its own; elsewhere it would turn inline answers into 202s.
    CAREFUL_ENTER_AFTER: '1000',
    // Many syncers share this machine: none takes the default metrics port unless a test asks.
    SYNCER_METRICS_PORT: '0',
    // Webhook signing secrets sealed at rest, as in production.
    WEBHOOK_SECRET_KEYS: randomBytes(32).toString('base64'),
    ...options.env,
  };

  const apiDeps = createApiDeps(loadApiConfig(env), logger.child({ name: 'api' }));
  const app = await buildApp(apiDeps);
  const apiUrl = await app.listen({ port: 0, host: '127.0.0.1' });
  const admin = createSql(database.url, { max: 2 });
  const clients = createApiClientsRepository(admin.sql);
  const clientAccounts = createClientAccountsRepository(admin.sql);
  const syncers: RunningSyncer[] = [];

  async function startSyncer(extraEnv: Record<string, string> = {}): Promise<RunningSyncer> {
    const deps = createSyncerDeps(loadSyncerConfig({ ...env, ...extraEnv }), logger.child({ name: 'syncer' }));
    const syncer = createSyncer(deps);
    await syncer.start();
    let stopped = false;
    const running: RunningSyncer = {
      syncer,
      deps,
      async stop() {
        if (stopped) return;
        stopped = true;
        await syncer.stop();
        await deps.close();
      },
    };
    syncers.push(running);
    return running;
  }
  if (options.startSyncer !== false) await startSyncer();

  const idleDeps: SyncerDeps[] = [];
  /** A syncer's parts without its loop, for tests that run reconcile() step by step. */
  function syncerDeps(extraEnv: Record<string, string> = {}): SyncerDeps {
    const deps = createSyncerDeps(loadSyncerConfig({ ...env, ...extraEnv }), logger.child({ name: 'syncer' }));
    idleDeps.push(deps);
    return deps;
  }

  const extraApis: Array<() => Promise<void>> = [];
  /** Another API process's worth: its own pool, caches and listener, the same database. */
  async function startApi(extraEnv: Record<string, string> = {}): Promise<{ url: string; close(): Promise<void> }> {
    const deps = createApiDeps(loadApiConfig({ ...env, ...extraEnv }), logger.child({ name: 'api' }));
    const other = await buildApp(deps);
    const url = await other.listen({ port: 0, host: '127.0.0.1' });
    const close = async () => {
      await other.close();
      await deps.close();
    };
    extraApis.push(close);
    return { url, close };
  }

  return {
    apiUrl,
    app,
    apiDeps,
    mock,
    database,
    dbProxy,
    logs,
    /** The raw SQL client on the test database, for assertions. */
    sql: admin.sql,
    startSyncer,
    syncerDeps,
    startApi,
    /**
     * A new client (or a new key of an existing one) and its key. `accounts` are registered to
     * the client: POST /payments accepts only sender accounts the client owns.
     */
    async createClient(name: string, isAdmin = false, options: { accounts?: readonly string[] } = {}): Promise<string> {
      const { apiKey } = await clients.create(name, { isAdmin });
      for (const account of options.accounts ?? []) await clientAccounts.register(name, account, 'test');
      return apiKey;
    },
    /**
     * The typed client (packages/client) bound to an API key, as a client of the API would call
     * it: a route or schema change that breaks clients breaks the tests' type check. Without
     * retries, so a test sees each answer (client-retries.test.ts tests them).
     */
    client(apiKey: string | null): PaymentTrackerClient {
      return createPaymentTrackerClient({ baseUrl: apiUrl, apiKey, retry: false });
    },
    /** Raw HTTP bound to an API key: for malformed input and what the typed client cannot send. */
    as(apiKey: string | null) {
      return createHttpClient(apiUrl, apiKey);
    },
    async stop() {
      await Promise.all(syncers.map((s) => s.stop()));
      await Promise.all(idleDeps.map((deps) => deps.close()));
      await Promise.all(extraApis.map((close) => close()));
      await app.close();
      await apiDeps.close();
      await mock.close();
      await admin.close();
      await dbProxy?.close();
      await database.drop();
    },
  };
}

export type System = Awaited<ReturnType<typeof startSystem>>;

export interface HttpAnswer<T = unknown> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: T;
  text: string;
}

/** Real HTTP calls to the API; `body` is parsed JSON when the answer is JSON. */
export function createHttpClient(baseUrl: string, apiKey: string | null) {
  async function call<T = unknown>(
    method: string,
    path: string,
    init: { json?: unknown; body?: string; headers?: Record<string, string> } = {},
  ): Promise<HttpAnswer<T>> {
    const headers: Record<string, string> = { ...init.headers };
    if (apiKey) headers.authorization = `Bearer ${apiKey}`;
    let body = init.body;
    if (init.json !== undefined) {
      body = JSON.stringify(init.json);
      headers['content-type'] ??= 'application/json';
    }
    const response = await request(`${baseUrl}${path}`, { method: method as 'GET', headers, body });
    const text = await response.body.text();
    const type = String(response.headers['content-type'] ?? '');
    const parsed = type.includes('json') && text ? (JSON.parse(text) as T) : (text as T);
    return { status: response.statusCode, headers: response.headers, body: parsed, text };
  }
  return {
    call,
    get: <T = unknown>(path: string, headers?: Record<string, string>) => call<T>('GET', path, { headers }),
    post: <T = unknown>(path: string, json: unknown, headers?: Record<string, string>) =>
      call<T>('POST', path, { json, headers }),
  };
}

/** Polls `check` until it returns a value (not undefined) or the time runs out. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  options: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 15_000);
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 100));
  }
  throw new Error(`timed out waiting for ${options.what ?? 'a condition'}${last ? `: ${String(last)}` : ''}`);
}
