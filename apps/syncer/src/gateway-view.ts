import {
  type ClockEra,
  type ClockSample,
  clockAlarm,
  earliestGatewayTime,
  estimateClock,
  type Owner,
  parseGatewayTime,
  type StoredOwner,
  windowFor,
} from '@pt/core';
import type { SyncerDeps } from './deps.js';

/**
 * What one cycle knows before it reads the list: the possible owners of unowned entries and
 * their windows in the gateway's clock, the cutoff past which entries wait for the next cycle,
 * and which created_at values are worth keeping (inside a window, or new since the last check
 * for foreign entries). Taken once, at the start: every decision of the cycle is judged
 * against this, never against owners re-read later.
 */
export interface GatewayView {
  owners: Owner[];
  /** True when some owner's window is unknown (no clock yet, or not yet confirmed). */
  unknownWindows: boolean;
  eras: ClockEra[];
  cutoff: number | null;
  foreignWatermark: number | null;
  clockAlarm: string | null;
  /** Whether an entry created at this gateway time (epoch ms) is to be kept. */
  keeps(createdAt: number): boolean;
  /** Cheap pre-check on the raw created_at text: true when it is surely too old to keep. */
  surelyBefore(createdAt: string): boolean;
  /** False when no entry needs keeping at all (no owners, no foreign check yet). */
  wantsEntries: boolean;
}

export async function takeGatewayView(deps: Pick<SyncerDeps, 'attempts' | 'unconfirmed' | 'config'>): Promise<GatewayView> {
  const { attempts, unconfirmed, config } = deps;
  const { loadedAt, owners: stored } = await unconfirmed.loadOwners();
  // The latest samples, and those just around every unknown outcome not yet placed for good.
  const around = stored
    .filter((o) => o.state === 'unconfirmed' && o.windowFromGw === null)
    .map((o) => ({ from: o.from, until: o.until + config.GATEWAY_MAX_RECORDING_DELAY_MS }));
  const samples = uniqueSamples([
    ...(await attempts.clockSamples(config.CLOCK_SAMPLES)),
    ...(await attempts.clockSamplesAround(around)),
  ]);
  const { eras, marginMs } = measureClock(samples, config.GATEWAY_CLOCK_SKEW_MS);
  const options = { marginMs, recordingDelayMs: config.GATEWAY_MAX_RECORDING_DELAY_MS };
  const toFreeze: Array<{ paymentId: string; attempt: number; from: number; until: number }> = [];
  const owners = stored.map((o: StoredOwner): Owner => {
    const base = { paymentId: o.paymentId, attempt: o.attempt, state: o.state };
    if (o.windowFromGw !== null && o.windowUntilGw !== null)
      return { ...base, window: { from: o.windowFromGw, until: o.windowUntilGw } };
    const window = windowFor(o, eras, options);
    if (!window.known) return { ...base, window: null };
    if (o.state === 'in_flight') return { ...base, window: { from: window.from, until: window.until } };
    // An unknown outcome is judged only once samples on both sides of its window confirm the
    // offset used (a clock step may have come since the last one); until then its window is
    // unknown, which holds every entry, so no other payment is judged against its entry either.
    if (!window.frozen) return { ...base, window: null };
    toFreeze.push({ ...base, from: window.from, until: window.until });
    return { ...base, window: { from: window.from, until: window.until } };
  });
  await unconfirmed.freezeWindows(toFreeze);

  const cutoff = earliestGatewayTime(loadedAt, eras, marginMs);
  const foreignWatermark = await unconfirmed.readWatermark();
  const ranges = mergeRanges([
    ...owners.flatMap((o) => (o.window ? [[o.window.from, o.window.until] as const] : [])),
    ...(foreignWatermark !== null ? [[foreignWatermark, Number.POSITIVE_INFINITY] as const] : []),
  ]);
  // An owner whose window is unknown holds every entry: nothing is decided against it, so its
  // entries need not be kept (and the foreign mark waits, see reconcile).
  const earliest = ranges.length > 0 ? Math.min(...ranges.map(([from]) => from)) : null;
  const threshold = earliest === null ? '' : naivePrefix(earliest - 1000);

  return {
    owners,
    unknownWindows: owners.some((o) => o.window === null),
    eras,
    cutoff,
    foreignWatermark,
    clockAlarm: clockAlarm(eras, owners.length > 0),
    wantsEntries: earliest !== null,
    keeps: (createdAt) => ranges.some(([from, until]) => createdAt >= from && createdAt <= until),
    // Zone-less (or Z) ISO texts order like their instants, so comparing the first 19
    // characters skips old history without parsing it; texts with an offset are parsed.
    surelyBefore: (text) =>
      text.length >= 19 &&
      text.charCodeAt(10) === 84 /* T */ &&
      text.indexOf('+', 19) < 0 &&
      text.indexOf('-', 19) < 0 &&
      text < threshold,
  };
}

function uniqueSamples(samples: ClockSample[]): ClockSample[] {
  const seen = new Map(samples.map((s) => [`${s.sentAt}:${s.answeredAt}:${s.gatewayAt}`, s]));
  return [...seen.values()];
}

/**
 * The gateway's clock eras, and the margin windows need around them. Half the configured margin
 * absorbs rounding and drift between samples (the eras' tolerance). A clock step smaller than a
 * sample's round trip can hide inside that sample (see clock.test.ts), so the margin is at least
 * that tolerance plus the slowest round trip among the samples: windows stay right, only wider
 * when the gateway answers slowly.
 */
export function measureClock(samples: ClockSample[], marginMs: number): { eras: ClockEra[]; marginMs: number } {
  const tolerance = marginMs / 2;
  const slowest = samples.reduce((max, s) => Math.max(max, s.answeredAt - s.sentAt), 0);
  return { eras: estimateClock(samples, tolerance), marginMs: Math.max(marginMs, tolerance + slowest) };
}

/** "YYYY-MM-DDTHH:MM:SS" of an instant, as the gateway writes it (zone-less is UTC). */
function naivePrefix(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19);
}

function mergeRanges(ranges: ReadonlyArray<readonly [number, number]>): Array<[number, number]> {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const merged: Array<[number, number]> = [];
  for (const [from, until] of sorted) {
    const last = merged[merged.length - 1];
    if (last && from <= last[1]) last[1] = Math.max(last[1], until);
    else merged.push([from, until]);
  }
  return merged;
}

/** The gateway's created_at as epoch ms, or null when unreadable. */
export function gatewayTimeMs(value: unknown): number | null {
  return typeof value === 'string' ? (parseGatewayTime(value)?.getTime() ?? null) : null;
}
