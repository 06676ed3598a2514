import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { API_NODE_FLAGS } from '@pt/api';
import { createApiClientsRepository, createClientAccountsRepository, createSql, freePort, migrationsFolder } from '@pt/core';
import { createEmptyDatabase, createTestDatabase, type TestDatabase } from '@pt/core/testing';
import { SYNCER_NODE_FLAGS, WEBHOOKS_NODE_FLAGS } from '@pt/syncer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_BUNDLES, bundleApps, bundleCommands, COMMAND_BUNDLES, type CommandName, ROOT } from '../../../scripts/bundle.js';
import { createHttpClient, eventually } from './harness.js';
import { type AppProcess, spawnApp } from './processes.js';

interface PaymentBody {
  id: string;
  status: string;
  resolved_at: string | null;
}

/**
 * The apps as the Docker image and the bench run them: esbuild bundles on plain node, with
 * their V8 flags. A dependency that cannot be bundled (a file read beside its own
 * code, a dynamic require) only shows up here.
 */
describe('bundled apps (as shipped)', () => {
  let database: TestDatabase;
  const processes: AppProcess[] = [];
  let apiUrl: string;
  let apiKey: string;

  beforeAll(async () => {
    await bundleApps();
    database = await createTestDatabase();
    const admin = createSql(database.url, { max: 1 });
    apiKey = (await createApiClientsRepository(admin.sql).create('bundled')).apiKey;
    await createClientAccountsRepository(admin.sql).register('bundled', '111122223333', 'test');
    await admin.close();

    const gatewayPort = await freePort();
    const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
    const gatewayEnv = { GATEWAY_PORT: String(gatewayPort), GATEWAY_HOST: '127.0.0.1', PAYMENT_DELAY_SECONDS: '0.2' };
    processes.push(await spawnApp('gateway-mock', gatewayEnv, `${gatewayUrl}/health`, { bundled: true }));

    const apiPort = await freePort();
    apiUrl = `http://127.0.0.1:${apiPort}`;
    const env = { DATABASE_URL: database.url, GATEWAY_URL: gatewayUrl, SYNC_INTERVAL_MS: '100' };
    processes.push(await spawnApp('api', { ...env, API_PORT: String(apiPort) }, `${apiUrl}/readyz`, { bundled: true }));
    processes.push(await spawnApp('syncer', env, undefined, { bundled: true }));
  }, 60_000);

  afterAll(async () => {
    for (const app of processes.reverse()) await app.stop();
    await database?.drop();
  });

  it('take a payment, forward it and follow it to its resolution', async () => {
    const client = createHttpClient(apiUrl, apiKey);
    const created = await client.post<PaymentBody>('/payments', {
      amount: '12.34',
      sender_account: '111122223333',
      receiver_account: '444455556666',
    });
    expect(created.status).toBe(201);
    expect(created.body.status).toBe('pending');

    const resolved = await eventually(
      async () => {
        const read = await client.get<PaymentBody>(`/payments/${created.body.id}`);
        return read.body.resolved_at ? read.body : undefined;
      },
      { what: 'the payment resolved by the bundled syncer' },
    );
    expect(['settled', 'returned', 'failed']).toContain(resolved.status);
  });

  it('serve the OpenAPI document and the docs UI with its static assets', async () => {
    const client = createHttpClient(apiUrl, null);
    const spec = await client.get<{ openapi: string }>('/openapi.json');
    expect(spec.status).toBe(200);
    expect(spec.body.openapi).toMatch(/^3\./);
    const page = await client.get('/docs/');
    expect(page.status).toBe(200);
    expect(page.text).toMatch(/swagger/i);
    // swagger-ui's files are read from its package folder at run time: the bundle must find it.
    const script = /src="\.?\/?([\w./-]+\.js)"/.exec(page.text)?.[1];
    expect(script).toBeDefined();
    const asset = await client.get(`/docs/${String(script).replace(/^docs\//, '')}`);
    expect(asset.status).toBe(200);
    expect(asset.text.length).toBeGreaterThan(10_000);
  });

  it('stop cleanly on SIGTERM', async () => {
    const syncer = processes.pop();
    expect(await syncer?.stop()).toBe(0);
    expect(syncer?.lines.join('\n')).toMatch(/finishing the cycle in progress, then stopping/);
  });

  it('are started by docker-compose and the Docker image with the same node flags', () => {
    const compose = readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8');
    const command = (service: string) =>
      JSON.parse(new RegExp(`^ {2}${service}:\\n(?:.*\\n)*? {4}command: (\\[.*\\])$`, 'm').exec(compose)?.[1] ?? 'null');
    expect(command('syncer')).toEqual(['node', ...SYNCER_NODE_FLAGS, APP_BUNDLES.syncer.outfile]);
    expect(command('webhooks')).toEqual(['node', ...WEBHOOKS_NODE_FLAGS, APP_BUNDLES.syncer.outfile]);
    expect(command('api')).toEqual(['node', ...API_NODE_FLAGS, APP_BUNDLES.api.outfile]);
    const dockerfile = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
    expect(JSON.parse(/^CMD (\[.*\])$/m.exec(dockerfile)?.[1] ?? 'null')).toEqual([
      'node',
      ...API_NODE_FLAGS,
      APP_BUNDLES.api.outfile,
    ]);
  });
});

/**
 * The operator's commands as the Docker image runs them: `node dist/<command>.mjs`, from a folder
 * that holds their bundles and drizzle/ and nothing else (no node_modules, no TypeScript, no tsx),
 * with no NODE_OPTIONS that could bring a loader in.
 */
describe('bundled commands (as the image runs them)', () => {
  let folder: string;
  let database: TestDatabase;

  beforeAll(async () => {
    await bundleCommands();
    folder = mkdtempSync(path.join(os.tmpdir(), 'pt-commands-'));
    for (const { outfile } of Object.values(COMMAND_BUNDLES)) cpSync(path.join(ROOT, outfile), path.join(folder, outfile));
    cpSync(migrationsFolder, path.join(folder, 'drizzle'), { recursive: true });
    database = await createEmptyDatabase();
  }, 60_000);

  afterAll(async () => {
    await database?.drop();
    rmSync(folder, { recursive: true, force: true });
  });

  const runCommand = (command: CommandName, args: string[] = []) =>
    promisify(execFile)(process.execPath, [path.join(folder, COMMAND_BUNDLES[command].outfile), ...args], {
      cwd: folder,
      env: { PATH: process.env.PATH, DATABASE_URL: database.url },
      encoding: 'utf8',
    });

  async function appliedMigrations(): Promise<number> {
    const { sql, close } = createSql(database.url, { max: 1 });
    try {
      const [row] = await sql<{ count: number }[]>`SELECT count(*)::int AS count FROM drizzle.__drizzle_migrations`;
      return row?.count ?? 0;
    } finally {
      await close();
    }
  }

  it('migrate applies every migration to an empty database, and a second run changes nothing', async () => {
    const journal = JSON.parse(readFileSync(path.join(migrationsFolder, 'meta', '_journal.json'), 'utf8')) as {
      entries: unknown[];
    };
    expect((await runCommand('migrate')).stderr).toMatch(/migrations applied/);
    expect(await appliedMigrations()).toBe(journal.entries.length);
    await runCommand('migrate');
    expect(await appliedMigrations()).toBe(journal.entries.length);
  });

  it('api-key prints a new key, and nothing else, that authenticates its client', async () => {
    const { stdout } = await runCommand('api-key', ['create', 'bundled-operator']);
    const { sql, close } = createSql(database.url, { max: 1 });
    try {
      expect(stdout.trim().split('\n')).toHaveLength(1);
      const client = await createApiClientsRepository(sql).authenticate(stdout.trim());
      expect(client?.name).toBe('bundled-operator');
    } finally {
      await close();
    }
  });

  it('accounts registers a sender account to a client and lists it', async () => {
    await runCommand('api-key', ['create', 'bundled-sender']);
    expect((await runCommand('accounts', ['add', 'bundled-sender', '12121212'])).stderr).toMatch(/registered/);
    const { stdout } = await runCommand('accounts', ['list', 'bundled-sender']);
    expect(stdout).toMatch(/^12121212\t/);
  });
});
