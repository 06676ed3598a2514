import { type ClaimedDelivery, fullJitterDelayMs } from '@pt/core';
import type { SyncerDeps } from './deps.js';

/** Claims per run at most this many batches, so one run never holds the loop for long. */
const MAX_BATCHES_PER_RUN = 20;

/**
 * One webhook dispatch run: the events of finished transactions become deliveries, then due
 * deliveries are claimed (leased, SKIP LOCKED: several syncers share them and never send one
 * at the same time), sent, and each attempt recorded. A failed attempt is retried with backoff
 * and jitter until its give-up time; a payment's later event waits for its earlier one.
 */
export async function dispatchWebhooks(
  deps: Pick<SyncerDeps, 'webhookDeliveries' | 'webhookSender' | 'config' | 'logger'>,
): Promise<{ fanned: number; sent: number; failed: number }> {
  const { webhookDeliveries: deliveries, webhookSender: sender, config } = deps;
  const fanned = await deliveries.fanOut(config.WEBHOOK_RETRY_FOR_MS);
  // The lease outlasts any attempt: the timeout, and time to record it.
  const leaseMs = config.WEBHOOK_TIMEOUT_MS * 2 + 5000;
  let sent = 0;
  let failed = 0;
  for (let batch = 0; batch < MAX_BATCHES_PER_RUN; batch++) {
    const claimed = await deliveries.claimDue(config.WEBHOOK_BATCH_SIZE, leaseMs);
    if (claimed.length === 0) break;
    const queue = [...claimed];
    const worker = async () => {
      for (let delivery = queue.shift(); delivery; delivery = queue.shift()) {
        if (await attempt(delivery)) sent++;
        else failed++;
      }
    };
    await Promise.all(Array.from({ length: Math.min(config.WEBHOOK_CONCURRENCY, claimed.length) }, worker));
  }
  return { fanned, sent, failed };

  async function attempt(delivery: ClaimedDelivery): Promise<boolean> {
    const startedAt = new Date();
    const result = await sender.send(delivery);
    const retryInMs = fullJitterDelayMs(delivery.attempt, { baseMs: config.WEBHOOK_BASE_MS, capMs: config.WEBHOOK_CAP_MS });
    await deliveries.recordAttempt(
      delivery,
      { startedAt, ...result, retryInMs: Math.max(retryInMs, config.WEBHOOK_BASE_MS / 2) },
      config.WEBHOOK_DISABLE_AFTER_MS,
    );
    return result.delivered;
  }
}
