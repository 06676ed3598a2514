import { loadRows, loadSideBySide } from '../lib/compare.js';
import type { BenchContext, CaseResult } from '../lib/context.js';
import { BENCH_SENDER_ACCOUNT, truncatePayments } from '../lib/infra.js';
import { startApiAndFloor } from '../lib/servers.js';

const GOAL = 0.7;

/**
 * Case 2: POST /payments with the gateway-mock answering (its own process), against a bare
 * route doing INSERT + POST /submit + UPDATE. Both write each payment's events, as ours must.
 */
export async function runPostPayment(ctx: BenchContext): Promise<CaseResult> {
  const { db, settings } = ctx;
  ctx.log('case 2: POST /payments with the gateway-mock answering');
  await truncatePayments(db.sql);
  const { ours, floor, stop } = await startApiAndFloor(ctx);
  const body = JSON.stringify({ sender_account: BENCH_SENDER_ACCOUNT, receiver_account: '987654321094', amount: '100.50' });
  try {
    const result = await loadSideBySide(
      ctx,
      { ours, floor },
      {
        method: 'POST',
        paths: ['/payments'],
        body,
        headers: { authorization: `Bearer ${ctx.apiKey}`, 'content-type': 'application/json' },
      },
      'POST',
    );
    const { summary } = result;
    const [row] = await db.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM payments WHERE status <> 'pending'`;
    return {
      rows: loadRows('2 POST /payments', summary, GOAL),
      details: { connections: settings.connections, notPendingAfterwards: row?.n ?? 0, ...result },
    };
  } finally {
    await stop();
  }
}
