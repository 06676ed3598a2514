import fc from 'fast-check';
import { afterAll, describe, expect, test } from 'vitest';
import { FAULT_KINDS } from './simulation/gateway.js';
import { type Schedule, scheduleArbitrary } from './simulation/schedule.js';
import { type CallerRules, type SimResult, simulate } from './simulation/world.js';

/**
 * A seeded simulation of the whole delivery protocol (issue 10, Proof), in the manner of
 * FoundationDB's and TigerBeetle's: API processes, syncers and a misbehaving gateway in
 * simulated time, processes crashing at random points, fast-check drawing the schedules (the
 * simulator is in ./simulation; see world.ts for what it models and the rules it applies).
 *
 * Four families of schedules:
 * - within_bound: every fault kind, crashes, stalls, clock offset, drift, second-truncated
 *   created_at, duplicated list entries, every recording within GATEWAY_MAX_RECORDING_DELAY;
 * - clock_step: the same with the gateway's clock stepping at a random time (±1 h, ±60 s,
 *   or up to ±20 s): held to the same invariants;
 * - wipe: the gateway loses its history at a random time;
 * - beyond_bound: some recordings come later than the bound.
 * Invariants (world.ts, judge): (a) no payment recorded twice at the gateway and (b) no payment
 * holding an entry another's request created, within the guarantee; (c) every payment ends
 * terminal, queued or unconfirmed (listed for an operator); (d) beyond the guarantee, no double
 * or wrong link without the alarm that fits, except where timing alone cannot tell (counted).
 *
 * A failing schedule prints fast-check's seed and path, the schedule, the violations and the
 * end of its trace. To replay it: SIM_KIND=<family> SIM_SEED=<seed> SIM_PATH=<path> vitest run
 * packages/core/src/protocol/simulation.test.ts, or paste the schedule into `replays` below.
 * SIM_SCALE multiplies the number of schedules (e.g. SIM_SCALE=10 for a long run).
 */
const SCALE = Number(process.env.SIM_SCALE ?? 1);
const KINDS = ['within_bound', 'clock_step', 'wipe', 'beyond_bound'] as const;
type Kind = (typeof KINDS)[number];
const RUNS: Record<Kind, number> = { within_bound: 1500, clock_step: 1000, wipe: 400, beyond_bound: 1100 };

interface Totals {
  schedules: number;
  payments: number;
  leftForOperator: number;
  doubles: number;
  wrongLinks: number;
  silentMaskedDoubles: number;
  maskedWrongLinks: number;
  alarmed: number;
  crashes: number;
  lateOutcomes: number;
  sends: number;
  ms: number;
}
const totals = Object.fromEntries(
  KINDS.map((k) => [
    k,
    {
      schedules: 0,
      payments: 0,
      leftForOperator: 0,
      doubles: 0,
      wrongLinks: 0,
      silentMaskedDoubles: 0,
      maskedWrongLinks: 0,
      alarmed: 0,
      crashes: 0,
      lateOutcomes: 0,
      sends: 0,
      ms: 0,
    },
  ]),
) as Record<Kind, Totals>;

const faultsMet: Record<string, number> = {};
const leftBecause: Record<string, number> = {};

function tally(kind: Kind, r: SimResult, ms: number): void {
  for (const [fault, n] of Object.entries(r.faults)) faultsMet[fault] = (faultsMet[fault] ?? 0) + (n ?? 0);
  if (kind !== 'beyond_bound')
    for (const [why, n] of Object.entries(r.operatorReasons)) leftBecause[why] = (leftBecause[why] ?? 0) + n;
  const t = totals[kind];
  t.schedules++;
  t.payments += r.payments;
  t.leftForOperator += r.leftForOperator;
  t.doubles += r.doubles;
  t.wrongLinks += r.wrongLinks;
  t.silentMaskedDoubles += r.silentMaskedDoubles;
  t.maskedWrongLinks += r.masked;
  t.alarmed += r.alarms.foreign || r.alarms.surplus || r.alarms.late_accept ? 1 : 0;
  t.crashes += r.crashes;
  t.lateOutcomes += r.lateOutcomes;
  t.sends += r.sends;
  t.ms += ms;
}

/** Throws with everything needed to understand a failing schedule (re-run with its trace). */
function assertClean(result: SimResult): void {
  if (result.violations.length === 0) return;
  const traced = simulate(result.schedule, { trace: true });
  throw new Error(
    [
      `${result.violations.length} violation(s):`,
      ...result.violations.map((v) => `  ${v}`),
      `schedule: ${JSON.stringify(result.schedule)}`,
      'trace (last 80 lines):',
      ...traced.trace.slice(-80).map((line) => `  ${line}`),
    ].join('\n'),
  );
}

function property(kind: Kind) {
  return fc.property(scheduleArbitrary(kind), (schedule) => {
    const started = performance.now();
    const result = simulate(schedule);
    tally(kind, result, performance.now() - started);
    assertClean(result);
  });
}

const replay = process.env.SIM_SEED
  ? { kind: process.env.SIM_KIND as Kind, seed: Number(process.env.SIM_SEED), path: process.env.SIM_PATH }
  : null;

const share = (t: Totals) => (t.payments === 0 ? 0 : t.leftForOperator / t.payments);

describe('delivery protocol simulation', () => {
  afterAll(() => {
    const rows = KINDS.map((k) => {
      const t = totals[k];
      return {
        family: k,
        schedules: t.schedules,
        payments: t.payments,
        sends: t.sends,
        crashes: t.crashes,
        'late outcomes': t.lateOutcomes,
        'left for operator': `${t.leftForOperator} (${(100 * share(t)).toFixed(1)} %)`,
        'recorded twice': t.doubles,
        'wrong links': t.wrongLinks,
        'schedules alarmed': t.alarmed,
        'silent, undetectable by timing (doubles / links)': `${t.silentMaskedDoubles} / ${t.maskedWrongLinks}`,
        'ms per schedule': t.schedules ? (t.ms / t.schedules).toFixed(2) : '-',
      };
    });
    console.log('delivery simulation figures:');
    console.table(rows);
    console.log(`sends per gateway behaviour: ${JSON.stringify(faultsMet)}`);
    console.log(`left for an operator within the guarantee, by the matching's last reason: ${JSON.stringify(leftBecause)}`);
  });

  test.each(KINDS.filter((k) => !replay || replay.kind === k))('%s: the invariants hold over every schedule', (kind) => {
    fc.assert(
      property(kind),
      replay ? { seed: replay.seed, path: replay.path, endOnFailure: true } : { numRuns: Math.round(RUNS[kind] * SCALE) },
    );
  });

  test.skipIf(replay !== null)('every fault kind was met, and the share left for an operator stays modest', () => {
    for (const kind of FAULT_KINDS) expect(faultsMet[kind] ?? 0, kind).toBeGreaterThan(20);
    const within = (['within_bound', 'clock_step', 'wipe'] as const).map((k) => totals[k]);
    const payments = within.reduce((n, t) => n + t.payments, 0);
    const left = within.reduce((n, t) => n + t.leftForOperator, 0);
    // Measured about 4–6 % within the guarantee over these schedules (faults on 5–80 % of sends
    // in most, crashes and stalls in half); about 15 % beyond it, where alarms pause automatic
    // decisions on purpose (no operator acknowledges them in the simulation): not asserted.
    expect(payments).toBeGreaterThan(1000);
    expect(left / payments).toBeLessThanOrEqual(0.1);
  });
});

/**
 * Fixed schedules, each found by the simulation. Each caller rule the production code must
 * apply (world.ts, CallerRules) has one: with the rule, the schedule is clean; without it, it
 * breaks an invariant. A schedule found failing later is pasted here to pin it.
 */
describe('replays', () => {
  const replays: Array<[string, Schedule, Partial<CallerRules>, RegExp]> = [
    [
      'windows judged before samples on both sides confirm them: a clock step (−8.6 s) makes three payments re-sent',
      {
        seed: 1417050787,
        payments: 14,
        apiProcesses: 3,
        syncers: 1,
        arrivalSpanMs: 19019,
        offsetMs: 0,
        driftPpm: 0,
        truncateSeconds: true,
        step: { atMs: 2932, byMs: -8562 },
        faultRate: 0.7999999999999984,
        crashRate: 0,
        stallRate: 2.9709463703756306e-80,
        beyondBoundRate: 0,
        wipeAtMs: null,
        duplicateRate: 2.0548542811180344e-300,
      },
      { judgeUnfrozenWindows: true },
      /\(a\) p1 recorded 2 times at the gateway within the bound/,
    ],
    [
      'the foreign watermark moved past an entry a window still held: a late recording then passes unchecked',
      {
        seed: 1288544058,
        payments: 12,
        apiProcesses: 2,
        syncers: 2,
        arrivalSpanMs: 17134,
        offsetMs: -119993,
        driftPpm: 0,
        truncateSeconds: true,
        step: null,
        faultRate: 2.261517844296697e-265,
        crashRate: 0,
        stallRate: 0,
        beyondBoundRate: 0.10548990527359156,
        wipeAtMs: null,
        duplicateRate: 0,
      },
      { watermarkPastCandidates: true },
      /\(d\) p1 recorded 2 times beyond the guarantee, and no alarm/,
    ],
    [
      'more entries than payments in a window taken as an ordinary ambiguity: a late recording passes silently',
      {
        seed: 280757795,
        payments: 8,
        apiProcesses: 3,
        syncers: 3,
        arrivalSpanMs: 39993,
        offsetMs: 1234,
        driftPpm: 0,
        truncateSeconds: true,
        step: null,
        faultRate: 9e-323,
        crashRate: 0,
        stallRate: 5.411124479160847e-125,
        beyondBoundRate: 0.1655445709945576,
        wipeAtMs: null,
        duplicateRate: 2.3633935647838906e-212,
      },
      { surplusBreaksPremise: false },
      /\(d\) p5 recorded 2 times beyond the guarantee, and no alarm/,
    ],
  ];

  test.each(replays)('%s', (_name, schedule, brokenRule, violation) => {
    const kept = simulate(schedule);
    expect(kept.violations).toEqual([]);
    const broken = simulate(schedule, { rules: brokenRule });
    expect(broken.violations.join('\n')).toMatch(violation);
  });

  test('a schedule replays exactly: same seed, same run', () => {
    const schedule = replays[0]?.[1] as Schedule;
    const a = simulate(schedule, { trace: true });
    const b = simulate(schedule, { trace: true });
    expect(b.trace).toEqual(a.trace);
    expect(a.trace.length).toBeGreaterThan(50);
  });

  /**
   * KNOWN LIMIT (the guarantee's edge, not a bug to fix in the matching): beyond the recording
   * bound, p1's first request is recorded so late that its entry lands in the window of p2, an
   * attempt whose process died after opening it and before sending (so it made no entry). By
   * time alone the entry is exactly what p2's would be: p2 is linked to it (a payment reported
   * settled that was never sent), p1 is proven unrecorded and sent again, and no alarm can fire.
   * Only an idempotency key (or memo) at the gateway can tell. The property counts such cases
   * ("silent, undetectable by timing"); this replay keeps the strict assertion, failing.
   */
  test.fails('KNOWN LIMIT: a late entry that fills an empty window is a silent double (seed −253483286)', () => {
    const result = simulate({
      seed: -253483286,
      payments: 7,
      apiProcesses: 1,
      syncers: 3,
      arrivalSpanMs: 34391,
      offsetMs: -30000,
      driftPpm: -115,
      truncateSeconds: false,
      step: null,
      faultRate: 1.0983004527821448e-145,
      crashRate: 0.07999999999999992,
      stallRate: 0,
      beyondBoundRate: 0.3272534324288639,
      wipeAtMs: null,
      duplicateRate: 9.151909494473925e-118,
    });
    expect(result.violations).toEqual([]); // holds: the judge excuses it as undetectable…
    expect(result.doubles === 0 || Object.keys(result.alarms).length > 0).toBe(true); // …but a double with no alarm it is
  });
});
