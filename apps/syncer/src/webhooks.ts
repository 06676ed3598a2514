import { type AttemptRecord, type ClaimedDelivery, fullJitterDelayMs } from '@pt/core';
import type { SyncerDeps } from './deps.js';

/**
 * Claims per run at most this many batches, so one run never holds the loop (and stop()) for
 * long; a run that reached it says `more`, and the loop runs again at once instead of waiting.
 */
const MAX_BATCHES_PER_RUN = 20;

/**
 * One webhook dispatch run: the events of finished transactions become deliveries, then due
 * deliveries are claimed (leased, SKIP LOCKED: several syncers share them and never send one
 * at the same time), sent, and each batch's attempts recorded. A failed attempt is retried with backoff
 * and jitter until its give-up time; a payment's later event waits for its earlier one.
 */
export async function dispatchWebhooks(
  deps: Pick<SyncerDeps, 'webhookDeliveries' | 'webhookSender' | 'config' | 'logger'>,
): Promise<{ fanned: number; sent: number; failed: number; more: boolean }> {
  const { webhookDeliveries: deliveries, webhookSender: sender, config } = deps;
  const fanned = await deliveries.fanOut(config.WEBHOOK_RETRY_FOR_MS);
  // A batch is recorded once all of it was sent: the lease outlasts the slowest batch (every
  // round of sends timing out) and the time to record it.
  const rounds = Math.ceil(config.WEBHOOK_BATCH_SIZE / config.WEBHOOK_CONCURRENCY);
  const leaseMs = config.WEBHOOK_TIMEOUT_MS * (rounds + 1) + 5000;
  let sent = 0;
  let failed = 0;
  let more = false;
  for (let batch = 0; batch < MAX_BATCHES_PER_RUN; batch++) {
    const claimed = await deliveries.claimDue(config.WEBHOOK_BATCH_SIZE, leaseMs);
    if (claimed.length === 0) break;
    more = batch === MAX_BATCHES_PER_RUN - 1 && claimed.length === config.WEBHOOK_BATCH_SIZE;
    const queue = [...claimed];
    const attempts: Array<{ delivery: ClaimedDelivery; record: AttemptRecord }> = [];
    const worker = async () => {
      for (let delivery = queue.shift(); delivery; delivery = queue.shift()) attempts.push(await attempt(delivery));
    };
    await Promise.all(Array.from({ length: Math.min(config.WEBHOOK_CONCURRENCY, claimed.length) }, worker));
    // One statement per batch, in the order the attempts finished (the endpoint's failure streak).
    await deliveries.recordAttempts(attempts, config.WEBHOOK_DISABLE_AFTER_MS);
    for (const { record } of attempts) {
      if (record.delivered) sent++;
      else failed++;
    }
  }
  return { fanned, sent, failed, more };

  async function attempt(delivery: ClaimedDelivery): Promise<{ delivery: ClaimedDelivery; record: AttemptRecord }> {
    const startedAt = new Date();
    const result = await sender.send(delivery);
    const retryInMs = fullJitterDelayMs(delivery.attempt, { baseMs: config.WEBHOOK_BASE_MS, capMs: config.WEBHOOK_CAP_MS });
    return { delivery, record: { startedAt, ...result, retryInMs: Math.max(retryInMs, config.WEBHOOK_BASE_MS / 2) } };
  }
}
