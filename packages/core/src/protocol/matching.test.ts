import { describe, expect, test } from 'vitest';
import type { GatewayStatus } from '../payments/status.js';
import { type MatchDecisions, type MatchInput, matchUnconfirmed, type Owner, type UnownedEntry } from './matching.js';

/**
 * The matching rules, one scenario per row. Times are gateway-clock ms; the cycle's cutoff is
 * 1000 and entries before the foreign watermark (0) were checked by an earlier cycle, unless a
 * row says otherwise. Expected decisions are written compactly: `A#1` is payment A's attempt 1,
 * `A#1→e1` a link, `A#1+B#1⇒e1,e2:settled` a group, `A#1:reason` a deferral or ambiguity.
 */

function owner(paymentId: string, window: [number, number] | null, state: Owner['state'] = 'unconfirmed', attempt = 1): Owner {
  return { paymentId, attempt, state, window: window && { from: window[0], until: window[1] } };
}

function entry(confirmationId: string, createdAt: number, status: GatewayStatus = 'pending'): UnownedEntry {
  return { confirmationId, createdAt, status };
}

function input(owners: Owner[], entries: UnownedEntry[], overrides: Partial<MatchInput> = {}): MatchInput {
  return { owners, entries, cutoff: 1000, foreignWatermark: 0, listTrusted: true, paused: false, ...overrides };
}

interface Expected {
  links?: string[];
  unrecorded?: string[];
  groups?: string[];
  deferred?: string[];
  ambiguous?: string[];
  candidates?: string[];
  foreign?: string[];
}

/** Decisions in the compact notation, each list sorted, so rows compare whole outcomes. */
function compact(d: MatchDecisions): Required<Expected> {
  const r = (o: { paymentId: string; attempt: number }) => `${o.paymentId}#${o.attempt}`;
  return {
    links: d.links.map((l) => `${r(l)}→${l.confirmationId}`).sort(),
    unrecorded: d.unrecorded.map(r).sort(),
    groups: d.groups
      .map((g) => `${g.owners.map(r).sort().join('+')}⇒${[...g.confirmationIds].sort().join(',')}:${g.status}`)
      .sort(),
    deferred: d.deferred.map((x) => `${r(x)}:${x.reason}`).sort(),
    ambiguous: d.ambiguous.map((x) => `${r(x)}:${x.reason}[${[...x.candidates].sort().join(',')}]`).sort(),
    candidates: [...new Set(d.candidates.map((e) => e.confirmationId))].sort(),
    foreign: d.foreign.map((e) => e.confirmationId).sort(),
  };
}

function expected(e: Expected): Required<Expected> {
  return {
    links: [...(e.links ?? [])].sort(),
    unrecorded: [...(e.unrecorded ?? [])].sort(),
    groups: [...(e.groups ?? [])].sort(),
    deferred: [...(e.deferred ?? [])].sort(),
    ambiguous: [...(e.ambiguous ?? [])].sort(),
    candidates: [...(e.candidates ?? [])].sort(),
    foreign: [...(e.foreign ?? [])].sort(),
  };
}

const rows: Array<[string, MatchInput, Expected]> = [
  // --- the plain cases
  [
    'a single owner with its single entry is linked to it',
    input([owner('A', [100, 200])], [entry('e1', 150)]),
    { links: ['A#1→e1'] },
  ],
  [
    'the link carries the entry status (a terminal one too)',
    input([owner('A', [100, 200])], [entry('e1', 150, 'settled')]),
    { links: ['A#1→e1'] },
  ],
  [
    'a closed window with no entry, on a trusted list: never recorded',
    input([owner('A', [100, 200])], []),
    { unrecorded: ['A#1'] },
  ],
  [
    'an entry just after the window is not this owner’s: it is foreign, and the owner waits for an operator',
    input([owner('A', [100, 200])], [entry('e1', 201)]),
    { deferred: ['A#1:paused'], foreign: ['e1'] },
  ],
  [
    'window bounds are inclusive',
    input([owner('A', [100, 200]), owner('B', [300, 400])], [entry('e1', 100), entry('e2', 400)]),
    { links: ['A#1→e1', 'B#1→e2'] },
  ],
  [
    'the same closed window on an untrusted list: no absence decision',
    input([owner('A', [100, 200])], [], { listTrusted: false }),
    { deferred: ['A#1:list_untrusted'] },
  ],
  [
    'an untrusted list takes no link decision either',
    input([owner('A', [100, 200])], [entry('e1', 150)], { listTrusted: false }),
    { deferred: ['A#1:list_untrusted'], candidates: ['e1'] },
  ],
  [
    'a window still open (until after the cutoff) waits, and its entry is shown as a candidate',
    input([owner('A', [900, 1200])], [entry('e1', 950)]),
    { deferred: ['A#1:window_open'], candidates: ['e1'] },
  ],
  [
    'a window ending exactly at the cutoff is still open',
    input([owner('A', [900, 1000])], []),
    { deferred: ['A#1:window_open'] },
  ],
  [
    'an in-flight attempt whose window holds the same entry makes the unconfirmed owner wait',
    input([owner('A', [100, 200]), owner('B', [150, 300], 'in_flight')], [entry('e1', 180)]),
    { deferred: ['A#1:in_flight'], candidates: ['e1'] },
  ],
  [
    'an in-flight attempt overlapping a window with no entry in the overlap does not hold the other back',
    input([owner('A', [100, 200]), owner('B', [150, 300], 'in_flight')], [entry('e1', 250)]),
    { unrecorded: ['A#1'], candidates: ['e1'] },
  ],
  [
    'an in-flight attempt is never reported itself (only unconfirmed owners are decided)',
    input([owner('B', [150, 300], 'in_flight')], []),
    {},
  ],
  [
    'clock unknown for one owner (window null): it waits, and it holds every entry',
    input([owner('A', null)], [entry('e1', 150), entry('e2', 5)]),
    { deferred: ['A#1:clock_unknown'], candidates: ['e1', 'e2'] },
  ],
  [
    'an owner with an unknown window holds back every owner an entry joins it to',
    input([owner('A', null), owner('B', [100, 200])], [entry('e1', 150)]),
    { deferred: ['A#1:clock_unknown', 'B#1:clock_unknown'], candidates: ['e1'] },
  ],
  [
    'an unknown window joins no entry-less owner: that one is still judged',
    input([owner('A', null), owner('B', [100, 200])], []),
    { deferred: ['A#1:clock_unknown'], unrecorded: ['B#1'] },
  ],
  [
    'no cutoff (clock unknown): everything waits, nothing is called foreign',
    input([owner('A', [100, 200])], [entry('e1', 150), entry('stray', 600)], { cutoff: null }),
    { deferred: ['A#1:clock_unknown'] },
  ],
  // --- overlaps and groups
  [
    'two overlapping owners and one entry: ambiguous for both',
    input([owner('A', [100, 200]), owner('B', [150, 300])], [entry('e1', 180)]),
    { ambiguous: ['A#1:overlapping_windows[e1]', 'B#1:overlapping_windows[e1]'], candidates: ['e1'] },
  ],
  [
    'two owners, two entries in both windows, one terminal status: a group resolution',
    input([owner('A', [100, 200]), owner('B', [150, 300])], [entry('e1', 160, 'settled'), entry('e2', 190, 'settled')]),
    { groups: ['A#1+B#1⇒e1,e2:settled'] },
  ],
  [
    'a group whose entries all failed takes that status',
    input([owner('A', [100, 200]), owner('B', [150, 300])], [entry('e1', 160, 'failed'), entry('e2', 190, 'failed')]),
    { groups: ['A#1+B#1⇒e1,e2:failed'] },
  ],
  [
    'the same group with one entry still pending waits for the gateway to resolve it',
    input([owner('A', [100, 200]), owner('B', [150, 300])], [entry('e1', 160, 'settled'), entry('e2', 190, 'pending')]),
    { deferred: ['A#1:group_pending', 'B#1:group_pending'], candidates: ['e1', 'e2'] },
  ],
  [
    'a group all pending waits too',
    input([owner('A', [100, 200]), owner('B', [150, 300])], [entry('e1', 160), entry('e2', 190)]),
    { deferred: ['A#1:group_pending', 'B#1:group_pending'], candidates: ['e1', 'e2'] },
  ],
  [
    'a group whose entries ended differently is ambiguous (delivered, but which is which is unknown)',
    input([owner('A', [100, 200]), owner('B', [150, 300])], [entry('e1', 160, 'settled'), entry('e2', 190, 'returned')]),
    {
      ambiguous: ['A#1:group_statuses_differ[e1,e2]', 'B#1:group_statuses_differ[e1,e2]'],
      candidates: ['e1', 'e2'],
    },
  ],
  [
    'an owner with two entries only it could own: more entries than payments',
    input([owner('A', [100, 200])], [entry('e1', 120), entry('e2', 180)]),
    { ambiguous: ['A#1:more_entries_than_payments[e1,e2]'], candidates: ['e1', 'e2'] },
  ],
  [
    'two owners and three shared entries: more entries than payments',
    input(
      [owner('A', [100, 200]), owner('B', [150, 300])],
      [entry('e1', 160, 'settled'), entry('e2', 170, 'settled'), entry('e3', 180, 'settled')],
    ),
    {
      ambiguous: ['A#1:more_entries_than_payments[e1,e2,e3]', 'B#1:more_entries_than_payments[e1,e2,e3]'],
      candidates: ['e1', 'e2', 'e3'],
    },
  ],
  [
    'three owners sharing two entries: overlapping windows',
    input(
      [owner('A', [100, 200]), owner('B', [150, 300]), owner('C', [160, 320])],
      [entry('e1', 170, 'settled'), entry('e2', 180, 'settled')],
    ),
    {
      ambiguous: ['A#1:overlapping_windows[e1,e2]', 'B#1:overlapping_windows[e1,e2]', 'C#1:overlapping_windows[e1,e2]'],
      candidates: ['e1', 'e2'],
    },
  ],
  [
    'separate components are decided separately',
    input(
      [owner('A', [100, 200]), owner('B', [150, 300]), owner('C', [500, 600]), owner('D', [700, 800])],
      [entry('e1', 180), entry('e2', 550)],
    ),
    {
      ambiguous: ['A#1:overlapping_windows[e1]', 'B#1:overlapping_windows[e1]'],
      links: ['C#1→e2'],
      unrecorded: ['D#1'],
      candidates: ['e1'],
    },
  ],
  // --- elimination
  [
    'elimination: A alone holds e1; e2 is held by A and B; once A takes e1, B takes e2',
    input([owner('A', [100, 200]), owner('B', [150, 300])], [entry('e1', 120), entry('e2', 170)]),
    { links: ['A#1→e1', 'B#1→e2'] },
  ],
  [
    'elimination along a chain of three overlapping windows',
    input(
      [owner('A', [100, 200]), owner('B', [150, 300]), owner('C', [250, 400])],
      [entry('e1', 120), entry('e2', 170), entry('e3', 260)],
    ),
    { links: ['A#1→e1', 'B#1→e2', 'C#1→e3'] },
  ],
  [
    'elimination starts from whichever entry has a single owner, in any order of the list',
    input([owner('A', [100, 200]), owner('B', [150, 300])], [entry('e1', 170), entry('e0', 110)]),
    { links: ['A#1→e0', 'B#1→e1'] },
  ],
  [
    'elimination leaves an owner whose window holds only a linked entry: never recorded',
    input([owner('A', [100, 200]), owner('B', [150, 300])], [entry('e1', 120)]),
    { links: ['A#1→e1'], unrecorded: ['B#1'] },
  ],
  [
    'attempt numbers are carried through',
    input([owner('A', [100, 200], 'unconfirmed', 3), owner('B', [300, 400], 'unconfirmed', 7)], [entry('e1', 150)]),
    { links: ['A#3→e1'], unrecorded: ['B#7'] },
  ],
  // --- foreign entries, watermark, pause
  [
    'a stray entry in no window after the watermark is foreign, and nothing is linked or re-queued in that cycle',
    input([owner('A', [100, 200]), owner('B', [300, 400])], [entry('e1', 150), entry('stray', 600)]),
    { deferred: ['A#1:paused', 'B#1:paused'], candidates: ['e1'], foreign: ['stray'] },
  ],
  [
    'a stray entry before the watermark was checked already: ignored',
    input([owner('A', [100, 200]), owner('B', [300, 400])], [entry('e1', 150), entry('stray', 50)], { foreignWatermark: 60 }),
    { links: ['A#1→e1'], unrecorded: ['B#1'] },
  ],
  [
    'a stray entry exactly at the watermark is foreign',
    input([owner('A', [100, 200])], [entry('stray', 60)], { foreignWatermark: 60 }),
    { deferred: ['A#1:paused'], foreign: ['stray'] },
  ],
  [
    'no watermark yet: nothing is called foreign',
    input([owner('A', [100, 200])], [entry('stray', 600)], { foreignWatermark: null }),
    { unrecorded: ['A#1'] },
  ],
  ['a foreign entry with no owner at all is still reported', input([], [entry('stray', 600)]), { foreign: ['stray'] }],
  [
    'paused (foreign entries wait for an operator): closed windows wait',
    input([owner('A', [100, 200]), owner('B', [300, 400])], [entry('e1', 150)], { paused: true }),
    { deferred: ['A#1:paused', 'B#1:paused'], candidates: ['e1'] },
  ],
  [
    'paused does not hide a window that is still open (that reason comes first)',
    input([owner('A', [900, 1200])], [], { paused: true }),
    { deferred: ['A#1:window_open'] },
  ],
  // --- late entries (created at or after the cutoff)
  [
    'a late entry is not used this cycle: the closed window is judged without it (never recorded), and it is not foreign',
    input([owner('A', [100, 200])], [entry('late', 1000)]),
    { unrecorded: ['A#1'] },
  ],
  [
    'a late entry inside an open window is not a candidate yet; the window waits',
    input([owner('A', [900, 1200])], [entry('late', 1100)]),
    { deferred: ['A#1:window_open'] },
  ],
  [
    'a late entry does not join two owners into one component',
    input([owner('A', [100, 1200]), owner('B', [1050, 1300])], [entry('late', 1100)]),
    { deferred: ['A#1:window_open', 'B#1:window_open'] },
  ],
  [
    'a late entry next to an on-time one: only the on-time one is linked',
    input([owner('A', [100, 200])], [entry('e1', 150), entry('late', 1500)]),
    { links: ['A#1→e1'] },
  ],
];

describe('matchUnconfirmed', () => {
  test.each(rows)('%s', (_name, matchInput, want) => {
    expect(compact(matchUnconfirmed(matchInput))).toEqual(expected(want));
  });

  test('every unconfirmed owner gets exactly one decision, whatever the input', () => {
    for (const [, matchInput] of rows) {
      const d = matchUnconfirmed(matchInput);
      const decided = [...d.links, ...d.unrecorded, ...d.groups.flatMap((g) => g.owners), ...d.deferred, ...d.ambiguous].map(
        (o) => `${o.paymentId}#${o.attempt}`,
      );
      const unconfirmed = matchInput.owners.filter((o) => o.state === 'unconfirmed').map((o) => `${o.paymentId}#${o.attempt}`);
      expect(decided.sort()).toEqual(unconfirmed.sort());
    }
  });

  test('no entry is linked twice, and a group never reuses a linked entry', () => {
    for (const [, matchInput] of rows) {
      const d = matchUnconfirmed(matchInput);
      const taken = [...d.links.map((l) => l.confirmationId), ...d.groups.flatMap((g) => g.confirmationIds)];
      expect(new Set(taken).size).toBe(taken.length);
    }
  });
});
