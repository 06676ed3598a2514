import { SYNC_REQUEST_CHANNEL } from '@pt/core';
import type { SyncerDeps } from './deps.js';
import { DecisionJournal } from './journal.js';
import { createLeadership } from './leader.js';
import { createLoop } from './loop.js';
import { reconcile } from './reconcile.js';
import { resubmitDue } from './resubmit.js';
import { dispatchWebhooks } from './webhooks.js';

const SWEEP_EVERY_MS = 10 * 60_000;

export interface Syncer {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Runs one cycle now (tests and the bench use it); returns when it is done. */
  runCycle(): Promise<void>;
}

/**
 * The syncer as a small service: each cycle the lock holder reconciles statuses from the
 * gateway; every syncer re-submits what is due. NOTIFY on SYNC_REQUEST_CHANNEL wakes it early.
 */
export function createSyncer(deps: SyncerDeps): Syncer {
  const { sql, logger, config } = deps;
  const leadership = createLeadership(config.DATABASE_URL, logger);
  const journal = new DecisionJournal(logger);
  let lastSweep = 0;
  let unlisten: (() => Promise<void>) | undefined;

  /**
   * Runs one of the cycle's jobs. A job that fails is logged and retried next cycle; it never
   * keeps the others from running. What a job did is logged at info when it did something, at
   * debug otherwise: a cycle every few seconds would drown the log. Returns whether it succeeded.
   */
  async function runJob<Result extends object>(job: {
    run: () => Promise<Result>;
    eventful: (result: Result) => boolean;
    done: string;
    failed: string;
    onFailure?: (message: string) => Promise<void>;
  }): Promise<boolean> {
    try {
      const result = await job.run();
      const fields: object = result;
      logger[job.eventful(result) ? 'info' : 'debug'](fields, job.done);
      return true;
    } catch (error) {
      // Recorded first, then logged: whoever reads the log line finds the record already there.
      await job.onFailure?.(error instanceof Error ? error.message : String(error)).catch(() => {});
      logger.error({ err: error }, `${job.failed}; will retry next cycle`);
      return false;
    }
  }

  async function runCycle() {
    if (await leadership.acquire()) {
      await runJob({
        run: () => reconcile(deps, journal),
        eventful: (r) => r.changed + r.linked + r.requeued + r.rejected + r.grouped + r.foreign + r.skipped > 0,
        done: 'reconciled with gateway',
        failed: 'reconciliation failed',
        // The admin report shows the sync's last error (sync_state.last_error).
        onFailure: (message) => deps.syncState.saveSyncError(message),
      });
    }
    await runJob({
      run: () => resubmitDue(deps),
      eventful: (r) => r.sent > 0,
      done: 're-submitted queued payments',
      failed: 're-submission failed',
    });
    if (Date.now() - lastSweep > SWEEP_EVERY_MS) {
      const swept = await runJob({
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
    minWakeGapMs: config.SYNC_REFRESH_MIN_GAP_MS,
    logger,
    run: runCycle,
  });
  // Webhooks on their own loop: a long reconciliation never delays them.
  const webhookLoop = createLoop({
    intervalMs: config.WEBHOOK_INTERVAL_MS,
    logger,
    run: async () => {
      await runJob({
        run: () => dispatchWebhooks(deps),
        eventful: (r) => r.sent + r.failed > 0,
        done: 'dispatched webhooks',
        failed: 'webhook dispatch failed',
      });
    },
  });

  return {
    runCycle,
    async start() {
      const listener = await sql.listen(SYNC_REQUEST_CHANNEL, () => loop.wake());
      unlisten = () => listener.unlisten();
      loop.start();
      webhookLoop.start();
    },
    async stop() {
      await Promise.all([loop.stop(), webhookLoop.stop()]);
      await unlisten?.().catch(() => {});
      await leadership.release();
    },
  };
}
