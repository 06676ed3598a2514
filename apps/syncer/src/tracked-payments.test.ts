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
