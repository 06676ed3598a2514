import type { SyncerDeps } from './deps.js';

/**
 * Re-submits queued payments whose backoff has passed. Rows are claimed with FOR UPDATE SKIP
 * LOCKED and an attempt lease, so several syncers never send the same payment; attempts left
 * open by a process that died are turned `unconfirmed` first, never re-sent.
 */
export async function resubmitDue(
  deps: Pick<SyncerDeps, 'sync' | 'deliver' | 'leaseMs' | 'config' | 'logger'>,
): Promise<{ interrupted: number; sent: number }> {
  const { sync, deliver, leaseMs, config, logger } = deps;
  const interrupted = await sync.expireInterruptedAttempts();
  if (interrupted > 0) logger.warn({ interrupted }, 'found attempts interrupted mid-submission; marked unconfirmed');

  const due = await sync.claimDue(config.RESUBMIT_BATCH_SIZE, leaseMs);
  let next = 0;
  const worker = async () => {
    while (next < due.length) {
      const payment = due[next++];
      if (payment) await deliver(payment, 'syncer');
    }
  };
  // allSettled: one failing delivery must not end the cycle while other workers still send.
  const outcomes = await Promise.allSettled(Array.from({ length: Math.min(config.RESUBMIT_CONCURRENCY, due.length) }, worker));
  const failed = outcomes.find((outcome) => outcome.status === 'rejected');
  if (failed) throw failed.reason;
  return { interrupted, sent: due.length };
}
