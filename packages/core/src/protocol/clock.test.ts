import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { type ClockEra, type ClockSample, clockAlarm, earliestGatewayTime, estimateClock, windowFor } from './clock.js';

/**
 * Clock samples are made the way the gateway makes them: a request leaves us at `sentAt`, the
 * gateway records it `at` ms later with its own clock (ours + offset, optionally truncated to
 * whole seconds), and the answer is back at `sentAt + rtt`.
 */
const T0 = Date.UTC(2026, 11, 1, 12, 0, 0);
const HOUR = 3_600_000;

interface SampleShape {
  rtt?: number;
  /** ms after sending that the gateway recorded it (default: half the round trip) */
  at?: number;
  truncate?: boolean;
}

function sample(sentAt: number, offset: number, { rtt = 40, at, truncate = false }: SampleShape = {}): ClockSample {
  const created = sentAt + (at ?? rtt / 2) + offset;
  return { sentAt, answeredAt: sentAt + rtt, gatewayAt: truncate ? Math.floor(created / 1000) * 1000 : created };
}

/** One sample every `everyMs` from T0, all at `offset`. */
function steady(count: number, offset: number, everyMs = 10_000, options: SampleShape = {}): ClockSample[] {
  return Array.from({ length: count }, (_, i) => sample(T0 + i * everyMs, offset, options));
}

const options = { marginMs: 1000, recordingDelayMs: 5000 };

describe('estimateClock', () => {
  test('no samples, no era', () => {
    expect(estimateClock([], 1000)).toEqual([]);
  });

  test.each([
    ['in step', 0],
    ['30 s ahead (a skewed gateway)', 30_000],
    ['2 h ahead (a gateway writing naive local time at UTC+2, read as UTC)', 2 * HOUR],
    ['5 min behind', -300_000],
  ])('a gateway %s gives one era whose bracket holds the offset', (_name, offset) => {
    const eras = estimateClock(steady(6, offset), 1000);
    expect(eras).toHaveLength(1);
    const [era] = eras as [ClockEra];
    expect(era.low).toBeLessThanOrEqual(offset);
    expect(era.high).toBeGreaterThanOrEqual(offset);
    expect(era.high - era.low).toBeLessThanOrEqual(40);
    expect(era.samples).toBe(6);
    expect(era.firstAt).toBe(T0);
    expect(era.lastAt).toBe(T0 + 5 * 10_000 + 40);
  });

  test('samples are taken in order of sending, whatever order they come in', () => {
    const samples = steady(5, 30_000);
    expect(estimateClock([...samples].reverse(), 1000)).toEqual(estimateClock(samples, 1000));
  });

  test('agreeing samples narrow the bracket to their intersection', () => {
    const eras = estimateClock([sample(T0, 30_000, { rtt: 100, at: 90 }), sample(T0 + 1000, 30_000, { rtt: 100, at: 10 })], 0);
    // first: [30_000 - 10, 30_000 + 90]; second: [30_000 - 90, 30_000 + 10]
    expect(eras).toEqual([
      { low: 29_990, high: 30_010, firstAt: T0, lastAt: T0 + 1100, firstAnsweredAt: T0 + 100, lastSentAt: T0 + 1000, samples: 2 },
    ]);
  });

  test('an era knows its earliest answer and latest send (a slow sample answered after a fast one)', () => {
    const eras = estimateClock(
      [sample(T0, 0, { rtt: 3000, at: 10 }), sample(T0 + 500, 0, { rtt: 100 }), sample(T0 + 900, 0, { rtt: 50 })],
      1000,
    );
    expect(eras).toHaveLength(1);
    expect(eras[0]).toMatchObject({ firstAt: T0, lastAt: T0 + 3000, firstAnsweredAt: T0 + 600, lastSentAt: T0 + 900 });
  });

  test('a clock step gives two eras', () => {
    const samples = [
      ...steady(3, 0),
      ...steady(3, HOUR).map((s) => ({
        ...s,
        sentAt: s.sentAt + 60_000,
        answeredAt: s.answeredAt + 60_000,
        gatewayAt: s.gatewayAt + 60_000,
      })),
    ];
    const eras = estimateClock(samples, 1000);
    expect(eras).toHaveLength(2);
    const [before, after] = eras as [ClockEra, ClockEra];
    expect(before.low).toBeLessThanOrEqual(0);
    expect(before.high).toBeGreaterThanOrEqual(0);
    expect(after.low).toBeLessThanOrEqual(HOUR);
    expect(after.high).toBeGreaterThanOrEqual(HOUR);
    expect(before.lastAt).toBe(T0 + 20_040);
    expect(after.firstAt).toBe(T0 + 60_000);
  });

  test.each([
    // Truncated to the second, two samples of the same offset need not intersect.
    [0, 2],
    [1000, 1],
  ])('second-truncated timestamps with tolerance %i ms give %i era(s)', (tolerance, count) => {
    // created T0+50 listed as T0 (offset in [-70, -20]); created T0+10_930 listed as T0+10_000 ([-950, -900])
    const samples = [
      sample(T0 + 20, 0, { rtt: 50, at: 30, truncate: true }),
      sample(T0 + 10_900, 0, { rtt: 50, at: 30, truncate: true }),
    ];
    expect(estimateClock(samples, tolerance)).toHaveLength(count);
  });

  test('a step larger than the tolerance is not absorbed, a wobble within it is', () => {
    const wobble = [sample(T0, 0), sample(T0 + 10_000, 700), sample(T0 + 20_000, 0)];
    expect(estimateClock(wobble, 1000)).toHaveLength(1);
    const step = [sample(T0, 0), sample(T0 + 10_000, 1500)];
    expect(estimateClock(step, 1000)).toHaveLength(2);
  });
});

describe('windowFor', () => {
  const eras = estimateClock(steady(6, 30_000), 1000); // sent T0 … T0 + 50_000, each answered 40 ms later
  const [era] = eras as [ClockEra];

  test.each([
    ['inside the era, confirmed on both sides', { from: T0 + 12_000, until: T0 + 17_000 }, true],
    ['whose entry may be made up to the last send', { from: T0 + 40_000, until: T0 + 45_000 }, true],
    ['whose entry may be made after the last send: not yet confirmed', { from: T0 + 40_000, until: T0 + 46_000 }, false],
    ['after the last sample: placed, but not yet confirmed', { from: T0 + 55_000, until: T0 + 60_000 }, false],
    ['starting when the first sample was answered', { from: T0 + 40, until: T0 + 1000 }, true],
    [
      'before the first sample: placed by the first era, never confirmed (a step before it would go unseen)',
      { from: T0 - 60_000, until: T0 - 55_000 },
      false,
    ],
  ])('an attempt %s', (_name, attempt, frozen) => {
    expect(windowFor(attempt, eras, options)).toEqual({
      known: true,
      from: attempt.from + era.low - options.marginMs,
      until: attempt.until + options.recordingDelayMs + era.high + options.marginMs,
      frozen,
      stepped: false,
    });
  });

  test('no samples: clock unknown', () => {
    expect(windowFor({ from: T0, until: T0 + 1000 }, [], options)).toEqual({ known: false, reason: 'clock_unknown' });
  });

  test.each([
    ['30 s ahead', 30_000, false],
    ['2 h ahead (naive local time)', 2 * HOUR, false],
    ['30 s ahead, created_at truncated to the second', 30_000, true],
    ['2 h ahead, created_at truncated to the second', 2 * HOUR, true],
  ])('a gateway %s: the window holds the real created_at of an attempt', (_name, offset, truncate) => {
    const samples = steady(6, offset, 10_000, { rtt: 80, at: 30, truncate });
    const clock = estimateClock(samples, 1000);
    expect(clock).toHaveLength(1);
    // An ambiguous attempt from T0+21_000 to T0+23_000 (we gave up), recorded 4 s after we gave up.
    const attempt = { from: T0 + 21_000, until: T0 + 23_000 };
    const created = attempt.until + 4000 + offset;
    const createdAsListed = truncate ? Math.floor(created / 1000) * 1000 : created;
    const window = windowFor(attempt, clock, options);
    expect(window.known).toBe(true);
    if (!window.known) return;
    expect(createdAsListed).toBeGreaterThanOrEqual(window.from);
    expect(createdAsListed).toBeLessThanOrEqual(window.until);
    // And a request that reached the gateway right after it left us, too.
    const early = attempt.from + offset;
    expect(truncate ? Math.floor(early / 1000) * 1000 : early).toBeGreaterThanOrEqual(window.from);
  });

  describe('around a clock step', () => {
    // Sent T0, T0+10 s, T0+20 s in step; then T0+60 s, T0+70 s an hour ahead (each answered 40 ms later).
    const before = steady(3, 0);
    const after = [sample(T0 + 60_000, HOUR), sample(T0 + 70_000, HOUR)];
    const stepped = estimateClock([...before, ...after], 1000);

    test.each([
      ['within the first era, recorded before its last send', { from: T0 + 5000, until: T0 + 8000 }, [0], true],
      [
        'within the first era, but possibly recorded after its last send',
        { from: T0 + 14_000, until: T0 + 16_000 },
        [0, HOUR],
        true,
      ],
      ['between the eras', { from: T0 + 30_000, until: T0 + 33_000 }, [0, HOUR], true],
      ['ending in the second era, starting before it', { from: T0 + 55_000, until: T0 + 62_000 }, [0, HOUR], true],
      ['starting while the first sample of the second era was out', { from: T0 + 60_010, until: T0 + 61_000 }, [0, HOUR], true],
      ['within the second era', { from: T0 + 61_000, until: T0 + 63_000 }, [HOUR], true],
      ['within the second era, after its last send', { from: T0 + 66_000, until: T0 + 67_000 }, [HOUR], false],
    ] as Array<[string, { from: number; until: number }, number[], boolean]>)(
      'an attempt %s',
      (_name, attempt, offsets, frozen) => {
        const window = windowFor(attempt, stepped, options);
        expect(window.known).toBe(true);
        if (!window.known) return;
        const lowest = Math.min(...offsets);
        const highest = Math.max(...offsets);
        const end = attempt.until + options.recordingDelayMs;
        // It spans every offset the gateway may have used, and not much more.
        expect(window.from).toBeLessThanOrEqual(attempt.from + lowest);
        expect(window.from).toBeGreaterThan(attempt.from + lowest - options.marginMs - 100);
        expect(window.until).toBeGreaterThanOrEqual(end + highest);
        expect(window.until).toBeLessThan(end + highest + options.marginMs + 100);
        expect(window.stepped).toBe(offsets.length > 1);
        expect(window.frozen).toBe(frozen);
      },
    );

    test('an alarm names both offsets', () => {
      expect(clockAlarm(stepped, true)).toMatch(/moved from -?\d+ ms to 36000\d\d ms/);
    });
  });

  test('property: for any constant offset, round-trip times and truncation, every window holds its attempt’s entry', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -3 * HOUR, max: 3 * HOUR }),
        fc.boolean(),
        fc.array(fc.tuple(fc.integer({ min: 1, max: 5000 }), fc.double({ min: 0, max: 1, noNaN: true })), {
          minLength: 1,
          maxLength: 12,
        }),
        fc.integer({ min: 0, max: 120_000 }),
        fc.integer({ min: 0, max: 5000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (offset, truncate, shapes, attemptAt, attemptLength, recordedAt) => {
          const samples = shapes.map(([rtt, at], i) =>
            sample(T0 + i * 10_000, offset, { rtt, at: Math.round(rtt * at), truncate }),
          );
          const clock = estimateClock(samples, 1000);
          expect(clock).toHaveLength(1);
          const attempt = { from: T0 + attemptAt, until: T0 + attemptAt + attemptLength };
          // Recorded anywhere from the request leaving to the recording delay after we gave up.
          const created = attempt.from + offset + Math.round(recordedAt * (attemptLength + options.recordingDelayMs));
          const listed = truncate ? Math.floor(created / 1000) * 1000 : created;
          const window = windowFor(attempt, clock, options);
          expect(window.known).toBe(true);
          if (!window.known) return;
          expect(listed).toBeGreaterThanOrEqual(window.from);
          expect(listed).toBeLessThanOrEqual(window.until);
          const cutoff = earliestGatewayTime(attempt.from, clock, options.marginMs);
          expect(cutoff).not.toBeNull();
          expect(listed).toBeGreaterThanOrEqual(cutoff as number);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('windowFor across a clock step (property)', () => {
  /**
   * The gateway's clock steps by `step` at our time `stepAt`. Samples are made at random times
   * with random round trips (the gateway stamps each somewhere within it); an attempt's entry is
   * made anywhere from its start to the recording delay after its end. Whatever the timing, a
   * window that says it is confirmed (frozen: stored, never recomputed) must hold the entry.
   *
   * This found four holes in the previous clock.ts (each shrunk to a few samples):
   * - attempts before the first sample were placed by the first era and frozen: a step before
   *   any sample went unseen (one sample just after a one-hour step, an attempt before it);
   * - an era was taken to end at its last sample's ANSWER and to start at its first sample's
   *   SEND, though the step may come during those round trips;
   * - the recording delay was ignored when choosing the eras (an entry made after a step that
   *   came after the attempt ended);
   * - a step just over the tolerance (1001 ms, samples 1 ms wide) was absorbed into the era and
   *   the bracket then narrowed to the later samples, dropping the earlier offset.
   */
  const stepProperty = (maxRoundTrip: number, marginMs: number) =>
    fc.property(
      fc.integer({ min: 0, max: 100_000 }),
      fc.oneof(fc.constantFrom(HOUR, -HOUR, 60_000, -60_000, 1001, -1001), fc.integer({ min: -20_000, max: 20_000 })),
      fc.array(
        fc.tuple(
          fc.integer({ min: 0, max: 120_000 }),
          fc.integer({ min: 1, max: maxRoundTrip }),
          fc.double({ min: 0, max: 1, noNaN: true }),
        ),
        { minLength: 1, maxLength: 10 },
      ),
      fc.integer({ min: 0, max: 120_000 }),
      fc.integer({ min: 0, max: 4000 }),
      fc.double({ min: 0, max: 1, noNaN: true }),
      (stepAt, step, shapes, attemptAt, attemptLength, recordedAt) => {
        const opts = { marginMs, recordingDelayMs: 5000 };
        const offset = (t: number) => 30_000 + (t >= T0 + stepAt ? step : 0);
        const samples = shapes.map(([at, rtt, where]): ClockSample => {
          const created = T0 + at + Math.round(where * rtt);
          return { sentAt: T0 + at, answeredAt: T0 + at + rtt, gatewayAt: created + offset(created) };
        });
        const attempt = { from: T0 + attemptAt, until: T0 + attemptAt + attemptLength };
        const created = attempt.from + Math.round(recordedAt * (attemptLength + opts.recordingDelayMs));
        const window = windowFor(attempt, estimateClock(samples, 1000), opts);
        if (!window.known || !window.frozen) return;
        expect(created + offset(created)).toBeGreaterThanOrEqual(window.from);
        expect(created + offset(created)).toBeLessThanOrEqual(window.until);
      },
    );

  test('a frozen window holds its entry, whenever the step came (samples 50 ms wide, margin = tolerance)', () => {
    fc.assert(stepProperty(50, 1000), { numRuns: 1500 });
  });

  test('…and with samples up to 500 ms wide when the margin exceeds the tolerance by that much', () => {
    fc.assert(stepProperty(500, 1500), { numRuns: 1500 });
  });

  /**
   * KNOWN LIMIT, kept as a failing case: a step smaller than a sample's round trip can hide
   * inside it. Here a 1001 ms wide sample taken before a −1001 ms step agrees with a tight one
   * taken after it, so one era, bracketed by the later one, misses the earlier offset by 1 ms
   * more than the margin. Callers must use only samples narrower than marginMs − toleranceMs
   * (the simulation does). Shrunk counterexample of the property above with 3000 ms samples:
   * [stepAt 6002, step −1001, samples [[0, 1001, 0], [6002, 1, 0]], attempt at 1001, length 0, recorded at 0.9999].
   */
  test.fails('KNOWN LIMIT: a step hidden inside a wide sample’s round trip misplaces a frozen window', () => {
    const offset = (t: number) => 30_000 + (t >= T0 + 6002 ? -1001 : 0);
    const samples: ClockSample[] = [
      { sentAt: T0, answeredAt: T0 + 1001, gatewayAt: T0 + offset(T0) },
      { sentAt: T0 + 6002, answeredAt: T0 + 6003, gatewayAt: T0 + 6002 + offset(T0 + 6002) },
    ];
    const attempt = { from: T0 + 1001, until: T0 + 1001 };
    const created = attempt.from + Math.round(0.9999 * options.recordingDelayMs);
    const window = windowFor(attempt, estimateClock(samples, 1000), options);
    expect(window).toMatchObject({ known: true, frozen: true });
    if (!window.known) return;
    expect(created + offset(created)).toBeLessThanOrEqual(window.until);
  });
});

describe('earliestGatewayTime', () => {
  test.each([
    ['no era: unknown', [], null],
    ['one era', estimateClock(steady(3, 30_000), 1000), 'latest.low'],
    ['after a step, the latest era counts', estimateClock([...steady(2, 0), sample(T0 + 60_000, HOUR)], 1000), 'latest.low'],
  ] as const)('%s', (_name, eras, want) => {
    const at = T0 + 100_000;
    const got = earliestGatewayTime(at, eras, 1000);
    if (want === null) expect(got).toBeNull();
    else expect(got).toBe(at + (eras[eras.length - 1] as ClockEra).low - 1000);
  });
});

describe('clockAlarm', () => {
  test.each([
    ['no era, offset needed', [], true, /offset unknown/],
    ['no era, nothing needs it', [], false, null],
    ['one era', estimateClock(steady(3, 30_000), 1000), true, null],
    [
      'two eras',
      estimateClock([...steady(2, 30_000), sample(T0 + 60_000, -30_000)], 1000),
      true,
      /moved from 30000 ms to -30000 ms/,
    ],
  ] as const)('%s', (_name, eras, needed, want) => {
    const alarm = clockAlarm(eras, needed);
    if (want === null) expect(alarm).toBeNull();
    else expect(alarm).toMatch(want);
  });
});
