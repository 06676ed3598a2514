import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger, PaymentStatus } from '@pt/core';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** What the syncer's jobs report to its metrics (the fields of their results it reads). */
export interface CycleFigures {
  entries: number;
  changed: number;
  cycleMs: number;
  clockOffsetLowMs: number | null;
  clockOffsetHighMs: number | null;
}

/**
 * The syncer's own metrics, counted in-process as its jobs finish (no query at scrape time):
 * each syncer reports what it did, and Prometheus sums over syncers. No label carries a client
 * or an endpoint.
 */
export function createSyncerMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const cycleSeconds = new Histogram({
    name: 'payment_tracker_sync_cycle_duration_seconds',
    help: 'complete reconciliations with the gateway list, and how long each took',
    buckets: [0.1, 0.5, 2, 10, 60, 300],
    registers,
  });
  const listEntries = new Gauge({
    name: 'payment_tracker_sync_gateway_list_entries',
    help: 'entries in the gateway list at the last complete reconciliation',
    registers,
  });
  const lastComplete = new Gauge({
    name: 'payment_tracker_sync_last_complete_timestamp_seconds',
    help: 'when (unix time) the last complete reconciliation of this syncer started',
    registers,
  });
  const changes = new Counter({
    name: 'payment_tracker_sync_changes_applied_total',
    help: 'payment status changes applied from the gateway list',
    registers,
  });
  const failures = new Counter({
    name: 'payment_tracker_syncer_job_failures_total',
    help: "syncer jobs that failed (retried next cycle), by job: 'reconcile', 'resubmit', 'webhooks', 'sweep'",
    labelNames: ['job'],
    registers,
  });
  const leader = new Gauge({
    name: 'payment_tracker_sync_leader',
    help: '1 while this syncer holds the lock that lets it read the gateway list',
    registers,
  });
  const clockOffset = new Gauge({
    name: 'payment_tracker_sync_gateway_clock_offset_ms',
    help: "the gateway clock minus ours, as this syncer's last reconciliation measured it (bound: low, high)",
    labelNames: ['bound'],
    registers,
  });
  const resubmissions = new Counter({
    name: 'payment_tracker_resubmissions_total',
    help: 'payments the syncer sent again, by the status they came out with (pending: accepted; received: retry later; unconfirmed: outcome unknown; rejected: given up)',
    labelNames: ['outcome'],
    registers,
  });
  const webhookAttempts = new Counter({
    name: 'payment_tracker_webhook_attempts_total',
    help: 'webhook delivery attempts, by result: delivered or failed',
    labelNames: ['result'],
    registers,
  });
  const webhookEvents = new Counter({
    name: 'payment_tracker_webhook_deliveries_queued_total',
    help: 'webhook deliveries created from status changes (one per subscribed endpoint)',
    registers,
  });
  // Both results exist from the start, so rate() and the alert rules see a 0 before the first failure.
  webhookAttempts.inc({ result: 'delivered' }, 0);
  webhookAttempts.inc({ result: 'failed' }, 0);

  return {
    registry,
    reconciled(result: CycleFigures, startedAt: number) {
      cycleSeconds.observe(result.cycleMs / 1000);
      listEntries.set(result.entries);
      lastComplete.set(startedAt / 1000);
      changes.inc(result.changed);
      if (result.clockOffsetLowMs !== null) clockOffset.set({ bound: 'low' }, result.clockOffsetLowMs);
      if (result.clockOffsetHighMs !== null) clockOffset.set({ bound: 'high' }, result.clockOffsetHighMs);
    },
    leading(isLeader: boolean) {
      leader.set(isLeader ? 1 : 0);
    },
    resubmitted(outcomes: Partial<Record<PaymentStatus, number>>) {
      for (const [outcome, count] of Object.entries(outcomes)) resubmissions.inc({ outcome }, count);
    },
    dispatched(result: { fanned: number; sent: number; failed: number }) {
      webhookEvents.inc(result.fanned);
      webhookAttempts.inc({ result: 'delivered' }, result.sent);
      webhookAttempts.inc({ result: 'failed' }, result.failed);
    },
    failed(job: 'reconcile' | 'resubmit' | 'webhooks' | 'sweep') {
      failures.inc({ job });
    },
  };
}
export type SyncerMetrics = ReturnType<typeof createSyncerMetrics>;

export interface MetricsServer {
  /** The port it listens on, or null when off (port 0) or the port could not be had. */
  readonly port: number | null;
  close(): Promise<void>;
}

/**
 * GET /metrics on its own small port (SYNCER_METRICS_PORT; 0 = off). A port that cannot be had
 * is logged, not fatal: payments keep syncing without their metrics.
 */
export async function startMetricsServer(
  registry: Registry,
  options: { host: string; port: number },
  logger: Logger,
): Promise<MetricsServer> {
  if (options.port === 0) return { port: null, close: async () => {} };
  const server: Server = createServer((request, response) => {
    if (request.method !== 'GET' || request.url?.split('?')[0] !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('only GET /metrics here\n');
      return;
    }
    registry.metrics().then(
      (text) => response.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (error: unknown) => {
        logger.error({ err: error }, 'collecting metrics failed');
        response.writeHead(500, { 'content-type': 'text/plain' }).end('collecting metrics failed\n');
      },
    );
  });
  const listening = await new Promise<boolean>((resolve) => {
    server.once('error', (error) => {
      logger.error({ err: error, ...options }, 'metrics port unavailable: the syncer runs without GET /metrics');
      resolve(false);
    });
    server.listen(options.port, options.host, () => resolve(true));
  });
  if (!listening) return { port: null, close: async () => {} };
  const { port } = server.address() as AddressInfo;
  logger.info({ host: options.host, port }, 'syncer metrics at GET /metrics');
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
