/**
 * The gateway's clock, seen from ours. Every accepted submit gives one sample: the database's
 * clock before the request left (sentAt) and after its answer came back (answeredAt), and the
 * gateway's created_at in between. So `gateway - ours` lies in [created - answeredAt,
 * created - sentAt]. Samples that agree (their intervals intersect) form an era; a sample that
 * cannot agree with the era before it means the gateway's clock stepped (or drifted past the
 * tolerance): a new era starts, and attempts around the change are given windows spanning both.
 *
 * Pure: callers pass samples and times; nothing here reads a clock.
 */

export interface ClockSample {
  /** Our clock (epoch ms) before the request left. */
  sentAt: number;
  /** Our clock (epoch ms) after the answer arrived. */
  answeredAt: number;
  /** The gateway's created_at for that request (epoch ms as parsed; zone-less read as UTC). */
  gatewayAt: number;
}

export interface ClockEra {
  /** gateway clock − our clock lies in [low, high] (ms). */
  low: number;
  high: number;
  /** Our-clock span of the samples that agree. */
  firstAt: number;
  lastAt: number;
  /**
   * The earliest answer and the latest send among them: the gateway read this era's offset
   * by `firstAnsweredAt` and still at `lastSentAt` (each sample was created between its send
   * and its answer), so a step into or out of the era lies beyond these, not beyond firstAt/lastAt.
   */
  firstAnsweredAt: number;
  lastSentAt: number;
  samples: number;
}

/** Eras of agreeing samples, oldest first. `toleranceMs` absorbs timestamp rounding and slow drift. */
export function estimateClock(samples: readonly ClockSample[], toleranceMs: number): ClockEra[] {
  const sorted = [...samples].sort((a, b) => a.sentAt - b.sentAt);
  const eras: ClockEra[] = [];
  let current: ClockEra | undefined;
  // The era's samples' exact intersection [lows, highs]: inverted (lows > highs) by at most the
  // tolerance when they agree only within it. The bracket spans both ends then, and keeps
  // spanning them: narrowing it to later samples alone would drop the earlier ones' offset.
  let lows = 0;
  let highs = 0;
  for (const sample of sorted) {
    const low = sample.gatewayAt - sample.answeredAt;
    const high = sample.gatewayAt - sample.sentAt;
    if (current && Math.max(lows, low) <= Math.min(highs, high) + toleranceMs) {
      // Keep the tightest bracket the agreeing samples allow (never an empty one).
      lows = Math.max(lows, low);
      highs = Math.min(highs, high);
      current.low = Math.min(lows, highs);
      current.high = Math.max(lows, highs);
      current.lastAt = Math.max(current.lastAt, sample.answeredAt);
      current.firstAnsweredAt = Math.min(current.firstAnsweredAt, sample.answeredAt);
      current.lastSentAt = Math.max(current.lastSentAt, sample.sentAt);
      current.samples++;
    } else {
      const at = {
        firstAt: sample.sentAt,
        lastAt: sample.answeredAt,
        firstAnsweredAt: sample.answeredAt,
        lastSentAt: sample.sentAt,
      };
      lows = low;
      highs = high;
      current = { low, high, ...at, samples: 1 };
      eras.push(current);
    }
  }
  return eras;
}

export interface WindowOptions {
  /** Extra width on each side, beyond the offset's measured uncertainty. */
  marginMs: number;
  /** How long after we gave up the gateway may still record a request it received. */
  recordingDelayMs: number;
}

export type GatewayWindow =
  | {
      known: true;
      from: number;
      until: number;
      /** Samples on both sides (one answered before it, one sent after its entry's last moment) confirm the offset(s) used: the window will not change. */
      frozen: boolean;
      /** The gateway's clock stepped around this attempt: the window spans both offsets. */
      stepped: boolean;
    }
  | { known: false; reason: 'clock_unknown' };

/**
 * The gateway-clock interval in which the gateway may have created an entry for an attempt
 * that ran from `from` to `until` in our clock: widened by the offset's uncertainty, the
 * margin, and (at the end) the recording delay. An attempt that ran between two eras (the
 * gateway's clock stepped around it) gets a window spanning the offsets of both: wide, so it
 * may leave the attempt for an operator, but never wrong while the clock steps between samples.
 */
export function windowFor(
  attempt: { from: number; until: number },
  eras: readonly ClockEra[],
  options: WindowOptions,
): GatewayWindow {
  if (eras.length === 0) return { known: false, reason: 'clock_unknown' };
  // The entry may be created until the recording delay after we gave up: the offset must hold till then.
  const end = attempt.until + options.recordingDelayMs;
  let low = Number.POSITIVE_INFINITY;
  let high = Number.NEGATIVE_INFINITY;
  let used = 0;
  let lastUsed = 0;
  for (let i = 0; i < eras.length; i++) {
    const era = eras[i] as ClockEra;
    // An era's offset may have held from the previous era's last sample to the next one's first.
    const holdsFrom = i === 0 ? Number.NEGATIVE_INFINITY : (eras[i - 1] as ClockEra).lastSentAt;
    const holdsUntil = i === eras.length - 1 ? Number.POSITIVE_INFINITY : (eras[i + 1] as ClockEra).firstAnsweredAt;
    if (end < holdsFrom || attempt.from > holdsUntil) continue;
    low = Math.min(low, era.low);
    high = Math.max(high, era.high);
    used++;
    lastUsed = i;
  }
  const latest = eras[lastUsed] as ClockEra;
  return {
    known: true,
    from: attempt.from + low - options.marginMs,
    until: end + high + options.marginMs,
    // Confirmed only by samples on both sides: one answered before the attempt started (before
    // the first sample, a step may have come unseen) and one sent after its entry could last be made.
    frozen: attempt.from >= (eras[0] as ClockEra).firstAnsweredAt && end <= latest.lastSentAt,
    stepped: used > 1,
  };
}

/**
 * The earliest the gateway's clock can have read at our time `at` (minus the margin): an
 * attempt that starts after `at` cannot own an entry created before this.
 */
export function earliestGatewayTime(at: number, eras: readonly ClockEra[], marginMs: number): number | null {
  const latest = eras[eras.length - 1];
  return latest ? at + latest.low - marginMs : null;
}

/** What an operator should hear about the clock, or null when all is well. */
export function clockAlarm(eras: readonly ClockEra[], needed: boolean): string | null {
  if (eras.length === 0) return needed ? 'gateway clock offset unknown: no accepted submission to measure it from' : null;
  if (eras.length === 1) return null;
  const previous = eras[eras.length - 2] as ClockEra;
  const latest = eras[eras.length - 1] as ClockEra;
  const mid = (era: ClockEra) => Math.round((era.low + era.high) / 2);
  return `gateway clock offset moved from ${mid(previous)} ms to ${mid(latest)} ms; windows of attempts around the change span both`;
}
