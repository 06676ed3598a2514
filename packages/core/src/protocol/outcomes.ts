/**
 * What to record for a send's outcome, and for an outcome that arrives after its attempt was
 * fenced off. Pure: the caller passes the attempt, the limits and a random source.
 */
import { type BackoffOptions, fullJitterDelayMs } from '../backoff.js';
import type { SubmitOutcome } from '../gateway/gateway-client.js';
import type { PaymentStatus } from '../payments/status.js';

export type OutcomeDecision =
  | { record: 'accepted'; confirmationId: string; gatewayCreatedAt: Date | null }
  /** Provably not delivered: queue the next attempt after `retryInMs`. */
  | { record: 'retry'; reason: string; retryInMs: number }
  | { record: 'rejected'; reason: string }
  /** The gateway may have it: never re-sent blindly; the syncer settles it from the list. */
  | { record: 'unconfirmed'; reason: string };

export interface OutcomeOptions {
  maxAttempts: number;
  backoff: BackoffOptions;
  /** A gateway's Retry-After is honoured up to this, so a huge value cannot park a payment. */
  retryAfterCapMs: number;
  random?: () => number;
}

/**
 * Every earlier attempt of a payment either provably never arrived or was proven unrecorded
 * (that is the only way a payment is sent again), so at the cap a not-delivered attempt means
 * no attempt ever reached the gateway: rejected, with the reason.
 */
export function decideOutcome(outcome: SubmitOutcome, attempt: number, options: OutcomeOptions): OutcomeDecision {
  switch (outcome.kind) {
    case 'accepted':
      return { record: 'accepted', confirmationId: outcome.confirmationId, gatewayCreatedAt: outcome.gatewayCreatedAt };
    case 'rejected':
      return { record: 'rejected', reason: outcome.reason };
    case 'ambiguous':
      return { record: 'unconfirmed', reason: outcome.reason };
    case 'not_delivered': {
      if (attempt >= options.maxAttempts) {
        return { record: 'rejected', reason: `gateway unavailable after ${attempt} attempts (last: ${outcome.reason})` };
      }
      const retryAfterMs = Math.min(outcome.retryAfterMs ?? 0, options.retryAfterCapMs);
      return {
        record: 'retry',
        reason: outcome.reason,
        retryInMs: Math.max(
          retryAfterMs,
          fullJitterDelayMs(attempt, { ...options.backoff, random: options.random ?? options.backoff.random }),
        ),
      };
    }
  }
}

/** What the gateway's list proving an attempt unrecorded leads to: another send, or the end. */
export function decideUnrecorded(
  attempt: number,
  maxAttempts: number,
): { record: 'requeue' } | { record: 'rejected'; reason: string } {
  return attempt >= maxAttempts
    ? { record: 'rejected', reason: `the gateway recorded none of ${attempt} attempts; not sent again` }
    : { record: 'requeue' };
}

export type LateOutcomeDecision =
  /** Nothing newer was sent: the late acceptance is this payment's entry. */
  | { action: 'link' }
  /** The gateway holds this payment although we moved on (a newer send, or a final status). */
  | { action: 'alarm'; why: string }
  | { action: 'record_only' };

/**
 * An answer for attempt `late.attempt` that arrived after the attempt stopped being current
 * (its lease ran out, or a newer one was opened). It is never applied over a newer attempt.
 */
export function decideLateOutcome(
  current: { status: PaymentStatus; attempts: number; confirmationId: string | null },
  late: { attempt: number; outcome: SubmitOutcome },
): LateOutcomeDecision {
  if (late.outcome.kind !== 'accepted' || current.confirmationId === late.outcome.confirmationId)
    return { action: 'record_only' };
  // Still on that attempt: unconfirmed (its lease ran out), or re-queued but not yet sent again.
  const onThatAttempt = current.attempts === late.attempt && current.confirmationId === null;
  if (onThatAttempt && (current.status === 'unconfirmed' || current.status === 'received')) return { action: 'link' };
  return {
    action: 'alarm',
    why:
      current.attempts > late.attempt
        ? `attempt ${late.attempt} was accepted after attempt ${current.attempts} was sent: the gateway may hold this payment twice`
        : `attempt ${late.attempt} was accepted after the payment became ${current.status}`,
  };
}
