import { describe, expect, it } from 'vitest';
import { isReplayable, type Outcome, retryAfterMs, retryDelayMs, shouldRetry } from './retry-policy.js';

const answer = (status: number, problemType?: string): Outcome => ({ kind: 'answer', status, problemType });

describe('isReplayable', () => {
  it.each([
    ['GET', '/payments/1', false, true],
    ['HEAD', '/payments', false, true],
    ['POST', '/payments', true, true],
    ['POST', '/payments', false, false],
    ['POST', '/webhook-endpoints', true, false],
    ['POST', '/admin/payments/1/requeue', true, false],
    ['DELETE', '/webhook-endpoints/1', false, false],
    ['PATCH', '/webhook-endpoints/1', true, false],
  ])('%s %s (key: %s) → %s', (method, path, hasKey, expected) => {
    expect(isReplayable(method, path, hasKey)).toBe(expected);
  });
});

describe('shouldRetry', () => {
  it.each<[string, Outcome, boolean, boolean]>([
    ['a network error, replayable', { kind: 'network-error' }, true, true],
    ['a network error, not replayable', { kind: 'network-error' }, false, false],
    ['503, replayable', answer(503), true, true],
    ['503, not replayable', answer(503), false, false],
    ['429, replayable', answer(429), true, true],
    ['429, not replayable (refused before anything was done)', answer(429), false, true],
    ['409 idempotency-in-progress', answer(409, '/problems/idempotency-in-progress'), true, true],
    ['409 another conflict', answer(409, '/problems/requeue-needs-force'), true, false],
    ['409 without a problem body', answer(409), true, false],
    ['400', answer(400), true, false],
    ['401', answer(401), true, false],
    ['403', answer(403), true, false],
    ['404', answer(404), true, false],
    ['422', answer(422, '/problems/validation-error'), true, false],
    ['500 outcome-unknown (may have paid)', answer(500, '/problems/outcome-unknown'), true, false],
    ['502', answer(502), true, false],
    ['201', answer(201), true, false],
  ])('%s → %s', (_, outcome, replayable, expected) => {
    expect(shouldRetry(outcome, replayable)).toBe(expected);
  });
});

describe('retryAfterMs', () => {
  const now = Date.parse('2026-12-02T02:00:00Z');
  it.each<[string | null | undefined, number | undefined]>([
    ['1', 1000],
    [' 30 ', 30_000],
    ['0', 0],
    ['Wed, 02 Dec 2026 02:00:05 GMT', 5000],
    ['Wed, 02 Dec 2026 01:59:00 GMT', 0],
    ['soon', undefined],
    ['-1', undefined],
    ['', undefined],
    [null, undefined],
    [undefined, undefined],
  ])('%j → %j', (value, expected) => {
    expect(retryAfterMs(value, now)).toBe(expected);
  });
});

describe('retryDelayMs', () => {
  const options = { baseDelayMs: 100, maxDelayMs: 1000 };
  it.each<[string, number, number | undefined, number, number | undefined]>([
    ['full jitter: the top of retry 1 is the base', 1, undefined, 0.999, 99],
    ['full jitter: retry 3 under base * 4', 3, undefined, 0.5, 200],
    ['full jitter can be no wait at all', 2, undefined, 0, 0],
    ['bounded by maxDelayMs', 10, undefined, 0.999, 999],
    ['at least Retry-After', 1, 500, 0.1, 500],
    ['jitter above Retry-After is kept', 5, 100, 0.9, 900],
    ['Retry-After equal to the cap is waited for', 1, 1000, 0, 1000],
    ['Retry-After above the cap: no retry', 1, 1001, 0.5, undefined],
  ])('%s', (_, retry, retryAfter, random, expected) => {
    expect(retryDelayMs(retry, options, retryAfter, () => random)).toBe(expected);
  });
});
