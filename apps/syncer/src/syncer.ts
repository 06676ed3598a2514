import { SYNC_REQUEST_CHANNEL } from '@pt/core';
import type { SyncerDeps } from './deps.js';
import { DecisionJournal } from './journal.js';
import { createLeadership } from './leader.js';
import { createLoop } from './loop.js';
import { reconcile } from './reconcile.js';
import { resubmitDue } from './resubmit.js';

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

  async function runCycle() {
    if (await leadership.acquire()) {
      try {
        const result = await reconcile(deps, journal);
        // Quiet when nothing happened: a cycle every few seconds would drown the log.
        const eventful =
          result.changed + result.linked + result.requeued + result.rejected + result.grouped + result.foreign + result.skipped >
          0;
        logger[eventful ? 'info' : 'debug'](result, 'reconciled with gateway');
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        logger.error({ err: message }, 'reconciliation failed; will retry next cycle');
        await deps.sync.saveSyncError(message).catch(() => {});
      }
    }
    const resubmitted = await resubmitDue(deps);
    if (resubmitted.sent > 0) logger.info(resubmitted, 're-submitted queued payments');
    if (Date.now() - lastSweep > SWEEP_EVERY_MS) {
      lastSweep = Date.now();
      const expired = await deps.idempotency.deleteExpired(config.IDEMPOTENCY_TTL_HOURS * 3_600_000);
      if (expired > 0) logger.info({ expired }, 'deleted expired idempotency keys');
    }
  }

  const loop = createLoop({ intervalMs: config.SYNC_INTERVAL_MS, logger, run: runCycle });

  return {
    runCycle,
    async start() {
      const listener = await sql.listen(SYNC_REQUEST_CHANNEL, () => loop.wake());
      unlisten = () => listener.unlisten();
      loop.start();
    },
    async stop() {
      await loop.stop();
      await unlisten?.().catch(() => {});
      await leadership.release();
    },
  };
}
