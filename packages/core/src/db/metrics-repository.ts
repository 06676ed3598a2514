import type postgres from 'postgres';
import { NON_TERMINAL_STATUSES, type PaymentStatus } from '../payments/status.js';
import { STATUS_SQL } from './sql-fragments.js';
import { notFannedOut } from './webhook-delivery-sql.js';

/**
 * What a Prometheus scrape reads from Postgres. Every figure is cheap whatever the history:
 * open payments are counted through the partial indexes over open payments only (payments_open_idx,
 * payments_due_idx), the whole table is the planner's estimate (pg_class.reltuples, kept by
 * ANALYZE and autovacuum), the webhook backlog through its partial index over pending
 * deliveries, and the events not fanned out yet through the events' transaction-id index (BRIN). Nothing here counts settled history row by row.
 */
export interface ScrapeFigures {
  /** Exact counts of the open statuses (received, pending, unconfirmed). */
  openByStatus: Record<(typeof NON_TERMINAL_STATUSES)[number], number>;
  /** The planner's estimate of all payments; null before the table was first analysed. */
  paymentsEstimate: number | null;
  oldestPendingSeconds: number | null;
  oldestUnconfirmedSeconds: number | null;
  webhookBacklog: number;
  /** Seconds the most overdue pending delivery has waited past its due time (0: none overdue). */
  webhookOldestDueSeconds: number | null;
  webhookEndpointsDisabled: number;
  /**
   * Seconds since the oldest committed status change that is not turned into deliveries yet (0:
   * none). Fan-out waits for every transaction that started writing before a change to end (a
   * late commit is never skipped), so a transaction left open anywhere on the server holds it.
   */
  webhookFanOutLagSeconds: number | null;
}

interface ScrapeRow {
  received: number;
  pending: number;
  unconfirmed: number;
  estimate: number | null;
  oldest_pending_s: string | null;
  oldest_unconfirmed_s: string | null;
  webhook_backlog: number;
  webhook_oldest_due_s: string | null;
  endpoints_disabled: number;
  fan_out_lag_s: string | null;
}

const num = (value: string | number | null) => (value == null ? null : Number(value));
const countOf = (status: PaymentStatus) =>
  `(SELECT count(*)::int FROM payments WHERE status = ${STATUS_SQL[status]}) AS ${status}`;

export function createMetricsRepository(sql: postgres.Sql) {
  return {
    /** One statement of bounded sub-queries (see ScrapeFigures). */
    async scrapeFigures(): Promise<ScrapeFigures> {
      const [row] = await sql<ScrapeRow[]>`
        SELECT ${sql.unsafe(NON_TERMINAL_STATUSES.map(countOf).join(', '))},
          (SELECT nullif(reltuples, -1)::bigint::float8 FROM pg_class WHERE oid = 'payments'::regclass) AS estimate,
          (SELECT extract(epoch FROM now() - min(submitted_at)) FROM payments
            WHERE status = ${sql.unsafe(STATUS_SQL.pending)}) AS oldest_pending_s,
          (SELECT extract(epoch FROM now() - min(created_at)) FROM payments
            WHERE status = ${sql.unsafe(STATUS_SQL.unconfirmed)}) AS oldest_unconfirmed_s,
          (SELECT count(*)::int FROM webhook_deliveries WHERE state = 'pending') AS webhook_backlog,
          (SELECT greatest(0, extract(epoch FROM now() - min(next_attempt_at))) FROM webhook_deliveries
            WHERE state = 'pending') AS webhook_oldest_due_s,
          (SELECT count(*)::int FROM webhook_endpoints WHERE NOT enabled) AS endpoints_disabled,
          (SELECT greatest(0, extract(epoch FROM now() - min(e.at))) FROM payment_events e
            JOIN webhook_state st ON st.name = 'webhooks'
            WHERE ${sql.unsafe(notFannedOut('e'))} AND e.seq IS NOT NULL) AS fan_out_lag_s`;
      if (!row) throw new Error('the scrape statement returned no row');
      return {
        openByStatus: { received: row.received, pending: row.pending, unconfirmed: row.unconfirmed },
        paymentsEstimate: num(row.estimate),
        oldestPendingSeconds: num(row.oldest_pending_s),
        oldestUnconfirmedSeconds: num(row.oldest_unconfirmed_s),
        webhookBacklog: row.webhook_backlog,
        webhookOldestDueSeconds: num(row.webhook_oldest_due_s),
        webhookEndpointsDisabled: row.endpoints_disabled,
        webhookFanOutLagSeconds: num(row.fan_out_lag_s),
      };
    },
  };
}

export type MetricsRepository = ReturnType<typeof createMetricsRepository>;
