import { describe, expect, test } from 'vitest';
import type { SubmitOutcome } from '../gateway/gateway-client.js';
import type { PaymentStatus } from '../payments/status.js';
import { decideLateOutcome, decideOutcome, decideUnrecorded, type OutcomeOptions } from './outcomes.js';

const createdAt = new Date('2026-12-01T12:00:00Z');
const accepted = (confirmationId = 'c-1'): SubmitOutcome => ({ kind: 'accepted', confirmationId, gatewayCreatedAt: createdAt });
const ambiguous: SubmitOutcome = { kind: 'ambiguous', reason: 'gateway answered 503' };
const refused: SubmitOutcome = { kind: 'rejected', reason: 'gateway refused the payment (HTTP 422)' };
const notDelivered = (retryAfterMs?: number): SubmitOutcome =>
  retryAfterMs === undefined
    ? { kind: 'not_delivered', reason: 'gateway unreachable (ECONNREFUSED)' }
    : { kind: 'not_delivered', reason: 'gateway answered 429', retryAfterMs };

/** random() = 0.5: the jittered delay is half the backoff ceiling (base 1000 · 2^(n-1), cap 64 s). */
const options: OutcomeOptions = {
  maxAttempts: 10,
  backoff: { baseMs: 1000, capMs: 64_000 },
  retryAfterCapMs: 300_000,
  random: () => 0.5,
};

describe('decideOutcome', () => {
  test.each<[string, SubmitOutcome, number, ReturnType<typeof decideOutcome>]>([
    ['accepted → its confirmation', accepted(), 1, { record: 'accepted', confirmationId: 'c-1', gatewayCreatedAt: createdAt }],
    [
      'accepted at the cap is still accepted',
      accepted('c-9'),
      10,
      { record: 'accepted', confirmationId: 'c-9', gatewayCreatedAt: createdAt },
    ],
    ['refused for good → rejected', refused, 1, { record: 'rejected', reason: 'gateway refused the payment (HTTP 422)' }],
    ['ambiguous → unconfirmed, never retried blindly', ambiguous, 1, { record: 'unconfirmed', reason: 'gateway answered 503' }],
    [
      'ambiguous at the cap → unconfirmed (it may be at the gateway), not rejected',
      ambiguous,
      10,
      { record: 'unconfirmed', reason: 'gateway answered 503' },
    ],
    ['ambiguous past the cap → unconfirmed', ambiguous, 12, { record: 'unconfirmed', reason: 'gateway answered 503' }],
    [
      'not delivered on the first attempt → retry after the jittered backoff',
      notDelivered(),
      1,
      { record: 'retry', reason: 'gateway unreachable (ECONNREFUSED)', retryInMs: 500 },
    ],
    [
      'not delivered on the fourth → a longer backoff',
      notDelivered(),
      4,
      { record: 'retry', reason: 'gateway unreachable (ECONNREFUSED)', retryInMs: 4000 },
    ],
    [
      'the backoff is capped',
      notDelivered(),
      9,
      { record: 'retry', reason: 'gateway unreachable (ECONNREFUSED)', retryInMs: 32_000 },
    ],
    [
      'a Retry-After longer than the backoff is honoured',
      notDelivered(20_000),
      1,
      { record: 'retry', reason: 'gateway answered 429', retryInMs: 20_000 },
    ],
    [
      'a Retry-After shorter than the backoff: the backoff',
      notDelivered(100),
      4,
      { record: 'retry', reason: 'gateway answered 429', retryInMs: 4000 },
    ],
    [
      'a huge Retry-After is capped, so nothing is parked for ever',
      notDelivered(86_400_000 * 30),
      1,
      { record: 'retry', reason: 'gateway answered 429', retryInMs: 300_000 },
    ],
    ['Retry-After: 0', notDelivered(0), 1, { record: 'retry', reason: 'gateway answered 429', retryInMs: 500 }],
    [
      'not delivered at the cap → rejected, saying so (every attempt provably never arrived)',
      notDelivered(),
      10,
      { record: 'rejected', reason: 'gateway unavailable after 10 attempts (last: gateway unreachable (ECONNREFUSED))' },
    ],
    [
      'not delivered past the cap → rejected',
      notDelivered(5000),
      11,
      { record: 'rejected', reason: 'gateway unavailable after 11 attempts (last: gateway answered 429)' },
    ],
  ])('%s', (_name, outcome, attempt, want) => {
    expect(decideOutcome(outcome, attempt, options)).toEqual(want);
  });

  test('the backoff’s own random source is used when none is given', () => {
    const decision = decideOutcome(notDelivered(), 3, {
      ...options,
      random: undefined,
      backoff: { ...options.backoff, random: () => 0.25 },
    });
    expect(decision).toEqual({ record: 'retry', reason: 'gateway unreachable (ECONNREFUSED)', retryInMs: 1000 });
  });

  test('with a real random source the delay stays within [0, ceiling)', () => {
    for (let i = 0; i < 200; i++) {
      const decision = decideOutcome(notDelivered(), 3, { ...options, random: undefined });
      expect(decision.record).toBe('retry');
      if (decision.record !== 'retry') return;
      expect(decision.retryInMs).toBeGreaterThanOrEqual(0);
      expect(decision.retryInMs).toBeLessThan(4000);
    }
  });
});

describe('decideUnrecorded', () => {
  test.each<[number, number, ReturnType<typeof decideUnrecorded>]>([
    [1, 10, { record: 'requeue' }],
    [9, 10, { record: 'requeue' }],
    [10, 10, { record: 'rejected', reason: 'the gateway recorded none of 10 attempts; not sent again' }],
    [11, 10, { record: 'rejected', reason: 'the gateway recorded none of 11 attempts; not sent again' }],
    [1, 1, { record: 'rejected', reason: 'the gateway recorded none of 1 attempts; not sent again' }],
  ])('attempt %i of at most %i', (attempt, max, want) => {
    expect(decideUnrecorded(attempt, max)).toEqual(want);
  });
});

describe('decideLateOutcome', () => {
  const current = (status: PaymentStatus, attempts: number, confirmationId: string | null = null) => ({
    status,
    attempts,
    confirmationId,
  });
  test.each<[string, ReturnType<typeof current>, number, SubmitOutcome, 'link' | 'alarm' | 'record_only', RegExp?]>([
    ['a late failure is only recorded', current('unconfirmed', 1), 1, ambiguous, 'record_only'],
    ['a late not-delivered is only recorded', current('received', 1), 1, notDelivered(), 'record_only'],
    ['a late refusal is only recorded', current('unconfirmed', 1), 1, refused, 'record_only'],
    [
      'a late acceptance of the entry already linked is only recorded',
      current('pending', 1, 'c-1'),
      1,
      accepted('c-1'),
      'record_only',
    ],
    ['…even after the payment settled', current('settled', 1, 'c-1'), 1, accepted('c-1'), 'record_only'],
    [
      'a late acceptance while the attempt is unconfirmed and nothing newer was sent: link',
      current('unconfirmed', 2),
      2,
      accepted(),
      'link',
    ],
    [
      'a late acceptance after its window proved empty and it was re-queued, not yet sent again: link (no second send)',
      current('received', 2),
      2,
      accepted(),
      'link',
    ],
    [
      'a late acceptance after a newer attempt was sent: the gateway may hold it twice',
      current('unconfirmed', 3),
      2,
      accepted(),
      'alarm',
      /attempt 2 was accepted after attempt 3 was sent: the gateway may hold this payment twice/,
    ],
    [
      'a late acceptance after a newer attempt was accepted',
      current('pending', 3, 'c-other'),
      2,
      accepted(),
      'alarm',
      /attempt 2 was accepted after attempt 3 was sent/,
    ],
    [
      'a late acceptance after the list linked another entry to the same attempt',
      current('pending', 2, 'c-other'),
      2,
      accepted(),
      'alarm',
      /attempt 2 was accepted after the payment became pending/,
    ],
    [
      'a late acceptance after a group resolution (a final status)',
      current('settled', 1),
      1,
      accepted(),
      'alarm',
      /became settled/,
    ],
    ['a late acceptance after the payment was rejected', current('rejected', 10), 10, accepted(), 'alarm', /became rejected/],
  ])('%s', (_name, state, attempt, outcome, action, why) => {
    const decision = decideLateOutcome(state, { attempt, outcome });
    expect(decision.action).toBe(action);
    if (why && decision.action === 'alarm') expect(decision.why).toMatch(why);
  });
});
