import { runForResult } from '../lib/children.js';
import type { BenchContext, CaseResult } from '../lib/context.js';
import { seedPayments } from '../lib/infra.js';
import { median } from '../lib/stats.js';
import { preparePostgresVariants } from '../lib/stock-postgres.js';

interface QueriesResult {
  queriesPerSecond: number;
  cpuMicrosPerQuery: number;
  seconds: number;
}

/**
 * The postgres.js patch (patches/postgres@3.4.9.patch), shown: the same raw SELECT load through
 * the stock queue.js and the patched one, each in a fresh process, alternating round by round.
 * Here "floor" is the stock library, so the ratio is the patch's speed-up.
 */
export async function runPostgresQueue(ctx: BenchContext): Promise<CaseResult> {
  const { db, settings } = ctx;
  ctx.log(
    `postgres.js queue: ${settings.queueQueries.toLocaleString('en')} SELECTs at 50 in flight, pool of 10, stock vs patched`,
  );
  const [row] = await db.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM payments`;
  if ((row?.n ?? 0) < 5000) await seedPayments(db.sql, ctx.clientId, 100_000, 1);
  const variants = preparePostgresVariants();
  try {
    const runs: Record<'stock' | 'patched', QueriesResult[]> = { stock: [], patched: [] };
    for (let round = 0; round < settings.rounds; round++) {
      const order = round % 2 === 0 ? (['stock', 'patched'] as const) : (['patched', 'stock'] as const);
      for (const variant of order) {
        const result = await runForResult<QueriesResult>('bench/processes/postgres-queries.ts', {
          label: `postgres-${variant}`,
          env: { DATABASE_URL: db.url, PG_MODULE: variants[variant], QUERIES: String(settings.queueQueries) },
        });
        runs[variant].push(result);
        ctx.log(
          `  round ${round + 1} ${variant}: ${Math.round(result.queriesPerSecond)} queries/s, ` +
            `${result.cpuMicrosPerQuery.toFixed(1)} µs CPU each`,
        );
      }
    }
    const qps = (v: 'stock' | 'patched') => median(runs[v].map((r) => r.queriesPerSecond));
    const cpu = (v: 'stock' | 'patched') => median(runs[v].map((r) => r.cpuMicrosPerQuery));
    return {
      rows: [
        {
          case: `postgres.js patch (${Math.round(settings.queueQueries / 1000)}k SELECTs)`,
          metric: 'queries/s (floor = stock)',
          unit: 'q/s',
          ours: qps('patched'),
          floor: qps('stock'),
          ratio: qps('patched') / qps('stock'),
        },
        {
          case: '',
          metric: 'client CPU per query',
          unit: 'µs',
          ours: cpu('patched'),
          floor: cpu('stock'),
          ratio: cpu('patched') / cpu('stock'),
        },
      ],
      details: { queries: settings.queueQueries, inFlight: 50, pool: 10, runs },
    };
  } finally {
    variants.cleanup();
  }
}
