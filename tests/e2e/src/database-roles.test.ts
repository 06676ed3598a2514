import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { PaymentResponse } from '@pt/core';
import { createApiClientsRepository, createClientAccountsRepository, runMigrations, type SqlClient } from '@pt/core';
import { createEmptyDatabase, type TestDatabase } from '@pt/core/testing';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { postgresInitScripts } from './compose-file.js';
import {
  postPayment,
  readGatewayStatus,
  recordedWithMemo,
  storedEvents,
  uniqueMemo,
  waitForSyncAfter,
} from './delivery-helpers.js';
import { eventually, type System, startSystem } from './harness.js';

const withLogin = (url: string, user: string, password: string) => {
  const parsed = new URL(url);
  parsed.username = user;
  parsed.password = password;
  return parsed.toString();
};
const connect = (url: string) => postgres(url, { max: 1, onnotice: () => {} });

/**
 * The Postgres roles of docker-compose.yml, on a real Postgres: the SQL its postgres service runs
 * on an empty volume (found through the compose file, so it is the same file), the migrations run
 * as pt_migrator, then api and syncer running as pt_app. Roles belong to the whole server, so
 * they are dropped again at the end.
 */
describe('the database roles of a deployment', () => {
  let database: TestDatabase;
  let system: System;
  let asMigrator: SqlClient;
  let asApp: SqlClient;

  beforeAll(async () => {
    database = await createEmptyDatabase();
    const superuser = connect(database.url);
    const sqlScripts = postgresInitScripts().filter((file) => file.endsWith('.sql'));
    expect(sqlScripts.length).toBeGreaterThan(0);
    for (const file of sqlScripts) await superuser.unsafe(readFileSync(file, 'utf8'));
    // What role-passwords.sh does with the passwords of .env (hex here, so plain quoting is safe).
    const passwords = { pt_migrator: randomBytes(16).toString('hex'), pt_app: randomBytes(16).toString('hex') };
    for (const [role, password] of Object.entries(passwords)) await superuser.unsafe(`ALTER ROLE ${role} PASSWORD '${password}'`);
    await superuser.end({ timeout: 5 });

    const migratorUrl = withLogin(database.url, 'pt_migrator', passwords.pt_migrator);
    const appUrl = withLogin(database.url, 'pt_app', passwords.pt_app);
    await runMigrations(migratorUrl);
    asMigrator = connect(migratorUrl);
    asApp = connect(appUrl);
    // After its first cycle the syncer would not run again for a minute: only a NOTIFY wakes it.
    system = await startSystem({ database, delaySeconds: 0.3, env: { DATABASE_URL: appUrl, SYNC_INTERVAL_MS: '60000' } });
    await waitForSyncAfter(system, new Date(0));
  }, 60_000);

  afterAll(async () => {
    await asApp?.end({ timeout: 5 });
    await asMigrator?.end({ timeout: 5 });
    await system?.stop(); // drops the database
    const server = connect(inject('pgServerUrl'));
    await server.unsafe('DROP ROLE IF EXISTS pt_app, pt_migrator');
    await server.end({ timeout: 5 });
  });

  it('the migrations run as pt_migrator, which owns every table; pt_app holds no power beyond logging in', async () => {
    const tables = await asMigrator<{ tablename: string; tableowner: string }[]>`
      SELECT tablename, tableowner FROM pg_tables WHERE schemaname = 'public'`;
    expect(tables.map((t) => t.tablename)).toContain('payments');
    expect(new Set(tables.map((t) => t.tableowner))).toEqual(new Set(['pt_migrator']));
    const [app] = await asApp`
      SELECT rolsuper, rolcreatedb, rolcreaterole, rolbypassrls, rolreplication FROM pg_roles WHERE rolname = current_user`;
    expect(app).toEqual({
      rolsuper: false,
      rolcreatedb: false,
      rolcreaterole: false,
      rolbypassrls: false,
      rolreplication: false,
    });
  });

  it('api and syncer do their work as pt_app: a key is made, a payment taken and sent, and ?refresh=true wakes the syncer through LISTEN/NOTIFY', async () => {
    const { apiKey } = await createApiClientsRepository(asApp).create('roles-client');
    await createClientAccountsRepository(asApp).register('roles-client', '11112222', 'test');
    const client = system.as(apiKey);
    const memo = uniqueMemo('roles');
    const created = await postPayment(client, memo, 2);
    expect(created.status).toBe(201);
    expect(created.body.status).toBe('pending');
    await eventually(async () => {
      await readGatewayStatus(system);
      return (await recordedWithMemo(system, memo))[0]?.status === 'settled' ? true : undefined;
    });

    const refreshed = await client.get<PaymentResponse>(`/payments/${created.body.id}?refresh=true`);
    expect(refreshed.body.status).toBe('settled');
    expect((await storedEvents(system, created.body.id)).map((e) => [e.to_status, e.source])).toEqual([
      ['received', 'api'],
      ['pending', 'api'],
      ['settled', 'syncer'],
    ]);
  });

  it.each([
    ['create a table', 'CREATE TABLE intruder (id int)'],
    ['drop a table', 'DROP TABLE payment_events'],
    ['alter a table', 'ALTER TABLE payments ADD COLUMN intruder int'],
    ['truncate a table', 'TRUNCATE payment_events'],
    ['create an index', 'CREATE INDEX intruder_idx ON payments (memo)'],
    ['create a schema', 'CREATE SCHEMA intruder'],
    ['create a temporary table', 'CREATE TEMPORARY TABLE intruder (id int)'],
    ['rewrite the migrations journal', 'DELETE FROM drizzle.__drizzle_migrations'],
  ])('pt_app may not %s', async (_what, statement) => {
    await expect(asApp.unsafe(statement)).rejects.toMatchObject({ code: '42501' }); // insufficient_privilege
  });

  it('pt_app may use the rows of a table a later migration adds, at once (default privileges)', async () => {
    await asMigrator`CREATE TABLE later_feature (id bigserial PRIMARY KEY, note text NOT NULL)`;
    try {
      const [row] = await asApp<{ id: string }[]>`INSERT INTO later_feature (note) VALUES ('first') RETURNING id`;
      await asApp`UPDATE later_feature SET note = 'changed' WHERE id = ${row?.id ?? ''}`;
      expect(await asApp`SELECT note FROM later_feature`).toEqual([{ note: 'changed' }]);
      await asApp`DELETE FROM later_feature`;
      await expect(asApp`DROP TABLE later_feature`).rejects.toMatchObject({ code: '42501' });
    } finally {
      await asMigrator`DROP TABLE later_feature`;
    }
  });
});
