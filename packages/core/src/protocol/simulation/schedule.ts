/**
 * What one simulated run is made of (the schedule, drawn by fast-check) and the settings the
 * simulated processes run with (fixed: the production settings, scaled down in time so a run
 * of a few simulated minutes exercises many windows).
 */
import fc from 'fast-check';

export const SETTINGS = {
  /** GATEWAY_SUBMIT_TIMEOUT_MS: past it a submit's outcome is unknown. */
  submitTimeoutMs: 2000,
  /** ATTEMPT_LEASE_MS: at least twice the submit timeout (runtime-config's rule). */
  leaseMs: 5000,
  /** GATEWAY_MAX_RECORDING_DELAY_MS: the bound on how long after receiving a request the gateway records it. */
  recordingDelayMs: 3000,
  /** Window margin beyond the measured offset's uncertainty: must cover created_at truncated to the second. */
  marginMs: 1500,
  /** estimateClock's tolerance: absorbs second-truncated created_at (≤ the margin). */
  toleranceMs: 1000,
  /** RESUBMIT_MAX_ATTEMPTS: every send counts. */
  maxAttempts: 6,
  backoff: { baseMs: 300, capMs: 4000 },
  /** GATEWAY_RETRY_AFTER_CAP_MS */
  retryAfterCapMs: 10_000,
  careful: { enterAfter: 2, withinMs: 20_000, exitAfter: 3 },
  /**
   * Careful mode's quiet time after an unknown outcome: the next send's window must not overlap
   * the last one's, which reaches recordingDelay + margin (+ the offset's uncertainty, at most
   * one submit round trip) past its end, and starts margin before its own start.
   */
  get quietMs(): number {
    return this.recordingDelayMs + 2 * this.marginMs + this.submitTimeoutMs;
  },
  /** How long the syncer leaves a fresh `received` payment to the API's inline attempt. */
  inlineGraceMs: 5000,
  syncPeriodMs: 1000,
  /** Sends per syncer per cycle, one at a time (outside careful mode). */
  sendsPerCycle: 4,
  /** How many recent outcomes careful mode looks at. */
  recentOutcomes: 20,
} as const;

export interface Schedule {
  /** Seeds the simulation's own random source (arrivals, fault choices, delays, crashes). */
  seed: number;
  payments: number;
  apiProcesses: number;
  syncers: number;
  /** Payments arrive over this span; faults stop a little after it. */
  arrivalSpanMs: number;
  /** The gateway's clock minus ours at time 0 (ms). */
  offsetMs: number;
  /** Drift of the gateway's clock, parts per million. */
  driftPpm: number;
  /** The gateway writes created_at truncated to the second. */
  truncateSeconds: boolean;
  /** The gateway's clock steps by `byMs` at our time `atMs` (a DST change, an NTP step). */
  step: { atMs: number; byMs: number } | null;
  /** Share of sends, while faults last, that meet a fault (each kind equally likely). */
  faultRate: number;
  /** Chance, at each point where a process may die, that it does (while faults last). */
  crashRate: number;
  /** Chance that a process stalls (a long pause) after an answer, past its lease: a late outcome. */
  stallRate: number;
  /** Share of recordings made LATER than the bound (0 in schedules within the guarantee). */
  beyondBoundRate: number;
  /** The gateway loses its history at this time (a restart with a fresh store). */
  wipeAtMs: number | null;
  /** Chance that a list read returns one entry twice. */
  duplicateRate: number;
}

/** A rate in whole percent, drawn evenly (fc.double leans to its edges, tiny rates mostly). */
const percent = (min: number, max: number) => fc.integer({ min, max }).map((n) => n / 100);

const OFFSETS = [0, 30_000, -30_000, 7_200_000, -3_600_000, 1_234];

/**
 * Schedules of one family: within_bound (every recording within the bound), clock_step (the
 * same, the gateway's clock stepping once), wipe (the gateway loses its history once),
 * beyond_bound (some recordings later than the bound).
 */
export function scheduleArbitrary(kind: 'within_bound' | 'beyond_bound' | 'clock_step' | 'wipe'): fc.Arbitrary<Schedule> {
  return fc.record({
    seed: fc.integer(),
    payments: fc.integer({ min: 2, max: 14 }),
    apiProcesses: fc.integer({ min: 1, max: 3 }),
    syncers: fc.integer({ min: 1, max: 3 }),
    arrivalSpanMs: fc.integer({ min: 2000, max: 40_000 }),
    offsetMs: fc.oneof(fc.constantFrom(...OFFSETS), fc.integer({ min: -120_000, max: 120_000 })),
    driftPpm: fc.oneof(fc.constant(0), fc.integer({ min: -500, max: 500 })),
    truncateSeconds: fc.boolean(),
    step:
      kind === 'clock_step'
        ? fc.record({
            atMs: fc.integer({ min: 0, max: 45_000 }),
            byMs: fc.oneof(fc.constantFrom(3_600_000, -3_600_000, 60_000, -60_000), fc.integer({ min: -20_000, max: 20_000 })),
          })
        : fc.constant(null),
    faultRate: fc.oneof(fc.constant(0), percent(5, 80), percent(5, 80)),
    crashRate: fc.oneof(fc.constant(0), percent(1, 4)),
    stallRate: fc.oneof(fc.constant(0), percent(1, 5)),
    beyondBoundRate: kind === 'beyond_bound' ? percent(5, 60) : fc.constant(0),
    wipeAtMs: kind === 'wipe' ? fc.integer({ min: 0, max: 45_000 }) : fc.constant(null),
    duplicateRate: fc.oneof(fc.constant(0), percent(1, 20)),
  });
}
