import type { ApiClient } from '@pt/core';
import { describe, expect, it } from 'vitest';
import { AuthCache } from './auth-cache.js';

/** A clock the test moves by hand (lru-cache's TTLs read it). */
function manualClock(start = 1_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

const client = (keyId: string): ApiClient => ({ id: `client-${keyId}`, name: keyId, isAdmin: false, keyId });
const header = (keyId: string) => `Bearer pt_${keyId}_secret`;

describe('AuthCache', () => {
  it('keeps valid keys while junk fills the refused cache', () => {
    const cache = new AuthCache({ ttlMs: 10_000, maxValid: 10, maxFailed: 10 });
    cache.rememberValid(header('good'), client('good'), null, cache.epoch);
    for (let i = 0; i < 1000; i++) cache.rememberRefused(`Bearer junk-${i}`);
    expect(cache.validClient(header('good'))?.keyId).toBe('good');
    expect(cache.size.refused).toBe(10);
    expect(cache.isRefused('Bearer junk-999')).toBe(true);
    expect(cache.isRefused('Bearer junk-0')).toBe(false); // the oldest junk went, nothing else
  });

  it('evicts valid keys one at a time, least recently used first, never all at once', () => {
    const cache = new AuthCache({ ttlMs: 10_000, maxValid: 3 });
    for (const id of ['a', 'b', 'c']) cache.rememberValid(header(id), client(id), null, cache.epoch);
    cache.validClient(header('a')); // used: b is now the least recently used
    cache.rememberValid(header('d'), client('d'), null, cache.epoch);
    expect(['a', 'b', 'c', 'd'].map((id) => cache.validClient(header(id))?.keyId)).toEqual(['a', undefined, 'c', 'd']);
  });

  it('forgets revoked keys under every header they were sent with, and only those', () => {
    const cache = new AuthCache({ ttlMs: 10_000 });
    cache.rememberValid(header('gone'), client('gone'), null, cache.epoch);
    cache.rememberValid(`bearer  pt_gone_secret`, client('gone'), null, cache.epoch);
    cache.rememberValid(header('kept'), client('kept'), null, cache.epoch);
    cache.forgetKeys(['gone', 'never-cached']);
    expect(cache.validClient(header('gone'))).toBeUndefined();
    expect(cache.validClient('bearer  pt_gone_secret')).toBeUndefined();
    expect(cache.validClient(header('kept'))?.keyId).toBe('kept');
  });

  it('does not remember a look-up that was in flight when a key was revoked or the cache flushed', () => {
    const cache = new AuthCache({ ttlMs: 10_000 });
    const beforeRevocation = cache.epoch;
    cache.forgetKeys(['k']); // the NOTIFY arrives while the look-up's SELECT is on its way back
    cache.rememberValid(header('k'), client('k'), null, beforeRevocation);
    expect(cache.validClient(header('k'))).toBeUndefined();

    const beforeFlush = cache.epoch;
    cache.setHeard(false);
    cache.rememberValid(header('k'), client('k'), null, beforeFlush);
    expect(cache.validClient(header('k'))).toBeUndefined();
    cache.rememberValid(header('k'), client('k'), null, cache.epoch);
    expect(cache.validClient(header('k'))?.keyId).toBe('k');
  });

  it('keeps a valid key past the TTL while revocations are heard, and for the TTL only while they are not', () => {
    const clock = manualClock();
    const cache = new AuthCache({ ttlMs: 10_000, perf: clock });
    cache.setHeard(true);
    cache.rememberValid(header('heard'), client('heard'), null, cache.epoch);
    clock.advance(60_000);
    expect(cache.validClient(header('heard'))?.keyId).toBe('heard');

    cache.setHeard(false);
    expect(cache.validClient(header('heard'))).toBeUndefined(); // losing the LISTEN flushes
    cache.rememberValid(header('deaf'), client('deaf'), null, cache.epoch);
    clock.advance(9_999);
    expect(cache.validClient(header('deaf'))?.keyId).toBe('deaf');
    clock.advance(2);
    expect(cache.validClient(header('deaf'))).toBeUndefined();
  });

  it('flushes valid keys when revocations are heard again (some may have been missed)', () => {
    const cache = new AuthCache({ ttlMs: 10_000 });
    cache.rememberValid(header('k'), client('k'), null, cache.epoch);
    cache.setHeard(true);
    expect(cache.validClient(header('k'))).toBeUndefined();
  });

  it('remembers a key no longer than until it expires, and an expired one not at all', () => {
    const clock = manualClock();
    const cache = new AuthCache({ ttlMs: 10_000, perf: clock });
    cache.setHeard(true);
    const now = Date.now();
    cache.rememberValid(header('soon'), client('soon'), new Date(now + 3_000), cache.epoch, now);
    cache.rememberValid(header('past'), client('past'), new Date(now - 1), cache.epoch, now);
    expect(cache.validClient(header('past'))).toBeUndefined();
    clock.advance(2_999);
    expect(cache.validClient(header('soon'))?.keyId).toBe('soon');
    clock.advance(2);
    expect(cache.validClient(header('soon'))).toBeUndefined();
  });

  it('remembers nothing when AUTH_CACHE_TTL_MS is 0', () => {
    const cache = new AuthCache({ ttlMs: 0 });
    cache.rememberValid(header('k'), client('k'), null, cache.epoch);
    cache.rememberRefused('Bearer junk');
    expect(cache.validClient(header('k'))).toBeUndefined();
    expect(cache.isRefused('Bearer junk')).toBe(false);
  });
});
