import { describe, expect, test } from 'vitest';
import { matchUnconfirmed, type Orphan, type PossibleOwner } from './matching.js';

const skewMs = 10;
const listedAt = 10_000;
const unconfirmed = (id: string, from: number, until: number): PossibleOwner => ({ id, from, until });
const inFlight = (id: string, from: number): PossibleOwner => ({ id, from, until: null });
const orphan = (confirmationId: string, createdAt: number): Orphan => ({ confirmationId, createdAt });

describe('matchUnconfirmed', () => {
  test.each<[string, PossibleOwner[], Orphan[], Partial<ReturnType<typeof matchUnconfirmed>>]>([
    [
      'one payment, one orphan in its window: linked',
      [unconfirmed('a', 100, 200)],
      [orphan('x', 150)],
      { links: [{ paymentId: 'a', confirmationId: 'x' }], requeue: [] },
    ],
    [
      'no orphan in the window, list read after it closed: re-queued',
      [unconfirmed('a', 100, 200)],
      [],
      { links: [], requeue: ['a'] },
    ],
    [
      'an orphan just outside the window (beyond the skew) does not count',
      [unconfirmed('a', 100, 200)],
      [orphan('x', 211)],
      { requeue: ['a'], unclaimed: ['x'] },
    ],
    [
      'an orphan inside the skew counts',
      [unconfirmed('a', 100, 200)],
      [orphan('x', 205)],
      { links: [{ paymentId: 'a', confirmationId: 'x' }] },
    ],
    [
      'two overlapping payments, two orphans in both windows: ambiguous, nothing linked',
      [unconfirmed('a', 100, 300), unconfirmed('b', 150, 350)],
      [orphan('x', 200), orphan('y', 250)],
      {
        links: [],
        requeue: [],
        ambiguous: [
          { paymentId: 'a', candidates: 2 },
          { paymentId: 'b', candidates: 2 },
        ],
      },
    ],
    [
      'elimination: x only fits a, so y must be b’s',
      [unconfirmed('a', 100, 200), unconfirmed('b', 150, 400)],
      [orphan('x', 120), orphan('y', 180)],
      {
        links: [
          { paymentId: 'a', confirmationId: 'x' },
          { paymentId: 'b', confirmationId: 'y' },
        ],
        ambiguous: [],
      },
    ],
    [
      'elimination: x only fits a; b then has no orphan left and was never recorded',
      [unconfirmed('a', 100, 200), unconfirmed('b', 150, 400)],
      [orphan('x', 120)],
      { links: [{ paymentId: 'a', confirmationId: 'x' }], requeue: ['b'] },
    ],
    [
      'an orphan an attempt in flight could own: decided later, not linked',
      [unconfirmed('a', 100, 200), inFlight('c', 150)],
      [orphan('x', 180)],
      { links: [], requeue: [], deferred: [{ paymentId: 'a', reason: 'in_flight' }] },
    ],
    [
      'an orphan only the in-flight attempt can own is set aside, the unconfirmed one is re-queued',
      [unconfirmed('a', 100, 200), inFlight('c', 500)],
      [orphan('z', 600)],
      { links: [], requeue: ['a'] },
    ],
    [
      'two orphans only one payment could own: the premise broke, left for an operator',
      [unconfirmed('a', 100, 200)],
      [orphan('x', 120), orphan('y', 180)],
      { links: [], requeue: [], ambiguous: [{ paymentId: 'a', candidates: 2 }] },
    ],
    [
      'the window has not closed when the list was read: wait',
      [unconfirmed('a', 100, 9_995)],
      [],
      { requeue: [], deferred: [{ paymentId: 'a', reason: 'window_open' }] },
    ],
  ])('%s', (_name, owners, orphans, expected) => {
    const decisions = matchUnconfirmed(owners, orphans, { skewMs, listedAt });
    for (const [key, value] of Object.entries(expected)) expect(decisions[key as keyof typeof decisions], key).toEqual(value);
  });

  test('never links one orphan to two payments, nor two orphans to one payment', () => {
    const owners = Array.from({ length: 20 }, (_, i) => unconfirmed(`p${i}`, i * 50, i * 50 + 120));
    const orphans = Array.from({ length: 12 }, (_, i) => orphan(`o${i}`, i * 83 + 7));
    const { links } = matchUnconfirmed(owners, orphans, { skewMs, listedAt });
    expect(new Set(links.map((l) => l.paymentId)).size).toBe(links.length);
    expect(new Set(links.map((l) => l.confirmationId)).size).toBe(links.length);
    for (const link of links) {
      const owner = owners.find((o) => o.id === link.paymentId);
      const entry = orphans.find((o) => o.confirmationId === link.confirmationId);
      expect(entry && owner && entry.createdAt >= owner.from - skewMs && entry.createdAt <= (owner.until ?? 0) + skewMs).toBe(
        true,
      );
    }
  });
});
