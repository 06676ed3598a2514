/**
 * The mock's clock: a base clock (Date.now, or the `now` option tests pass) plus an
 * offset, to play a gateway whose clock is off from ours.
 *
 * Changing the offset at run time is a clock step (an NTP step, a daylight-saving
 * mistake on a server set to local time): payments already recorded keep their
 * timestamps, later ones carry the stepped time, and resolution is judged by the
 * stepped clock — a step forward resolves pending payments early, a step back holds
 * them until the clock catches up, as a gateway that schedules by wall clock would.
 */
import { z } from 'zod';

/** ±100 years: room for any skew worth testing, while timestamps keep four-digit years. */
export const MAX_CLOCK_OFFSET_MS = 100 * 365 * 24 * 60 * 60 * 1000;

/** Body of `PUT /__mock/clock`. */
export const clockRequestSchema = z.strictObject({
  offset_ms: z.number().int().min(-MAX_CLOCK_OFFSET_MS).max(MAX_CLOCK_OFFSET_MS),
});

export type ClockRequestBody = z.input<typeof clockRequestSchema>;

function checkOffset(offsetMs: number): number {
  if (!(Number.isSafeInteger(offsetMs) && Math.abs(offsetMs) <= MAX_CLOCK_OFFSET_MS)) {
    throw new RangeError(`clockOffsetMs must be an integer within ±${MAX_CLOCK_OFFSET_MS}, got ${offsetMs}`);
  }
  return offsetMs;
}

/** A clock `offsetMs` ahead of `base` (behind when negative); the offset can be stepped at run time. */
export class MockClock {
  readonly #base: () => number;
  #offsetMs: number;

  constructor(base: () => number = Date.now, offsetMs = 0) {
    this.#base = base;
    this.#offsetMs = checkOffset(offsetMs);
  }

  /** Epoch milliseconds in the mock's clock. An arrow, so routes can hold it as a plain function. */
  readonly now = (): number => this.#base() + this.#offsetMs;

  get offsetMs(): number {
    return this.#offsetMs;
  }

  /** Steps the clock to `offsetMs` from the base; throws a RangeError when out of bounds. */
  setOffset(offsetMs: number): void {
    this.#offsetMs = checkOffset(offsetMs);
  }
}
