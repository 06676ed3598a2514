import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { API_NODE_FLAGS } from '@pt/api';
import { createApiClientsRepository, createSql, runMigrations } from '@pt/core';
import { SYNCER_NODE_FLAGS } from '@pt/syncer';
import { APP_BUNDLES } from './bundle.js';
import { DATA_DIR, ROOT, runningInfra, spawnInfra, startInfra } from './infra.js';

/**
 * `make run-app`: the whole service on one machine. Starts an embedded Postgres and the
 * gateway-mock unless DATABASE_URL / GATEWAY_URL are given, migrates, makes sure a development
 * API key exists, then runs api and syncer with readable logs until Ctrl-C stops everything.
 */
const PRETTY = path.join(ROOT, 'node_modules', '.bin', 'pino-pretty');
const KEY_FILE = path.join(DATA_DIR, 'dev-api-key');
const say = (line: string) => process.stdout.write(`[run-app] ${line}\n`);

const needsInfra = (!process.env.DATABASE_URL || !process.env.GATEWAY_URL) && !runningInfra();
const infra = needsInfra
  ? await spawnInfra((text) => {
      for (const line of text.split('\n')) say(line.replace(/^\[up\] /, ''));
    })
  : await startInfra({ log: say });
await runMigrations(infra.databaseUrl);
say('database migrated');
const apiKey = await ensureDevApiKey(infra.databaseUrl);

const env = { ...process.env, DATABASE_URL: infra.databaseUrl, GATEWAY_URL: infra.gatewayUrl };
const children = [run(APP_BUNDLES.api.entry, API_NODE_FLAGS), run(APP_BUNDLES.syncer.entry, SYNCER_NODE_FLAGS)];
const apiPort = process.env.API_PORT || '8000';
say(`api on http://127.0.0.1:${apiPort}  (docs: http://127.0.0.1:${apiPort}/docs)`);
say(`gateway at ${infra.gatewayUrl}`);
say(`development API key (also in .data/dev-api-key): ${apiKey}`);
say('Ctrl-C stops everything');

let stopping = false;
async function shutdown(code: number) {
  if (stopping) return;
  stopping = true;
  say('stopping');
  await Promise.all(children.map(stopChild));
  await infra.stop();
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));
for (const child of children) {
  child.on('exit', (code) => {
    if (!stopping) {
      say(`a process exited (code ${code}); stopping the rest`);
      void shutdown(code || 1);
    }
  });
}

function run(entry: string, nodeFlags: readonly string[] = []): ChildProcess {
  // detached: a terminal's Ctrl-C reaches only run-app, which stops each child exactly once.
  // node runs the entry with tsx's loader itself (no tsx wrapper process), with the app's flags.
  const args = [...nodeFlags, '--import', 'tsx', path.join(ROOT, entry)];
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'inherit'], detached: true });
  const pretty = spawn(PRETTY, ['--colorize', '--translateTime', 'SYS:HH:MM:ss.l', '--ignore', 'pid,hostname'], {
    stdio: ['pipe', 'inherit', 'inherit'],
    detached: true,
  });
  child.stdout?.pipe(pretty.stdin);
  return child;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** Reuses .data/dev-api-key while it still works; otherwise creates the `dev` client's key. */
async function ensureDevApiKey(databaseUrl: string): Promise<string> {
  const { sql, close } = createSql(databaseUrl, { max: 1 });
  try {
    const clients = createApiClientsRepository(sql);
    if (existsSync(KEY_FILE)) {
      const existing = readFileSync(KEY_FILE, 'utf8').trim();
      if (await clients.authenticate(existing)) return existing;
    }
    const { apiKey } = await clients.create('dev', { isAdmin: true });
    writeFileSync(KEY_FILE, `${apiKey}\n`, { mode: 0o600 });
    say('created a development API key');
    return apiKey;
  } finally {
    await close();
  }
}
