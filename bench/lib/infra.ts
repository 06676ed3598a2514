import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createApiClientsRepository, createClientAccountsRepository, createSql, runMigrations } from '@pt/core';
import { startEmbeddedPostgres } from '@pt/core/dev';
import postgres from 'postgres';

const SHARED_BUFFERS = '1GB';

export interface BenchDatabase {
  /** The migrated scratch database every process of the bench uses. */
  url: string;
  /** An admin client on it, for seeding and resetting. */
  sql: postgres.Sql;
  serverVersion: string;
  /** Where it runs: "embedded (temp dir)" or the given server. */
  origin: string;
  stop(): Promise<void>;
}

/**
 * A fresh, migrated database: on BENCH_DATABASE_URL's server when given (a scratch database
 * created next to the given one and dropped at the end, so nothing there is touched), else on an
 * embedded Postgres in a temporary folder, removed at the end.
 */
export async function startDatabase(givenUrl: string | undefined, log: (line: string) => void): Promise<BenchDatabase> {
  let serverUrl = givenUrl;
  let stopServer = async () => {};
  let origin = 'BENCH_DATABASE_URL';
  if (!serverUrl) {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'pt-bench-'));
    await chmod(dir, 0o755); // as root, Postgres runs as `postgres`, which must reach the folder
    log(`starting an embedded Postgres in ${dir}`);
    // Postgres's default shared_buffers (128 MB) is sized for a laptop, smaller than the 1M-row
    // table and its indexes: the reconcile curve then measured the page cache, not the code
    // (the bare floor grew x13.5 for x10 N). A server would give it a quarter of its memory.
    const pg = await startEmbeddedPostgres({
      dataDir: path.join(dir, 'pg'),
      database: 'postgres',
      settings: { shared_buffers: SHARED_BUFFERS },
    });
    serverUrl = pg.url;
    origin = `embedded (fsync off, synchronous_commit off, shared_buffers ${SHARED_BUFFERS})`;
    stopServer = async () => {
      await pg.stop();
      await rm(dir, { recursive: true, force: true });
    };
  }
  const name = `pt_bench_${process.pid}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`DROP DATABASE IF EXISTS ${name}`);
  await admin.unsafe(`CREATE DATABASE ${name}`);
  const url = withDatabase(serverUrl, name);
  await runMigrations(url);
  const sql = postgres(url, { max: 4, onnotice: () => {} });
  const [version] = await sql`SELECT current_setting('server_version') AS v`;
  return {
    url,
    sql,
    serverVersion: String(version?.v),
    origin,
    async stop() {
      await sql.end({ timeout: 5 });
      await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
      await admin.end({ timeout: 5 });
      await stopServer();
    },
  };
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** The sender account every bench payment comes from (POST /payments accepts only a client's own). */
export const BENCH_SENDER_ACCOUNT = '123456789012';

/** Creates the API client whose key the load generator sends, owning BENCH_SENDER_ACCOUNT; returns its id and key. */
export async function createBenchClient(url: string): Promise<{ clientId: string; apiKey: string }> {
  const { sql, close } = createSql(url, { max: 1 });
  try {
    const { client, apiKey } = await createApiClientsRepository(sql).create(`bench-${Date.now()}`);
    await createClientAccountsRepository(sql).register(client.name, BENCH_SENDER_ACCOUNT, 'bench');
    return { clientId: client.id, apiKey };
  } finally {
    await close();
  }
}

/**
 * Empties every table of payment data: payments and whatever references them (CASCADE), their
 * webhook deliveries and attempts (no foreign key to payments), the gateway's orphans and the
 * sync state. API clients, their keys and webhook endpoints stay.
 */
export async function truncatePayments(sql: postgres.Sql): Promise<void> {
  const tables = await sql<{ name: string }[]>`
    SELECT quote_ident(tablename) AS name FROM pg_tables
    WHERE schemaname = 'public' AND tablename IN ('payments', 'payment_events', 'idempotency_keys', 'gateway_orphans',
      'sync_state', 'webhook_deliveries', 'webhook_attempts')`;
  await deletingPayments(sql, (tx) => tx.unsafe(`TRUNCATE ${tables.map((t) => t.name).join(', ')} CASCADE`));
}

/**
 * Runs a reset that deletes payments (which the app never does: a trigger refuses it, see
 * drizzle/0008_event_payment_guard.sql) in one transaction with that trigger off, as the
 * tables' owner: the bench starts each round from identical rows.
 */
export async function deletingPayments(
  sql: postgres.Sql,
  reset: (tx: postgres.TransactionSql) => Promise<unknown>,
): Promise<void> {
  await sql.begin(async (tx) => {
    await tx`ALTER TABLE payments DISABLE TRIGGER payments_are_never_deleted`;
    await reset(tx);
    await tx`ALTER TABLE payments ENABLE TRIGGER payments_are_never_deleted`;
  });
}

/**
 * Inserts `count` payments of one client in one statement (generate_series): a quarter pending
 * with a confirmation_id, the rest settled. Returns a random sample of their ids.
 */
export async function seedPayments(sql: postgres.Sql, clientId: string, count: number, sample: number): Promise<string[]> {
  await sql`
    INSERT INTO payments (id, client_id, status, amount, sender_account, receiver_account, confirmation_id, attempts,
                          gateway_created_at, gateway_updated_at, submitted_at, resolved_at, created_at, updated_at)
    SELECT gen_random_uuid(), ${clientId}, CASE WHEN g % 4 = 0 THEN 'pending' ELSE 'settled' END,
           ((g % 100000) + 1) / 100.0, lpad(g::text, 12, '1'), lpad(g::text, 12, '2'), 'seed-' || g, 1,
           now() - interval '1 hour', now() - interval '1 hour', now() - interval '1 hour',
           CASE WHEN g % 4 = 0 THEN NULL ELSE now() END, now() - interval '1 hour', now()
    FROM generate_series(1, ${count}) AS g`;
  await sql`VACUUM ANALYZE payments`;
  const rows = await sql<{ id: string }[]>`SELECT id FROM payments ORDER BY random() LIMIT ${sample}`;
  return rows.map((row) => row.id);
}

/** Pending payments of the bench's client, each with a confirmation_id, as the gateway accepted them. */
export async function insertPendingPayments(sql: postgres.Sql, clientId: string, count: number): Promise<string[]> {
  const rows = await sql<{ confirmation_id: string }[]>`
    INSERT INTO payments (id, client_id, status, amount, sender_account, receiver_account, confirmation_id, attempts,
                          gateway_created_at, submitted_at, created_at, updated_at, event_seq)
    SELECT gen_random_uuid(), ${clientId}, 'pending', ((g % 100000) + 1) / 100.0, ${BENCH_SENDER_ACCOUNT},
           lpad(g::text, 12, '2'), 'wh-' || g, 1, now() - interval '1 hour', now() - interval '1 hour',
           now() - interval '1 hour', now() - interval '1 hour', 2
    FROM generate_series(1, ${count}) AS g
    RETURNING confirmation_id`;
  return rows.map((row) => row.confirmation_id);
}
