import { describe, expect, it } from 'vitest';
import { TrackedPayments } from './tracked-payments.js';

describe('TrackedPayments', () => {
  it('finds a tracked confirmation_id with its status and gateway time, and nothing else', () => {
    const tracked = new TrackedPayments();
    tracked.add('gw-1', 'pending', null);
    tracked.add('gw-2', 'pending', new Date('2026-11-26T10:00:00.123Z'));
    const one = tracked.slotOf('gw-1');
    const two = tracked.slotOf('gw-2');
    expect(one).toBeDefined();
    expect(two).toBeDefined();
    expect(tracked.slotOf('gw-3')).toBeUndefined();
    expect(tracked.status(one as number)).toBe('pending');
    expect(tracked.gatewayUpdatedAt(one as number)).toBeNull();
    expect(tracked.gatewayUpdatedAt(two as number)?.toISOString()).toBe('2026-11-26T10:00:00.123Z');
    expect(tracked.size).toBe(2);
  });

  it('keeps the first of a repeated confirmation_id', () => {
    const tracked = new TrackedPayments();
    tracked.add('gw-1', 'pending', null);
    tracked.add('gw-1', 'settled', new Date());
    expect(tracked.size).toBe(1);
    expect(tracked.status(tracked.slotOf('gw-1') as number)).toBe('pending');
  });

  it('records an applied change', () => {
    const tracked = new TrackedPayments();
    tracked.add('gw-1', 'pending', null);
    const slot = tracked.slotOf('gw-1') as number;
    tracked.update(slot, 'settled', new Date('2026-11-26T11:00:00Z'));
    expect(tracked.status(slot)).toBe('settled');
    expect(tracked.gatewayUpdatedAt(slot)?.toISOString()).toBe('2026-11-26T11:00:00.000Z');
  });

  it('marks what a listing held, tells a duplicate, lists the rest, and starts over on reset', () => {
    const tracked = new TrackedPayments();
    for (const id of ['a', 'b', 'c']) tracked.add(id, 'pending', null);
    expect(tracked.markListed(tracked.slotOf('b') as number)).toBe(true);
    expect(tracked.markListed(tracked.slotOf('b') as number)).toBe(false);
    expect(tracked.unlisted()).toEqual(['a', 'c']);
    tracked.resetListed();
    expect(tracked.unlisted()).toEqual(['a', 'b', 'c']);
  });

  it('grows past its initial capacity without losing what it holds', () => {
    const tracked = new TrackedPayments();
    const at = new Date('2026-01-01T00:00:00Z');
    for (let i = 0; i < 5000; i++) tracked.add(`gw-${i}`, i % 2 === 0 ? 'pending' : 'settled', new Date(at.getTime() + i));
    tracked.markListed(tracked.slotOf('gw-4999') as number);
    expect(tracked.size).toBe(5000);
    expect(tracked.status(tracked.slotOf('gw-4998') as number)).toBe('pending');
    expect(tracked.status(tracked.slotOf('gw-4999') as number)).toBe('settled');
    expect(tracked.gatewayUpdatedAt(tracked.slotOf('gw-4999') as number)?.getTime()).toBe(at.getTime() + 4999);
    expect(tracked.unlisted()).toHaveLength(4999);
  });
});

describe('TrackedPayments: slotOf agrees with the set of tracked ids', () => {
  /** A small deterministic generator (mulberry32): the same ids on every run. */
  function random(seed: number) {
    let a = seed;
    return () => {
      a = (a + 0x6d2b79f5) | 0;
      let t = Math.imul(a ^ (a >>> 15), 1 | a);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  it.each([
    [
      'UUIDs',
      (n: number, r: () => number) => `${n.toString(16)}-${Math.floor(r() * 2 ** 32).toString(16)}-4abc-9def-0123456789ab`,
    ],
    ['counters', (n: number) => String(n)],
    ['short ids, empty included', (n: number) => 'abcdefgh'.slice(0, n % 9)],
    ['ids sharing their last 8 characters', (n: number) => `gw-${n}-same-end`],
    ['multi-byte ids', (n: number) => `paiement-é${n}-€`],
  ])('%s', (_name, make) => {
    const r = random(42);
    const tracked = new TrackedPayments();
    const expected = new Map<string, number>();
    // 20,000 tracked among 60,000 (grows the structure several times), then every id looked up.
    const all = Array.from({ length: 60_000 }, (_, n) => make(n, r));
    for (const id of all) {
      if (r() < 1 / 3) {
        tracked.add(id, 'pending', null);
        if (!expected.has(id)) expected.set(id, expected.size);
      }
    }
    const wrong = all.filter((id) => tracked.slotOf(id) !== expected.get(id));
    expect(wrong).toEqual([]);
    expect(tracked.size).toBe(expected.size);
  });
});
