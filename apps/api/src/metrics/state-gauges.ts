import type { GatewayHealth, ScrapeFigures } from '@pt/core';
import { NON_TERMINAL_STATUSES } from '@pt/core';
import { Gauge, type Registry } from 'prom-client';

/** What one scrape read from Postgres: the gateway's alarms and the cheap counts. */
export interface SharedState {
  health: GatewayHealth;
  figures?: ScrapeFigures;
}

/**
 * Gauges of the state every API process shares (Postgres), set from the scrape's one read. A
 * value the database does not know (no sync so far, nothing pending) reads 0, prom-client's
 * value of a gauge without labels that was not set.
 */
export function addStateGauges(registry: Registry, current: () => SharedState | undefined): void {
  const gauge = <T>(
    name: string,
    help: string,
    pick: (state: SharedState) => T | undefined,
    set: (gauge: Gauge, value: T) => void,
    labelNames: string[] = [],
  ) =>
    new Gauge({
      name: `payment_tracker_${name}`,
      help,
      registers: [registry],
      labelNames,
      collect() {
        this.reset();
        const state = current();
        const value = state ? pick(state) : undefined;
        if (value !== undefined && value !== null) set(this, value);
      },
    });
  const scalar = (name: string, help: string, pick: (state: SharedState) => number | boolean | null | undefined) =>
    gauge(name, help, pick, (g, value) => g.set(Number(value)));

  scalar('gateway_clock_alarm', '1 while the gateway clock offset is unknown or moved', (s) => s.health.clockAlarm);
  scalar(
    'gateway_list_alarm',
    '1 when the last status list contradicted our records (no absence decision)',
    (s) => s.health.listAlarm,
  );
  scalar('gateway_careful_mode', '1 while the gateway misbehaves: one send at a time, none inline', (s) => s.health.careful);
  scalar('gateway_clock_offset_low_ms', 'lower bound of the gateway clock minus ours', (s) => s.health.clockOffsetLowMs);
  scalar('gateway_clock_offset_high_ms', 'upper bound of the gateway clock minus ours', (s) => s.health.clockOffsetHighMs);
  scalar(
    'gateway_foreign_entries',
    'gateway entries in no window, waiting for an operator',
    (s) => s.health.foreignUnacknowledged,
  );
  scalar(
    'gateway_double_send_alarms',
    'late acceptances after a newer send, waiting for an operator',
    (s) => s.health.doubleSendAlarms,
  );
  scalar('unconfirmed_payments', 'payments whose submission outcome is unknown', (s) => s.health.unconfirmed);
  scalar('sync_lag_seconds', 'seconds since the last complete read of the gateway list', (s) => s.health.syncLagSeconds);

  // The rest only on GET /metrics (the scrape figures are read there).
  gauge(
    'open_payments',
    'payments not yet final, by status (exact: counted through the partial indexes over open payments)',
    (s) => s.figures?.openByStatus,
    (g, counts) => {
      for (const status of NON_TERMINAL_STATUSES) g.set({ status }, counts[status]);
    },
    ['status'],
  );
  scalar('payments_estimated', "all payments, the planner's estimate (pg_class.reltuples)", (s) => s.figures?.paymentsEstimate);
  scalar(
    'oldest_pending_payment_age_seconds',
    'since the oldest pending payment was accepted (0: none pending)',
    (s) => s.figures?.oldestPendingSeconds,
  );
  scalar(
    'oldest_unconfirmed_payment_age_seconds',
    'since the oldest unconfirmed payment was stored (0: none unconfirmed)',
    (s) => s.figures?.oldestUnconfirmedSeconds,
  );
  scalar('webhook_backlog', 'webhook deliveries not yet delivered or given up', (s) => s.figures?.webhookBacklog);
  scalar(
    'webhook_oldest_due_seconds',
    'how long the most overdue webhook delivery has waited past its due time (0: none overdue)',
    (s) => s.figures?.webhookOldestDueSeconds,
  );
  scalar(
    'webhook_fan_out_lag_seconds',
    'since the oldest committed status change not yet turned into webhook deliveries (0: none); a transaction left open on the database server holds fan-out back',
    (s) => s.figures?.webhookFanOutLagSeconds,
  );
  scalar(
    'webhook_endpoints_disabled',
    'webhook endpoints disabled (by their client, or after failing too long)',
    (s) => s.figures?.webhookEndpointsDisabled,
  );
}
