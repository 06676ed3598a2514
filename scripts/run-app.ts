import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { API_NODE_FLAGS } from '@pt/api';
import {
  AccountOwnedByAnotherClientError,
  type ClientAccountsRepository,
  createApiClientsRepository,
  createClientAccountsRepository,
  createSql,
  runMigrations,
} from '@pt/core';
import { syncerNodeFlags } from '@pt/syncer';
import { APP_BUNDLES } from './bundle.js';
import { DATA_DIR, type Infra, ROOT, runningInfra, spawnInfra, startInfra, stopProcess } from './infra.js';

/**
 * `make run-app`: the whole service on one machine. Starts an embedded Postgres and the
 * gateway-mock unless DATABASE_URL / GATEWAY_URL are given, migrates, makes sure a development
 * API key exists, then runs the api, the syncer and the webhook dispatcher (the syncer's two
 * halves, SYNCER_JOBS) with readable logs until Ctrl-C stops everything.
 */
const PRETTY = path.join(ROOT, 'node_modules', '.bin', 'pino-pretty');
const KEY_FILE = path.join(DATA_DIR, 'dev-api-key');
/** The development key that seals webhook signing secrets, kept with the data it sealed. */
const SECRET_KEYS_FILE = path.join(DATA_DIR, 'dev-webhook-secret-keys');
/** The sender accounts of the README's walk-through: the dev client owns them. */
const DEV_ACCOUNTS = ['12345678'];
const say = (line: string) => process.stdout.write(`[run-app] ${line}\n`);

// Every way out stops what has been started: Ctrl-C (at any moment, start-up included), a
// start-up step that fails, a child that exits. So the handlers are in place before anything starts.
let infraChild: ChildProcess | undefined;
let infraStop: (() => Promise<void>) | undefined;
const children: AppProcess[] = [];
let stopping = false;
async function shutdown(code: number) {
  if (stopping) return;
  stopping = true;
  say('stopping');
  await Promise.all(children.map((app) => app.stop()));
  await infraStop?.();
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));
// An error thrown from a callback (postgres.js writing to a connection torn down by Ctrl-C during
// start-up) must not end the process before the shutdown has stopped what it started.
process.on('uncaughtException', (error) => {
  say(`${stopping ? 'while stopping' : 'unexpected error'}: ${error.message}`);
  void shutdown(1);
});
// Last resort, for an exit nothing above saw coming (an uncaught error): the children run in
// process groups of their own, so they are signalled here or not at all.
process.on('exit', () => {
  for (const child of [infraChild, ...children.map((app) => app.child)]) {
    if (child?.pid && child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  }
});

try {
  await start();
} catch (error) {
  if (!stopping) say(`could not start: ${error instanceof Error ? error.message : String(error)}`);
  await shutdown(1);
}

async function start() {
  const infra = await startOrReuseInfra();
  await runMigrations(infra.databaseUrl);
  say('database migrated');
  const apiKey = await ensureDevApiKey(infra.databaseUrl);
  if (stopping) return; // Ctrl-C during start-up: shutdown() is stopping the infrastructure

  // Webhooks to a local receiver (make webhook-listen): http and loopback allowed, unless set otherwise.
  const env = {
    WEBHOOK_ALLOW_HTTP: 'true',
    WEBHOOK_ALLOWED_CIDRS: '127.0.0.0/8,::1/128',
    WEBHOOK_SECRET_KEYS: devSecretKeys(),
    ...process.env,
    DATABASE_URL: infra.databaseUrl,
    GATEWAY_URL: infra.gatewayUrl,
  };
  // The syncer in two processes, each with its V8 flags: the sync, and the webhook dispatcher
  // (its metrics on the next port).
  const metricsPort = Number(process.env.SYNCER_METRICS_PORT ?? 9464);
  children.push(
    run(APP_BUNDLES.api.entry, API_NODE_FLAGS, env),
    run(APP_BUNDLES.syncer.entry, syncerNodeFlags('sync'), { ...env, SYNCER_JOBS: 'sync' }),
    run(APP_BUNDLES.syncer.entry, syncerNodeFlags('webhooks'), {
      ...env,
      SYNCER_JOBS: 'webhooks',
      SYNCER_METRICS_PORT: String(metricsPort === 0 ? 0 : metricsPort + 1),
    }),
  );
  const apiPort = process.env.API_PORT || '8000';
  say(`api on http://127.0.0.1:${apiPort}  (docs: http://127.0.0.1:${apiPort}/docs)`);
  say(`gateway at ${infra.gatewayUrl}`);
  say(`development API key (also in ${path.relative(ROOT, KEY_FILE)}): ${apiKey}`);
  say('Ctrl-C stops everything');
}

/** The infrastructure: spawned (and owned from its first moment), reused, or given by the environment. */
async function startOrReuseInfra(): Promise<Pick<Infra, 'databaseUrl' | 'gatewayUrl'>> {
  const needsInfra = (!process.env.DATABASE_URL || !process.env.GATEWAY_URL) && !runningInfra();
  if (!needsInfra) {
    const infra = await startInfra({ log: say });
    infraStop = infra.stop;
    return infra;
  }
  const spawned = spawnInfra((text) => {
    for (const line of text.split('\n')) say(line.replace(/^\[up\] /, ''));
  });
  infraChild = spawned.child;
  infraStop = spawned.stop;
  return spawned.ready;
}

interface AppProcess {
  child: ChildProcess;
  /** SIGTERM, then waits for the app and for its log printer to exit. */
  stop(): Promise<void>;
}

function run(entry: string, nodeFlags: readonly string[], env: NodeJS.ProcessEnv): AppProcess {
  // detached: a terminal's Ctrl-C reaches only run-app, which stops each child exactly once.
  // node runs the entry with tsx's loader itself (no tsx wrapper process), with the app's flags.
  const args = [...nodeFlags, '--import', 'tsx', path.join(ROOT, entry)];
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'inherit'], detached: true });
  const pretty = spawn(PRETTY, ['--colorize', '--translateTime', 'SYS:HH:MM:ss.l', '--ignore', 'pid,hostname'], {
    stdio: ['pipe', 'inherit', 'inherit'],
    detached: true,
  });
  child.stdout?.pipe(pretty.stdin); // ends with the app's output; pino-pretty exits then
  const prettyExited = new Promise((resolve) => pretty.once('exit', resolve));
  child.on('exit', (code) => {
    if (!stopping) {
      say(`a process exited (code ${code}); stopping the rest`);
      void shutdown(code || 1);
    }
  });
  return {
    child,
    async stop() {
      await stopProcess(child);
      await prettyExited;
    },
  };
}

/** .data/dev-webhook-secret-keys, created once (a random key), so secrets stay sealed across runs. */
function devSecretKeys(): string {
  if (!existsSync(SECRET_KEYS_FILE)) writeFileSync(SECRET_KEYS_FILE, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
  return readFileSync(SECRET_KEYS_FILE, 'utf8').trim();
}

/**
 * Reuses .data/dev-api-key while it still works; otherwise creates the `dev` client's key. Either
 * way the key's client owns DEV_ACCOUNTS, so the walk-through's payments are accepted.
 */
async function ensureDevApiKey(databaseUrl: string): Promise<string> {
  const { sql, close } = createSql(databaseUrl, { max: 1 });
  try {
    const clients = createApiClientsRepository(sql);
    const existing = existsSync(KEY_FILE) ? readFileSync(KEY_FILE, 'utf8').trim() : '';
    const known = existing ? await clients.authenticate(existing) : null;
    const dev = known ? { apiKey: existing, client: known } : await clients.create('dev', { isAdmin: true });
    if (!known) {
      writeFileSync(KEY_FILE, `${dev.apiKey}\n`, { mode: 0o600 });
      say('created a development API key');
    }
    await ensureDevAccounts(createClientAccountsRepository(sql), dev.client.name);
    return dev.apiKey;
  } finally {
    await close();
  }
}

async function ensureDevAccounts(accounts: ClientAccountsRepository, clientName: string): Promise<void> {
  for (const account of DEV_ACCOUNTS) {
    try {
      const { created } = await accounts.register(clientName, account, 'run-app');
      if (created) say(`the ${clientName} client may now send from account ${account}`);
    } catch (error) {
      if (!(error instanceof AccountOwnedByAnotherClientError)) throw error;
      say(`account ${account} belongs to another client: the walk-through's payments will answer 403`);
    }
  }
}
