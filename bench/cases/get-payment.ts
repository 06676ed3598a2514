import { loadRows, loadSideBySide } from '../lib/compare.js';
import type { BenchContext, CaseResult } from '../lib/context.js';
import { seedPayments, truncatePayments } from '../lib/infra.js';
import { startApiAndFloor } from '../lib/servers.js';

const GOAL = 0.75;

/**
 * Case 1: GET /payments/{id} at 50 connections with `getPayments` payments in the database,
 * against a bare Fastify route running the same SELECT by primary key.
 */
export async function runGetPayment(ctx: BenchContext): Promise<CaseResult> {
  const { db, settings } = ctx;
  ctx.log(`case 1: GET /payments/{id} with ${settings.getPayments.toLocaleString('en')} payments`);
  await truncatePayments(db.sql);
  const ids = await seedPayments(db.sql, ctx.clientId, settings.getPayments, 5000);
  const paths = ids.map((id) => `/payments/${id}`);

  const { ours, floor, stop } = await startApiAndFloor(ctx);
  try {
    const result = await loadSideBySide(
      ctx,
      { ours, floor },
      { method: 'GET', paths, headers: { authorization: `Bearer ${ctx.apiKey}` } },
      'GET',
    );
    const { summary } = result;
    return {
      rows: loadRows('1 GET /payments/{id}', summary, GOAL),
      details: { payments: settings.getPayments, connections: settings.connections, ...result },
    };
  } finally {
    await stop();
  }
}
