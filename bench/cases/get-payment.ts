import { cpuRow, loadSideBySide } from '../lib/compare.js';
import type { BenchContext, CaseResult } from '../lib/context.js';
import { seedPayments, truncatePayments } from '../lib/infra.js';
import { startApiProcess, startFloorProcess, startGatewayMockProcess } from '../lib/servers.js';

const GOAL = 0.8;

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

  const gateway = await startGatewayMockProcess({ delaySeconds: 3600 });
  const ours = await startApiProcess({ databaseUrl: db.url, gatewayUrl: gateway.url, profile: settings.profile });
  const floor = await startFloorProcess({
    databaseUrl: db.url,
    gatewayUrl: gateway.url,
    clientId: ctx.clientId,
    profile: settings.profile,
  });
  try {
    const result = await loadSideBySide(
      ctx,
      { ours, floor },
      { method: 'GET', paths, headers: { authorization: `Bearer ${ctx.apiKey}` } },
      'GET',
    );
    const { summary } = result;
    return {
      rows: [
        {
          case: '1 GET /payments/{id}',
          metric: 'throughput',
          unit: 'req/s',
          ours: summary.ours.rps,
          floor: summary.floor.rps,
          ratio: summary.ratio,
          goal: `>= ${GOAL}x floor`,
          met: summary.ratio >= GOAL,
        },
        { case: '', metric: 'p50 latency', unit: 'ms', ours: summary.ours.p50Ms, floor: summary.floor.p50Ms },
        { case: '', metric: 'p99 latency', unit: 'ms', ours: summary.ours.p99Ms, floor: summary.floor.p99Ms },
        cpuRow(summary),
      ],
      details: { payments: settings.getPayments, connections: settings.connections, ...result },
    };
  } finally {
    await Promise.all([ours.stop(), floor.stop()]);
    await gateway.stop();
  }
}
