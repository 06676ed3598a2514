import type { GatewayChange, GatewayStatus } from '@pt/core';
import type postgres from 'postgres';
import { insertPendingPayments, truncatePayments } from './infra.js';

/**
 * For a webhook backlog: the payments, events and webhook deliveries and attempts emptied, then
 * `count` pending payments known to the gateway, analysed; returns their confirmation ids.
 */
export async function freshPendingPayments(sql: postgres.Sql, clientId: string, count: number): Promise<string[]> {
  await truncatePayments(sql);
  const confirmationIds = await insertPendingPayments(sql, clientId, count);
  await sql`VACUUM ANALYZE payments, payment_events, webhook_deliveries`;
  return confirmationIds;
}

/** The gateway's reports that resolve these pending payments, taking `statuses` in turn. */
export function resolutions(
  confirmationIds: string[],
  statuses: readonly GatewayStatus[] = ['settled', 'failed'],
): GatewayChange[] {
  return confirmationIds.map((confirmationId, i) => ({
    confirmationId,
    from: 'pending',
    status: statuses[i % statuses.length] ?? 'settled',
    updatedAt: new Date(),
  }));
}
