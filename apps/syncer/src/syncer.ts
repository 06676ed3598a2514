import { SYNC_REQUEST_CHANNEL } from '@pt/core';
import type { SyncerDeps } from './deps.js';
import { DecisionJournal } from './journal.js';
import { createLeadership } from './leader.js';
import { createLoop } from './loop.js';
import { createSyncerMetrics, type MetricsServer, startMetricsServer } from './metrics.js';
import { reconcile } from './reconcile.js';
import { resubmitDue } from './resubmit.js';
import { dispatchWebhooks } from './webhooks.js';

const SWEEP_EVERY_MS = 10 * 60_000;

export interface Syncer {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Runs one cycle now (tests and the bench use it); returns when it is done. */
  runCycle(): Promise<void>;
  /** The port of GET /metrics once started (null: SYNCER_METRICS_PORT=0, or the port was taken). */
  metricsPort(): number | null;
}

/**
 * The syncer as a small service: each cycle the lock holder reconciles statuses from the
 * gateway; every syncer re-submits what is due. NOTIFY on SYNC_REQUEST_CHANNEL wakes it early.
 */
export function createSyncer(deps: SyncerDeps): Syncer {
  const { sql, logger, config } = deps;
  const leadership = createLeadership(config.DATABASE_URL, logger);
  const journal = new DecisionJournal(logger);
  const metrics = createSyncerMetrics();
  let metricsServer: MetricsServer | undefined;
  let lastSweep = 0;
  let unlisten: (() => Promise<void>) | undefined;

  /**
   * Runs one of the cycle's jobs. A job that fails is logged and retried next cycle; it never
   * keeps the others from running. What a job did is logged at info when it did something, at
   * debug otherwise: a cycle every few seconds would drown the log. Its result goes to the
   * metrics (`measure`), a failure is counted under its name. Returns whether it succeeded.
   */
  async function runJob<Result extends object>(job: {
    name: 'reconcile' | 'resubmit' | 'webhooks' | 'sweep';
    run: () => Promise<Result>;
    eventful: (result: Result) => boolean;
    measure?: (result: Result) => void;
    done: string;
    failed: string;
    onFailure?: (message: string) => Promise<void>;
  }): Promise<boolean> {
    try {
      const result = await job.run();
      job.measure?.(result);
      const fields: object = result;
      logger[job.eventful(result) ? 'info' : 'debug'](fields, job.done);
      return true;
    } catch (error) {
      metrics.failed(job.name);
      // Recorded first, then logged: whoever reads the log line finds the record already there.
      await job.onFailure?.(error instanceof Error ? error.message : String(error)).catch(() => {});
      logger.error({ err: error }, `${job.failed}; will retry next cycle`);
      return false;
    }
  }

  async function runCycle() {
    const leading = await leadership.acquire();
    metrics.leading(leading);
    if (leading) {
      const startedAt = Date.now();
      await runJob({
        name: 'reconcile',
        run: () => reconcile(deps, journal),
        measure: (r) => metrics.reconciled(r, startedAt),
        eventful: (r) => r.changed + r.linked + r.requeued + r.rejected + r.grouped + r.foreign + r.skipped > 0,
        done: 'reconciled with gateway',
        failed: 'reconciliation failed',
        // The admin report shows the sync's last error (sync_state.last_error).
        onFailure: (message) => deps.syncState.saveSyncError(message),
      });
    }
    await runJob({
      name: 'resubmit',
      run: () => resubmitDue(deps),
      measure: (r) => metrics.resubmitted(r.outcomes),
      eventful: (r) => r.sent > 0,
      done: 're-submitted queued payments',
      failed: 're-submission failed',
    });
    if (Date.now() - lastSweep > SWEEP_EVERY_MS) {
      const swept = await runJob({
        name: 'sweep',
        run: async () => ({ expired: await deps.idempotency.deleteExpired(config.IDEMPOTENCY_TTL_HOURS * 3_600_000) }),
        eventful: (r) => r.expired > 0,
        done: 'deleted expired idempotency keys',
        failed: 'deleting expired idempotency keys failed',
      });
      if (swept) lastSweep = Date.now();
    }
  }

  const loop = createLoop({
    intervalMs: config.SYNC_INTERVAL_MS,
    minPauseMs: config.SYNC_MIN_PAUSE_MS,
    minWakeGapMs: config.SYNC_REFRESH_MIN_GAP_MS,
    logger,
    run: runCycle,
  });
  // Webhooks on their own loop: a long reconciliation never delays them. Stopping hands back
  // the deliveries leased and not yet sent, and waits only for the sends in flight.
  let stopDispatch = new AbortController();
  const webhookLoop = createLoop({
    // The whole interval after each run (its end to the next start): a run drains what is due,
    // and a run that left a backlog wakes the loop to go on at once.
    intervalMs: config.WEBHOOK_INTERVAL_MS,
    intervalFrom: 'end',
    logger,
    run: async () => {
      let more = false;
      await runJob({
        name: 'webhooks',
        run: async () => {
          const result = await dispatchWebhooks(deps, stopDispatch.signal);
          more = result.more;
          return result;
        },
        measure: (r) => metrics.dispatched(r),
        eventful: (r) => r.sent + r.failed > 0,
        done: 'dispatched webhooks',
        failed: 'webhook dispatch failed',
      });
      // A backlog: go on at once rather than a whole interval later (the bench's webhook case).
      if (more) webhookLoop.wake();
    },
  });

  return {
    runCycle,
    metricsPort: () => metricsServer?.port ?? null,
    async start() {
      metricsServer = await startMetricsServer(
        metrics.registry,
        { host: config.SYNCER_METRICS_HOST, port: config.SYNCER_METRICS_PORT },
        logger,
      );
      if (config.SYNCER_JOBS !== 'webhooks') {
        const listener = await sql.listen(SYNC_REQUEST_CHANNEL, () => loop.wake());
        unlisten = () => listener.unlisten();
        loop.start();
      }
      if (config.SYNCER_JOBS !== 'sync') {
        stopDispatch = new AbortController();
        webhookLoop.start();
      }
    },
    async stop() {
      stopDispatch.abort();
      await Promise.all([loop.stop(), webhookLoop.stop()]);
      await unlisten?.().catch(() => {});
      await leadership.release();
      await metricsServer?.close();
    },
  };
}
