/**
 * Careful mode: ambiguity is prevented more than it is resolved. After a few unknown outcomes
 * in a short time, the API stops sending inline (it answers 202 `received`) and the syncers send
 * one payment at a time, each only after the window of the last unknown outcome has closed, so
 * every window holds at most one unknown. Normal mode returns after a run of accepted sends.
 *
 * Pure: callers pass the recent outcomes and the time.
 */

export type AttemptOutcome = 'accepted' | 'not_delivered' | 'ambiguous' | 'rejected' | 'interrupted';

export interface RecentOutcome {
  outcome: AttemptOutcome;
  /** Our clock, epoch ms. */
  endedAt: number;
  /** When the attempt was sent (our clock); absent means unknown, and endedAt stands in. */
  startedAt?: number;
}

export interface CarefulModeOptions {
  /** Unknown outcomes (ambiguous or interrupted) within `withinMs` that switch careful mode on. */
  enterAfter: number;
  withinMs: number;
  /**
   * Consecutive accepted sends, started since careful mode began, that switch it off, once fewer
   * than `enterAfter` unknown outcomes remain within `withinMs`.
   */
  exitAfter: number;
}

export type ModeDecision = { careful: boolean; changed: boolean; reason: string };

/** Whether the gateway is to be handled carefully now; `recent` newest first. */
export function decideCarefulMode(
  carefulSince: number | null,
  recent: readonly RecentOutcome[],
  now: number,
  options: CarefulModeOptions,
): ModeDecision {
  if (carefulSince === null) {
    const unknown = unknownWithin(recent, now, options);
    return unknown >= options.enterAfter
      ? { careful: true, changed: true, reason: `${unknown} submissions with unknown outcome within ${options.withinMs} ms` }
      : { careful: false, changed: false, reason: 'gateway answering normally' };
  }
  // Only sends made carefully count: ones already in flight when the mode began prove nothing.
  const since = recent.filter((r) => (r.startedAt ?? r.endedAt) >= carefulSince).slice(0, options.exitAfter);
  if (since.length < options.exitAfter || !since.every((r) => r.outcome === 'accepted')) {
    return { careful: true, changed: false, reason: 'waiting for accepted submissions' };
  }
  // A run of successes between failures is no recovery: the rate that switched it on must be gone.
  if (unknownWithin(recent, now, options) >= options.enterAfter) {
    return { careful: true, changed: false, reason: 'unknown outcomes still frequent' };
  }
  return { careful: false, changed: true, reason: `${options.exitAfter} submissions accepted in a row` };
}

/**
 * In careful mode, whether a send may start now: nothing else in flight, and the window of
 * the last unknown outcome closed (`quietMs` after it ended: the recording delay plus margins).
 */
export function mayStartCarefulSend(
  state: { inFlight: number; lastUnknownEndedAt: number | null },
  now: number,
  quietMs: number,
): boolean {
  if (state.inFlight > 0) return false;
  return state.lastUnknownEndedAt === null || now - state.lastUnknownEndedAt >= quietMs;
}

function unknownWithin(recent: readonly RecentOutcome[], now: number, options: CarefulModeOptions): number {
  return recent.filter((r) => isUnknown(r.outcome) && r.endedAt > now - options.withinMs).length;
}

export function isUnknown(outcome: AttemptOutcome): boolean {
  return outcome === 'ambiguous' || outcome === 'interrupted';
}
