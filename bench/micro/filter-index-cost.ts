/**
 * What GET /payments's filter indexes (drizzle/0006_list_filters.sql) cost the sync cycle, without
 * the noise of a whole reconciliation: the cycle's own bulk apply (`applyGatewayChanges`, batches
 * of the syncer's default 5,000) moving 100,000 pending payments to settled, in a table of
 * 1.25M rows (bench/lib/list-seed.ts), with the indexes and without them, alternating.
 * An update that changes `status` is not HOT (status is indexed), so it adds an entry to every
 * index of the table, these five included.
 *
 *   node_modules/.bin/tsx bench/micro/filter-index-cost.ts [rounds per side, default 3]
 */
import { createApiClientsRepository, createGatewayChangesRepository, type GatewayChange } from '@pt/core';
import { createBenchClient, startDatabase } from '../lib/infra.js';
import { seedListPayments } from '../lib/list-seed.js';

const ROUNDS = Number(process.argv[2] ?? 3);
const CHANGES = 100_000;
const BATCH = 5000;
// drizzle/0006_list_filters.sql's; BENCH_FILTER_INDEXES=all adds the three dropped before it landed.
const INDEXES: Array<[string, string]> = [
  ['payments_client_receiver_id_idx', '(client_id, receiver_account, id DESC)'],
  ['payments_client_memo_idx', '(client_id, memo text_pattern_ops)'],
  ...(process.env.BENCH_FILTER_INDEXES === 'all'
    ? ([
        ['payments_client_sender_id_idx', '(client_id, sender_account, id DESC)'],
        ['payments_client_created_idx', '(client_id, created_at)'],
        ['payments_client_amount_idx', '(client_id, amount)'],
      ] as Array<[string, string]>)
    : []),
];

const log = (line: string) => process.stdout.write(`${line}\n`);
const db = await startDatabase(process.env.BENCH_DATABASE_URL, log);
try {
  const { clientId } = await createBenchClient(db.url);
  const clients = createApiClientsRepository(db.sql);
  const others = await Promise.all([1, 2, 3, 4].map(async (i) => (await clients.create(`other-${i}`)).client.id));
  await seedListPayments(db.sql, clientId, others, 1_000_000);
  for (const [name, columns] of INDEXES) await db.sql.unsafe(`CREATE INDEX IF NOT EXISTS ${name} ON payments ${columns}`);
  const tracked = await db.sql<{ confirmation_id: string }[]>`
    SELECT confirmation_id FROM payments ORDER BY random() LIMIT ${CHANGES}`;
  const ids = tracked.map((row) => row.confirmation_id);
  const changes = createGatewayChangesRepository(db.sql);

  async function applyOnce(): Promise<number> {
    await db.sql`UPDATE payments SET status = 'pending', resolved_at = NULL WHERE confirmation_id = ANY(${ids})`;
    await db.sql`VACUUM ANALYZE payments`;
    const at = new Date();
    const started = process.hrtime.bigint();
    for (let i = 0; i < ids.length; i += BATCH) {
      const batch: GatewayChange[] = ids
        .slice(i, i + BATCH)
        .map((confirmationId) => ({ confirmationId, from: 'pending', status: 'settled', updatedAt: at }));
      await changes.applyGatewayChanges(batch, at);
    }
    return Number(process.hrtime.bigint() - started) / 1e6;
  }

  const times: Record<'with' | 'without', number[]> = { with: [], without: [] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const side of round % 2 === 0 ? (['with', 'without'] as const) : (['without', 'with'] as const)) {
      const present = side === 'with';
      for (const [name, columns] of INDEXES) {
        await db.sql.unsafe(
          present ? `CREATE INDEX IF NOT EXISTS ${name} ON payments ${columns}` : `DROP INDEX IF EXISTS ${name}`,
        );
      }
      const ms = await applyOnce();
      times[side].push(ms);
      log(
        `round ${round + 1} ${side} the filter indexes: ${CHANGES.toLocaleString('en')} changes applied in ${Math.round(ms)} ms`,
      );
    }
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
  const withMs = median(times.with);
  const withoutMs = median(times.without);
  log(`median with ${Math.round(withMs)} ms, without ${Math.round(withoutMs)} ms: x${(withMs / withoutMs).toFixed(2)}`);
} finally {
  await db.stop();
}
