/**
 * The sync cycle's apply statement under EXPLAIN ANALYZE, at case 3's shape: N payments (a tenth
 * pending and tracked, the rest resolved; confirmation_ids random UUIDs as the gateway issues
 * them, the tracked rows inserted in list order), every tracked one changing, applied in batches
 * of BATCH (default 5,000, SYNC_BATCH_SIZE's) as the syncer does. Each variant starts from the
 * same rows (tracked rows re-inserted, events deleted, VACUUM ANALYZE) on an embedded Postgres
 * with the bench's settings, and runs on one connection; it prints the first batch's plan, then
 * per round the wall time of all the batches, the server process's CPU for them (from /proc: the
 * figure to compare, since the machine's speed drifts), the WAL written per change and how many
 * updates were HOT. Rounds alternate the variants' order.
 *
 *   [ROUNDS=3] [BATCH=5000] node_modules/.bin/tsx bench/micro/apply-statement.ts [N] [variant,...]
 *
 * Variants (cumulative where named so): `before`, the statement as it was (a join to the allowed
 * transitions before the payments look-up, then an UPDATE by id); `lookup-first`, one UPDATE that
 * finds each payment by confirmation_id and checks the transition on the row it found;
 * `no-fk`, that with neither the events' foreign key nor anything in its place; `guard`, that
 * with the triggers that replace the key (drizzle/0008_event_payment_guard.sql), as shipped;
 * `hot`, that with no index on a column the update changes (fillfactor 90): what HOT would buy
 * (run it alone: it drops indexes). Measurements of the shipped statement: `floor`, case 3's
 * floor statement; `no-snapshot`, without the events' snapshot; `merge-snapshot`, the snapshot
 * as the row's own fields merged with the times every change of the statement shares, built once;
 * `sorted`, each batch in confirmation_id order.
 */
import { readFile } from 'node:fs/promises';
import postgres from 'postgres';
import {
  allowedTransitionSql,
  EVENT_OUTBOX_COLUMNS,
  eventSnapshotSql,
  NEXT_EVENT_SEQ,
  TERMINAL_LIST,
} from '../../packages/core/src/db/sql-fragments.js';
import { allowedTransitions } from '../../packages/core/src/payments/status.js';
import { createBenchClient, deletingPayments, startDatabase } from '../lib/infra.js';

const N = Number(process.argv[2] ?? 1_000_000);
const VARIANTS = (process.argv[3] ?? 'before,lookup-first,no-fk,guard,hot').split(',');
const BATCH = Number(process.env.BATCH ?? 5000);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
/** The statement before: the allowed pairs as a VALUES list it joined to. */
const ALLOWED_TRANSITIONS_VALUES = allowedTransitions()
  .map(([from, to]) => `('${from}', '${to}')`)
  .join(', ');
const TRACKED = N / 10;

const log = (line: string) => process.stderr.write(`${line}\n`);
const db = await startDatabase(process.env.BENCH_DATABASE_URL, log);
// One connection for everything, so the statistics read around a round (WAL, updates) are that
// backend's, flushed on demand, with nothing of another backend's arriving late.
const sql = postgres(db.url, { max: 1, onnotice: () => {} });
const { clientId } = await createBenchClient(db.url);

const COLUMNS = `id, client_id, status, amount, sender_account, receiver_account, memo, confirmation_id, attempts,
  gateway_created_at, gateway_updated_at, submitted_at, resolved_at, created_at, updated_at`;
log(`loading ${N - TRACKED} resolved payments`);
await sql.unsafe(
  `INSERT INTO payments (${COLUMNS})
   SELECT gen_random_uuid(), $1, (ARRAY['settled','returned','failed'])[1 + g % 3], 100.50, '123456789012', '987654321098', NULL,
          gen_random_uuid()::text, 1, now() - interval '1 hour', now() - interval '1 hour', now() - interval '1 hour', now(),
          now() - interval '1 hour', now()
   FROM generate_series(1, $2::int) g`,
  [clientId, N - TRACKED],
);

const statements: Record<string, (batch: Batch) => string> = {
  before: () => `
    WITH input AS (
      SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[]) AS i(confirmation_id, status, updated_at)
    ), allowed(from_status, to_status) AS (VALUES ${ALLOWED_TRANSITIONS_VALUES}),
    cur AS (
      SELECT p.id, p.status AS from_status, i.status AS to_status, i.updated_at
      FROM input i
      JOIN payments p ON p.confirmation_id = i.confirmation_id
      JOIN allowed a ON a.from_status = p.status AND a.to_status = i.status
      WHERE p.gateway_updated_at IS NULL OR p.gateway_updated_at <= i.updated_at
      FOR UPDATE OF p
    ), upd AS (
      UPDATE payments p SET status = cur.to_status, gateway_updated_at = cur.updated_at, updated_at = now(),
        last_synced_at = now(),
        resolved_at = CASE WHEN cur.to_status IN (${TERMINAL_LIST}) THEN now() ELSE p.resolved_at END,
        ${NEXT_EVENT_SEQ}
      FROM cur WHERE p.id = cur.id
      RETURNING p.id, cur.from_status, cur.to_status, p.event_seq, ${eventSnapshotSql('p')} AS snapshot
    )
    INSERT INTO payment_events (payment_id, from_status, to_status, source, ${EVENT_OUTBOX_COLUMNS})
    SELECT id, from_status, to_status, 'syncer', event_seq, snapshot FROM upd`,
  'lookup-first': () => lookupFirst,
};
const lookupFirst = `
    WITH upd AS (
      UPDATE payments p SET status = i.to_status, gateway_updated_at = i.updated_at, updated_at = now(),
        last_synced_at = now(),
        resolved_at = CASE WHEN i.to_status IN (${TERMINAL_LIST}) THEN now() ELSE p.resolved_at END,
        ${NEXT_EVENT_SEQ}
      FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[]) AS i(confirmation_id, from_status, to_status, updated_at)
      WHERE p.confirmation_id = i.confirmation_id AND p.status = i.from_status
        AND ${allowedTransitionSql('p.status', 'i.to_status')}
        AND (p.gateway_updated_at IS NULL OR p.gateway_updated_at <= i.updated_at)
      RETURNING p.id, i.from_status, i.to_status, p.event_seq, ${eventSnapshotSql('p')} AS snapshot
    )
    INSERT INTO payment_events (payment_id, from_status, to_status, source, ${EVENT_OUTBOX_COLUMNS})
    SELECT id, from_status, to_status, 'syncer', event_seq, snapshot FROM upd`;
statements['no-fk'] = statements['lookup-first'] as (batch: Batch) => string;
/** Measurement only: the shipped statement without the events' snapshot (what the snapshot costs). */
statements['no-snapshot'] = () => lookupFirst.replace(`, ${eventSnapshotSql('p')} AS snapshot`, ', NULL::jsonb AS snapshot');
/** The floor's statement of case 3 (bench/processes/reconcile-floor.ts): no transition check, no seq bump, no snapshot. */
statements.floor = () => `
    WITH input AS (
      SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[]) AS i(cid, status, at)
    ), upd AS (
      UPDATE payments p SET status = i.status, gateway_updated_at = i.at, updated_at = now(), last_synced_at = now(),
        resolved_at = now()
      FROM input i
      WHERE p.confirmation_id = i.cid AND p.status = 'pending' AND (p.gateway_updated_at IS NULL OR p.gateway_updated_at <= i.at)
      RETURNING p.id, i.status
    )
    INSERT INTO payment_events (payment_id, from_status, to_status, source, seq) SELECT id, 'pending', status, 'syncer', 3 FROM upd`;
/** The snapshot from a per-statement constant (the times every change of the statement shares) and the row's own fields. */
statements['merge-snapshot'] = () =>
  lookupFirst
    .replace(
      'WITH upd AS (',
      `WITH k AS (
      SELECT jsonb_build_object('resolved_at', now(), 'updated_at', now(), 'last_synced_at', now()) AS closed,
             jsonb_build_object('updated_at', now(), 'last_synced_at', now()) AS open
    ), upd AS (`,
    )
    .replace(
      `${eventSnapshotSql('p')} AS snapshot`,
      `jsonb_build_object('confirmation_id', p.confirmation_id, 'last_error', p.last_error, 'submitted_at', p.submitted_at)
        || CASE WHEN i.to_status IN (${TERMINAL_LIST}) THEN (SELECT closed FROM k) ELSE jsonb_build_object('resolved_at', p.resolved_at) || (SELECT open FROM k) END AS snapshot`,
    );
/** The shipped statement, its batch sorted by confirmation_id (the index it looks each change up in). */
statements.sorted = statements['lookup-first'] as (batch: Batch) => string;
statements.guard = statements['lookup-first'] as (batch: Batch) => string;
statements.hot = statements['lookup-first'] as (batch: Batch) => string;

interface Batch {
  ids: string[];
  from: string[];
  to: string[];
  times: string[];
}

const at = new Date().toISOString();
/** Random UUIDs, as the gateway issues them (case 3): the tracked rows are inserted in this order, as the list holds them. */
const trackedIds = Array.from({ length: TRACKED }, () => crypto.randomUUID());
const batches: Batch[] = [];
for (let start = 0; start < TRACKED; start += BATCH) {
  const ids = trackedIds.slice(start, start + BATCH);
  batches.push({
    ids,
    from: ids.map(() => 'pending'),
    to: ids.map((_, i) => ['settled', 'returned', 'failed'][i % 3] as string),
    times: ids.map(() => at),
  });
}

interface Wal {
  records: number;
  fpi: number;
  bytes: number;
}

/** The WAL the round wrote (pg_stat_wal, the whole server: this script is its only client). */
function walDelta(before: Wal | undefined, after: Wal | undefined): string {
  if (!before || !after) return '?';
  const per = (n: number) => (n / TRACKED).toFixed(2);
  return `${per(after.records - before.records)} records, ${per(after.fpi - before.fpi)} FPI, ${per(after.bytes - before.bytes)} bytes a change`;
}

/** The batch in confirmation_id order (as Postgres compares text in this database). */
function sortedBatch(batch: Batch): Batch {
  const order = batch.ids.map((_, i) => i).sort((a, b) => ((batch.ids[a] as string) < (batch.ids[b] as string) ? -1 : 1));
  const pick = (values: string[]) => order.map((i) => values[i] as string);
  return { ids: pick(batch.ids), from: pick(batch.from), to: pick(batch.to), times: pick(batch.times) };
}

async function reset(): Promise<void> {
  await deletingPayments(sql, async (tx) => {
    await tx`DELETE FROM payment_events`;
    await tx`DELETE FROM payments WHERE memo = 'tracked'`;
  });
  await sql.unsafe(
    `INSERT INTO payments (${COLUMNS})
     SELECT gen_random_uuid(), $1, 'pending', 100.50, '123456789012', '987654321098', 'tracked', t.cid, 1,
            now() - interval '1 hour', now() - interval '1 hour', now() - interval '1 hour', NULL, now() - interval '1 hour', now()
     FROM unnest($2::text[]) WITH ORDINALITY AS t(cid, n) ORDER BY t.n`,
    [clientId, trackedIds],
  );
  await sql`VACUUM ANALYZE payments, payment_events`;
}

/** The schema each variant runs on: the foreign key as before, nothing, or the guard triggers as shipped. */
async function prepareSchema(variant: string): Promise<void> {
  const withForeignKey = variant === 'before' || variant === 'lookup-first';
  const withGuard = variant !== 'before' && variant !== 'lookup-first' && variant !== 'no-fk';
  await sql`ALTER TABLE payment_events DROP CONSTRAINT IF EXISTS payment_events_payment_id_payments_id_fk`;
  if (withForeignKey)
    await sql`ALTER TABLE payment_events ADD CONSTRAINT payment_events_payment_id_payments_id_fk
      FOREIGN KEY (payment_id) REFERENCES payments (id)`;
  const action = withGuard ? 'ENABLE' : 'DISABLE';
  await sql.unsafe(`ALTER TABLE payment_events ${action} TRIGGER payment_events_name_a_payment`);
  await sql.unsafe(`ALTER TABLE payment_events ${action} TRIGGER payment_events_name_a_payment_on_update`);
  if (variant === 'hot') {
    for (const index of ['payments_client_status_id_idx', 'payments_due_idx', 'payments_open_idx'])
      await sql.unsafe(`DROP INDEX IF EXISTS ${index}`);
    await sql`ALTER TABLE payments SET (fillfactor = 90)`;
    await sql`VACUUM FULL payments`;
  }
}

/** The server process's own CPU (user + system) in ms, from /proc: this machine runs the embedded server. */
async function backendCpuMs(pid: number): Promise<number> {
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]?.split(' ') ?? [];
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

/** One round of a variant on one connection: all the batches, with the server's CPU and WAL for them. */
async function measure(variant: string, round: number): Promise<number> {
  const statement = statements[variant];
  if (!statement) throw new Error(`unknown variant ${variant}`);
  await prepareSchema(variant);
  await reset();
  await sql`SELECT pg_stat_force_next_flush()`;
  await new Promise((resolve) => setTimeout(resolve, 100));
  const [before] = await sql<{ upd: number; hot: number }[]>`
    SELECT n_tup_upd::int AS upd, n_tup_hot_upd::int AS hot FROM pg_stat_user_tables WHERE relname = 'payments'`;
  const [walBefore] = await sql<
    Wal[]
  >`SELECT wal_records::float8 AS records, wal_fpi::float8 AS fpi, wal_bytes::float8 AS bytes FROM pg_stat_wal`;
  const conn = await sql.reserve();
  const [{ pid } = { pid: 0 }] = await conn<{ pid: number }[]>`SELECT pg_backend_pid() AS pid`;
  const cpuBefore = await backendCpuMs(pid);
  const started = performance.now();
  let plan = '';
  for (const [i, unsorted] of batches.entries()) {
    const batch = variant === 'sorted' ? sortedBatch(unsorted) : unsorted;
    const params =
      variant === 'before' || variant === 'floor'
        ? [batch.ids, batch.to, batch.times]
        : [batch.ids, batch.from, batch.to, batch.times];
    if (i === 0 && round === 0) {
      const rows = await conn.unsafe(`EXPLAIN (ANALYZE, BUFFERS, WAL, COSTS OFF) ${statement(batch)}`, params);
      plan = rows.map((row) => `  ${row['QUERY PLAN']}`).join('\n');
    } else await conn.unsafe(statement(batch), params);
  }
  const ms = performance.now() - started;
  const cpuMs = (await backendCpuMs(pid)) - cpuBefore;
  // A backend flushes its statistics (updates, WAL) at most once a second unless asked to.
  await conn`SELECT pg_stat_force_next_flush()`;
  conn.release();
  await new Promise((resolve) => setTimeout(resolve, 100));
  const [walAfter] = await sql<
    Wal[]
  >`SELECT wal_records::float8 AS records, wal_fpi::float8 AS fpi, wal_bytes::float8 AS bytes FROM pg_stat_wal`;
  const [after] = await sql<{ upd: number; hot: number }[]>`
    SELECT n_tup_upd::int AS upd, n_tup_hot_upd::int AS hot FROM pg_stat_user_tables WHERE relname = 'payments'`;
  const [{ events } = { events: 0 }] = await sql<{ events: number }[]>`SELECT count(*)::int AS events FROM payment_events`;
  if (plan) process.stdout.write(`\n== ${variant}: first batch of ${BATCH}\n${plan}\n`);
  process.stdout.write(
    `${variant} round ${round + 1}: ${TRACKED} changes in ${ms.toFixed(0)} ms (${((ms * 1000) / TRACKED).toFixed(1)} µs/row), ` +
      `server CPU ${cpuMs.toFixed(0)} ms (${((cpuMs * 1000) / TRACKED).toFixed(1)} µs/row), ` +
      `events ${events}, updates ${(after?.upd ?? 0) - (before?.upd ?? 0)}, HOT ${(after?.hot ?? 0) - (before?.hot ?? 0)}, ` +
      `WAL ${walDelta(walBefore, walAfter)}\n`,
  );
  return cpuMs;
}

// Rounds alternate the variants' order, so a drift of the machine favours none (`hot` drops
// indexes for good: run it alone or last).
const cpu = new Map<string, number[]>(VARIANTS.map((variant) => [variant, []]));
for (let round = 0; round < ROUNDS; round++) {
  const order = round % 2 === 0 ? VARIANTS : [...VARIANTS].reverse();
  for (const variant of order) cpu.get(variant)?.push(await measure(variant, round));
}
for (const [variant, values] of cpu) {
  values.sort((a, b) => a - b);
  process.stdout.write(
    `${variant}: median server CPU ${(values[values.length >> 1] ?? 0).toFixed(0)} ms for ${TRACKED} changes\n`,
  );
}
await sql.end({ timeout: 5 });
await db.stop();
