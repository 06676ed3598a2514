import { describe, expect, it } from 'vitest';
import { FixedWindowLimiter } from './rate-limit.js';

describe('FixedWindowLimiter', () => {
  it('counts each key in its own window, from its first request', () => {
    const limiter = new FixedWindowLimiter(3, 1000);
    const counts = [1, 2, 3, 4].map(() => limiter.hit('a', 5000).count);
    expect(counts).toEqual([1, 2, 3, 4]);
    expect(limiter.hit('b', 5500)).toEqual({ count: 1, endsAt: 6500 });
    expect(limiter.hit('a', 5999)).toEqual({ count: 5, endsAt: 6000 });
  });

  it('starts a fresh window once the last one has ended', () => {
    const limiter = new FixedWindowLimiter(2, 1000);
    limiter.hit('a', 0);
    limiter.hit('a', 10);
    expect(limiter.hit('a', 999).count).toBe(3);
    expect(limiter.hit('a', 1000)).toEqual({ count: 1, endsAt: 2000 });
  });

  it('remembers at most maxKeys keys, dropping ended windows before live ones', () => {
    const limiter = new FixedWindowLimiter(5, 1000, 10);
    limiter.hit('early', 0); // ends at 1000
    for (let i = 0; i < 9; i++) limiter.hit(`live-${i}`, 900); // end at 1900
    expect(limiter.size).toBe(10);
    limiter.hit('late', 1200); // full: 'early' has ended and goes
    expect(limiter.size).toBe(10);
    expect(limiter.hit('live-0', 1200).count).toBe(2); // still counting
    expect(limiter.hit('early', 1200).count).toBe(1); // forgotten, starts again
  });

  it('drops the oldest keys when every window is live, so a flood of addresses stays bounded', () => {
    const limiter = new FixedWindowLimiter(5, 60_000, 100);
    for (let i = 0; i < 1000; i++) limiter.hit(`ip-${i}`, i);
    expect(limiter.size).toBeLessThanOrEqual(100);
    expect(limiter.hit('ip-999', 1000).count).toBe(2); // the newest are kept
    expect(limiter.hit('ip-0', 1000).count).toBe(1); // the oldest were dropped
  });

  it('counts, refunds and tells when a window ends without counting a request', () => {
    const limiter = new FixedWindowLimiter(3, 1000);
    expect(limiter.count('a', 0)).toBe(0);
    expect(limiter.endsAt('a', 0)).toBe(0);
    limiter.hit('a', 0);
    limiter.hit('a', 10);
    expect(limiter.count('a', 20)).toBe(2);
    limiter.refund('a', 20);
    expect(limiter.count('a', 20)).toBe(1);
    expect(limiter.endsAt('a', 20)).toBe(1000);
    expect(limiter.count('a', 1000)).toBe(0); // the window has ended
    limiter.refund('b', 20); // no window: nothing to take back
    expect(limiter.count('b', 20)).toBe(0);
  });
});
