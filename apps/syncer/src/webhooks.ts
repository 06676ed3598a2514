import { type AttemptRecord, type ClaimedDelivery, fullJitterDelayMs } from '@pt/core';
import type { SyncerDeps } from './deps.js';

/**
 * Claims per run at most this many batches, so one run never holds the loop (and stop()) for
 * long; a run that reached it, or that fanned out new events, says `more`, and the loop runs
 * again at once instead of waiting.
 */
const MAX_BATCHES_PER_RUN = 20;

type Attempt = { delivery: ClaimedDelivery; record: AttemptRecord };

/**
 * One webhook dispatch run: the events of finished transactions become deliveries, a piece at a
 * time, each piece's first attempts leased to this run as it fans them out; due deliveries
 * (retries, and events that had to wait for their payment's earlier one) are claimed (leased,
 * SKIP LOCKED), the two taking turns. Several syncers share the work and never send one delivery
 * at the same time. Leased deliveries are sent and their attempts recorded. A failed attempt is
 * retried with backoff and jitter until its give-up time; a payment's later event waits for its
 * earlier one.
 *
 * Claiming (a piece or due deliveries), sending and recording overlap: `WEBHOOK_CONCURRENCY`
 * sends are kept in flight from a queue of claimed deliveries, the next batch is claimed (one
 * claim at a time) once the queue is down to half a batch, and the attempts that finished are
 * recorded (one statement at a time, half a batch at a time or whatever finished once nothing is
 * in flight, in the order they finished) while the next ones are sent. A dispatcher holds at most
 * two batches (one being sent, the next claimed), so several still share a backlog. A claimed
 * delivery stays `pending`, and a piece's first attempts keep their piece open, until recorded,
 * so the claim never hands out a payment's later event for the same endpoint while an earlier one
 * is queued, in flight or not recorded yet.
 */
export async function dispatchWebhooks(
  deps: Pick<SyncerDeps, 'webhookDeliveries' | 'webhookSender' | 'config' | 'logger'>,
  stopping?: AbortSignal,
): Promise<{ fanned: number; sent: number; failed: number; more: boolean }> {
  const { webhookDeliveries: deliveries, webhookSender: sender, config } = deps;
  const batchSize = config.WEBHOOK_BATCH_SIZE;
  const concurrency = config.WEBHOOK_CONCURRENCY;
  // Finished attempts are recorded together once this many are waiting (or nothing is in flight
  // any more): each statement has a fixed cost, so recording as soon as one finished kept the
  // record connection busy with statements of a dozen rows.
  const recordAt = Math.max(1, Math.floor(batchSize / 2));
  // The next batch is asked for once the queue is down to this, early enough that it arrives
  // before the queue runs dry: a piece or a claim takes tens of milliseconds, in which the sends
  // in flight would otherwise empty a queue of `concurrency` and wait.
  const refillAt = Math.max(concurrency, Math.floor(batchSize / 2));
  // A claimed delivery waits behind at most the queue left when it was claimed (`refillAt`), the
  // rest of its batch and the sends in flight, is sent, then waits for `recordAt` attempts to
  // finish, for the record in progress and its own: the lease outlasts every round of that timing
  // out, and the time to record.
  const rounds = Math.ceil((refillAt + batchSize + recordAt + 2 * concurrency) / concurrency);
  const leaseMs = config.WEBHOOK_TIMEOUT_MS * (rounds + 1) + 5000;

  const queue: ClaimedDelivery[] = [];
  const finished: Attempt[] = [];
  let sending = 0;
  let claiming = false;
  let recording = false;
  /** Records ended (successfully or not). */
  let recorded = 0;
  let claims = 0;
  let fanned = 0;
  /** This run's fan-out pass is over (new events wait for the next run, which comes at once). */
  let fanDone = false;
  /** The last claim of due deliveries found nothing, and nothing since is known to have made one due. */
  let dueEmpty = false;
  /** When the last claim of due deliveries began. */
  let dueClaimedAt = 0;
  /**
   * This run left deliveries waiting for an earlier event of their payment (a piece did), or
   * claimed due ones (a retry may be what a later event waits for): each record may let one
   * through, so a claim of due deliveries follows it. Without either, a backlog's first attempts
   * make nothing due as they are recorded; retries and other dispatchers' waiting deliveries are
   * then looked for once an interval (as when idle), not after every record.
   */
  let waiting = false;
  /** Fan-out and due deliveries take turns while both have work (retries never wait for a whole backlog). */
  let fanOutsTurn = true;
  let error: unknown;
  let hasError = false;
  let sent = 0;
  let failed = 0;

  let wake: () => void = () => {};
  const fail = (reason: unknown) => {
    if (!hasError) [error, hasError] = [reason, true];
  };
  // Stopping: nothing new is claimed or sent; what is queued is handed back at once (another
  // dispatcher takes it rather than waiting for the lease), what is in flight is recorded.
  let released = false;
  const release = async () => {
    released = true;
    const unsent = queue.splice(0);
    await deliveries.releaseLeases(unsent).catch((reason: unknown) => {
      deps.logger.warn(
        { err: reason, deliveries: unsent.length },
        'could not hand back unsent webhook deliveries; they wait for their lease',
      );
    });
  };
  const onStop = () => wake();
  stopping?.addEventListener('abort', onStop);

  const claim = async () => {
    claiming = true;
    const recordedBefore = recorded;
    const fromFanOut = !fanDone && (fanOutsTurn || dueEmpty);
    fanOutsTurn = !fromFanOut;
    try {
      let claimed: ClaimedDelivery[];
      if (fromFanOut) {
        // a piece of new events: the deliveries that may go at once come leased, the others are due
        const piece = await deliveries.fanOut(config.WEBHOOK_RETRY_FOR_MS, { limit: batchSize, leaseMs });
        fanned += piece.fanned;
        fanDone = piece.done;
        if (piece.fanned > piece.leased.length) [dueEmpty, waiting] = [false, true];
        claimed = piece.leased;
      } else {
        dueClaimedAt = performance.now();
        claimed = await deliveries.claimDue(batchSize, leaseMs);
        // (a record that ended meanwhile may have come after the claim's snapshot: claim again)
        dueEmpty = claimed.length === 0 && recorded === recordedBefore;
        if (claimed.length > 0) waiting = true;
      }
      // only a claim that found something counts against the cap: one that found nothing is
      // followed by another only after a record (which may have let a payment's next event through)
      if (claimed.length > 0) claims++;
      queue.push(...claimed);
    } catch (reason) {
      fail(reason);
    } finally {
      claiming = false;
      wake();
    }
  };

  const send = async (delivery: ClaimedDelivery) => {
    sending++;
    try {
      finished.push(await attempt(delivery));
    } catch (reason) {
      fail(reason);
    } finally {
      sending--;
      wake();
    }
  };

  const record = async () => {
    recording = true;
    // One statement for all that finished since the last one, in the order they finished (the
    // endpoint's failure streak).
    const attempts = finished.splice(0);
    try {
      await deliveries.recordAttempts(attempts, config.WEBHOOK_DISABLE_AFTER_MS);
      for (const { record } of attempts) {
        if (record.delivered) sent++;
        else failed++;
      }
      if (waiting || performance.now() - dueClaimedAt >= config.WEBHOOK_INTERVAL_MS) dueEmpty = false;
    } catch (reason) {
      fail(reason);
    } finally {
      recorded++;
      recording = false;
      wake();
    }
  };

  const exhausted = () => fanDone && dueEmpty;
  for (;;) {
    if (stopping?.aborted && !released && !claiming) await release();
    // After a failure, nothing new starts: what is queued stays leased and is retried once the
    // lease ends; what is in flight finishes and is recorded if the database still answers.
    if (!hasError && !stopping?.aborted) {
      while (sending < concurrency && queue.length > 0) void send(queue.shift() as ClaimedDelivery);
      // the next batch once the queue is down to `refillAt`: a dispatcher holds at most that,
      // the sends in flight and one batch, so several still share a backlog
      if (!claiming && !exhausted() && claims < MAX_BATCHES_PER_RUN && queue.length <= refillAt) void claim();
    }
    const idle = sending === 0 && (queue.length === 0 || hasError);
    if (!recording && finished.length > 0 && (finished.length >= recordAt || idle)) void record();
    if (!claiming && !recording && sending === 0 && finished.length === 0 && (hasError || queue.length === 0)) {
      if (hasError || exhausted() || claims >= MAX_BATCHES_PER_RUN || stopping?.aborted) break;
    }
    await new Promise<void>((resolve) => {
      wake = resolve;
    });
  }
  stopping?.removeEventListener('abort', onStop);
  if (hasError) throw error;
  // stopped by the cap rather than for lack of due deliveries; or new events came in (more may
  // have been committed while this run sent): only a run that found nothing new waits an interval
  const more = !stopping?.aborted && (claims >= MAX_BATCHES_PER_RUN || fanned > 0);
  return { fanned, sent, failed, more };

  async function attempt(delivery: ClaimedDelivery): Promise<Attempt> {
    const startedAt = new Date();
    const result = await sender.send(delivery);
    const retryInMs = fullJitterDelayMs(delivery.attempt, { baseMs: config.WEBHOOK_BASE_MS, capMs: config.WEBHOOK_CAP_MS });
    return { delivery, record: { startedAt, ...result, retryInMs: Math.max(retryInMs, config.WEBHOOK_BASE_MS / 2) } };
  }
}
