import { mayStartCarefulSend, type Payment, type PaymentStatus } from '@pt/core';
import type { SyncerDeps } from './deps.js';
import { measureClock } from './gateway-view.js';

/**
 * Re-submits queued payments whose backoff has passed. Each payment is claimed, and its attempt
 * opened with a lease, right before its own send (FOR UPDATE SKIP LOCKED, so several syncers
 * never send the same one, and no lease runs out while others are being sent). Attempts left
 * open by a process that died become `unconfirmed` first, never re-sent. In careful mode one
 * payment at a time is sent, each only once the last unknown outcome's window has closed.
 */
export async function resubmitDue(
  deps: Pick<SyncerDeps, 'attempts' | 'careful' | 'deliver' | 'leaseMs' | 'config' | 'logger'>,
): Promise<{ interrupted: number; sent: number; careful: boolean; outcomes: Partial<Record<PaymentStatus, number>> }> {
  const { attempts, careful, deliver, leaseMs, config, logger } = deps;
  const interrupted = await attempts.expireInterruptedAttempts();
  if (interrupted > 0) logger.warn({ interrupted }, 'found attempts interrupted mid-submission; marked unconfirmed');

  let sent = 0;
  // By the status each send left its payment in (the metrics' re-submissions by outcome).
  const outcomes: Partial<Record<PaymentStatus, number>> = {};
  const send = async (payment: Payment) => {
    sent++;
    const { status } = await deliver(payment, 'syncer');
    outcomes[status] = (outcomes[status] ?? 0) + 1;
  };
  await careful.reconsider();
  const carefully = await careful.isCareful();
  if (carefully) {
    // The next window must start after the last unknown one ends: the recording delay, a margin on
    // each side (as wide as the syncer makes them), and the clock offset's own uncertainty.
    const { eras, marginMs } = measureClock(await attempts.clockSamples(config.CLOCK_SAMPLES), config.GATEWAY_CLOCK_SKEW_MS);
    const latest = eras.at(-1);
    const quietMs = config.GATEWAY_MAX_RECORDING_DELAY_MS + 2 * marginMs + (latest ? latest.high - latest.low : 0);
    const mayStart = (state: Parameters<typeof mayStartCarefulSend>[0], now: number) => mayStartCarefulSend(state, now, quietMs);
    while (sent < config.RESUBMIT_BATCH_SIZE) {
      const payment = await attempts.claimNextCarefully(leaseMs, mayStart);
      if (!payment) break;
      await send(payment);
    }
    return { interrupted, sent, careful: true, outcomes };
  }

  const claim = async (): Promise<Payment | null> => (sent < config.RESUBMIT_BATCH_SIZE ? attempts.claimNext(leaseMs) : null);
  const worker = async () => {
    for (let payment = await claim(); payment; payment = await claim()) {
      await send(payment);
      // The gateway started misbehaving: stop here, the next cycle goes carefully.
      if (await careful.isCareful()) return;
    }
  };
  // allSettled: one failing delivery must not end the cycle while other workers still send.
  const settled = await Promise.allSettled(Array.from({ length: config.RESUBMIT_CONCURRENCY }, worker));
  const failed = settled.find((result) => result.status === 'rejected');
  if (failed) throw failed.reason;
  return { interrupted, sent, careful: false, outcomes };
}
