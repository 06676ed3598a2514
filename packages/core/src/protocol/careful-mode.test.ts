import { describe, expect, test } from 'vitest';
import {
  type AttemptOutcome,
  type CarefulModeOptions,
  decideCarefulMode,
  isUnknown,
  mayStartCarefulSend,
  type RecentOutcome,
} from './careful-mode.js';

const NOW = 1_000_000;
const rule: CarefulModeOptions = { enterAfter: 3, withinMs: 60_000, exitAfter: 3 };

/** Outcomes newest first, `ago` ms before NOW each. */
function recent(...items: Array<[AttemptOutcome, number]>): RecentOutcome[] {
  return items.map(([outcome, ago]) => ({ outcome, endedAt: NOW - ago }));
}

/** Outcomes newest first, ended `ago` and sent `sentAgo` ms before NOW. */
function recentSent(...items: Array<[AttemptOutcome, number, number]>): RecentOutcome[] {
  return items.map(([outcome, ago, sentAgo]) => ({ outcome, endedAt: NOW - ago, startedAt: NOW - sentAgo }));
}

describe('decideCarefulMode', () => {
  test.each<[string, number | null, RecentOutcome[], { careful: boolean; changed: boolean }]>([
    ['normal, nothing happened', null, [], { careful: false, changed: false }],
    [
      'normal, two unknown outcomes: below the threshold',
      null,
      recent(['ambiguous', 10], ['ambiguous', 20]),
      { careful: false, changed: false },
    ],
    [
      'normal, three ambiguous within the span: careful',
      null,
      recent(['ambiguous', 10], ['ambiguous', 20], ['ambiguous', 30]),
      { careful: true, changed: true },
    ],
    [
      'interrupted attempts (a process died mid-send) count as unknown',
      null,
      recent(['interrupted', 10], ['ambiguous', 20], ['interrupted', 30]),
      { careful: true, changed: true },
    ],
    [
      'accepted sends in between do not reset the count',
      null,
      recent(['ambiguous', 10], ['accepted', 15], ['ambiguous', 20], ['accepted', 25], ['ambiguous', 30]),
      { careful: true, changed: true },
    ],
    [
      'one of the three is older than the span',
      null,
      recent(['ambiguous', 10], ['ambiguous', 20], ['ambiguous', 60_001]),
      { careful: false, changed: false },
    ],
    [
      'exactly the span ago is outside it',
      null,
      recent(['ambiguous', 10], ['ambiguous', 20], ['ambiguous', 60_000]),
      { careful: false, changed: false },
    ],
    [
      'provable non-delivery and refusals are not unknown outcomes',
      null,
      recent(['not_delivered', 10], ['not_delivered', 20], ['rejected', 30], ['ambiguous', 40], ['ambiguous', 50]),
      { careful: false, changed: false },
    ],
    ['careful, nothing since: stays', NOW - 5000, recent(['ambiguous', 6000]), { careful: true, changed: false }],
    [
      'careful, three accepted in a row since it began: back to normal',
      NOW - 5000,
      recent(['accepted', 10], ['accepted', 20], ['accepted', 30], ['ambiguous', 6000]),
      { careful: false, changed: true },
    ],
    [
      'careful, the newest three accepted after an unknown one since: back to normal',
      NOW - 5000,
      recent(['accepted', 10], ['accepted', 20], ['accepted', 30], ['ambiguous', 40]),
      { careful: false, changed: true },
    ],
    [
      'careful, three accepted in a row, but three unknown outcomes still within the span: stays',
      NOW - 50_000,
      recentSent(
        ['accepted', 10, 20],
        ['accepted', 30, 40],
        ['accepted', 50, 60],
        ['ambiguous', 100, 600],
        ['ambiguous', 1000, 1600],
        ['interrupted', 20_000, 30_000],
      ),
      { careful: true, changed: false },
    ],
    [
      'careful, two accepted then an unknown one newest: stays',
      NOW - 5000,
      recent(['ambiguous', 10], ['accepted', 20], ['accepted', 30]),
      { careful: true, changed: false },
    ],
    [
      'careful, only two accepted since it began (the third is older): stays',
      NOW - 5000,
      recent(['accepted', 10], ['accepted', 20], ['accepted', 5001]),
      { careful: true, changed: false },
    ],
    [
      'careful, an outcome ending exactly when it began counts',
      NOW - 5000,
      recent(['accepted', 10], ['accepted', 20], ['accepted', 5000]),
      { careful: false, changed: true },
    ],
    [
      'careful, three accepted but sent before it began (already in flight): stays',
      NOW - 5000,
      recentSent(['accepted', 10, 6000], ['accepted', 20, 5500], ['accepted', 30, 5001]),
      { careful: true, changed: false },
    ],
    [
      'careful, three accepted and sent since it began: back to normal',
      NOW - 5000,
      recentSent(['accepted', 10, 100], ['accepted', 20, 200], ['accepted', 30, 5000]),
      { careful: false, changed: true },
    ],
    [
      'careful, the newest sent before it began does not count, three older careful ones do',
      NOW - 5000,
      recentSent(['accepted', 10, 6000], ['accepted', 20, 100], ['accepted', 30, 200], ['accepted', 40, 300]),
      { careful: false, changed: true },
    ],
    [
      'careful, a not-delivered answer breaks the run',
      NOW - 5000,
      recent(['accepted', 10], ['not_delivered', 20], ['accepted', 30], ['accepted', 40]),
      { careful: true, changed: false },
    ],
    [
      'careful, however many unknown outcomes: stays, no change reported',
      NOW - 5000,
      recent(['ambiguous', 10], ['ambiguous', 20], ['ambiguous', 30], ['ambiguous', 40]),
      { careful: true, changed: false },
    ],
  ])('%s', (_name, carefulSince, outcomes, want) => {
    const decision = decideCarefulMode(carefulSince, outcomes, NOW, rule);
    expect({ careful: decision.careful, changed: decision.changed }).toEqual(want);
    expect(decision.reason).toBeTruthy();
  });

  test('the reason says why it changed', () => {
    expect(decideCarefulMode(null, recent(['ambiguous', 1], ['ambiguous', 2], ['interrupted', 3]), NOW, rule).reason).toMatch(
      /3 submissions with unknown outcome within 60000 ms/,
    );
    expect(decideCarefulMode(NOW - 10, recent(['accepted', 1], ['accepted', 2], ['accepted', 3]), NOW, rule).reason).toMatch(
      /3 submissions accepted in a row/,
    );
  });
});

describe('mayStartCarefulSend', () => {
  const quiet = 9000;
  test.each<[string, { inFlight: number; lastUnknownEndedAt: number | null }, boolean]>([
    ['nothing in flight, no unknown outcome yet', { inFlight: 0, lastUnknownEndedAt: null }, true],
    ['another send in flight', { inFlight: 1, lastUnknownEndedAt: null }, false],
    ['another send in flight, long after the last unknown outcome', { inFlight: 2, lastUnknownEndedAt: NOW - 100_000 }, false],
    ['the last unknown outcome’s window may still be open', { inFlight: 0, lastUnknownEndedAt: NOW - quiet + 1 }, false],
    ['exactly the quiet time after it', { inFlight: 0, lastUnknownEndedAt: NOW - quiet }, true],
    ['well after it', { inFlight: 0, lastUnknownEndedAt: NOW - 60_000 }, true],
  ])('%s', (_name, state, want) => {
    expect(mayStartCarefulSend(state, NOW, quiet)).toBe(want);
  });
});

describe('isUnknown', () => {
  test.each<[AttemptOutcome, boolean]>([
    ['accepted', false],
    ['not_delivered', false],
    ['rejected', false],
    ['ambiguous', true],
    ['interrupted', true],
  ])('%s → %s', (outcome, unknown) => {
    expect(isUnknown(outcome)).toBe(unknown);
  });
});
