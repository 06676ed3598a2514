import type { Logger } from '@pt/core';

export interface Loop {
  start(): void;
  /**
   * Runs a cycle as soon as possible: right away, or right after the one in progress, but never
   * sooner than `minWakeGapMs` after the start of the last one, nor `minPauseMs` after its end.
   */
  wake(): void;
  /** Stops scheduling and waits for the cycle in progress to finish. */
  stop(): Promise<void>;
}

export interface LoopOptions {
  /** Time between the starts of two runs, unless a run outlasts it (then `minPauseMs` after its end). */
  intervalMs: number;
  /** `end`: the interval runs from the end of one run to the start of the next instead (default `start`). */
  intervalFrom?: 'start' | 'end';
  /**
   * Least pause between the end of one run and the start of the next, wake-ups included (default
   * 0; at most `intervalMs`, so a short interval is never stretched by it).
   */
  minPauseMs?: number;
  /** Least time between the starts of two runs when the second is a wake-up's (default 0). */
  minWakeGapMs?: number;
  logger: Logger;
  run: () => Promise<void>;
}

/**
 * A loop that never overlaps: the next run is scheduled only after the last one ended, and a
 * failed run is logged, never fatal. Runs start `intervalMs` apart, start to start, so a cycle's
 * own length does not add to the wait for the next one; a run longer than that is followed by
 * `minPauseMs`. With `intervalFrom: 'end'`, the interval is a pause after each run. Wake-ups
 * bring a run forward, never push one back, and cannot make runs follow each other closer than
 * `minWakeGapMs` (start to start) or `minPauseMs` (end to start).
 */
export function createLoop(options: LoopOptions): Loop {
  const { intervalMs } = options;
  const fromEnd = options.intervalFrom === 'end';
  const minPauseMs = Math.min(options.minPauseMs ?? 0, intervalMs);
  const minWakeGapMs = options.minWakeGapMs ?? 0;
  let timer: NodeJS.Timeout | undefined;
  /** When the scheduled run is due (ms since the epoch); Infinity when none is. */
  let dueAt = Number.POSITIVE_INFINITY;
  let running: Promise<void> | undefined;
  let stopped = true;
  let wakeRequested = false;
  let lastStartAt = Number.NEGATIVE_INFINITY;
  let lastEndAt = Number.NEGATIVE_INFINITY;

  /** Schedules the next run at `at` (ms since the epoch, at the earliest now), unless one is already due sooner. */
  function schedule(at: number) {
    if (stopped) return;
    const now = Date.now();
    if (timer && dueAt <= Math.max(at, now)) return;
    clearTimeout(timer);
    dueAt = Math.max(at, now);
    timer = setTimeout(tick, dueAt - now);
  }

  /** When the next run may start: the interval's due time, or a wake-up's if one asked and it is sooner. */
  function nextStart(woken: boolean): number {
    const regular = (fromEnd ? lastEndAt : lastStartAt) + intervalMs;
    const wanted = woken ? Math.min(regular, lastStartAt + minWakeGapMs) : regular;
    return Math.max(wanted, lastEndAt + minPauseMs);
  }

  function tick() {
    timer = undefined;
    dueAt = Number.POSITIVE_INFINITY;
    wakeRequested = false;
    lastStartAt = Date.now();
    // Through a promise so a run that throws before returning one is caught like a rejection.
    running = Promise.resolve()
      .then(() => options.run())
      .catch((error: unknown) => options.logger.error({ err: error }, 'cycle failed'))
      .finally(() => {
        running = undefined;
        lastEndAt = Date.now();
        schedule(nextStart(wakeRequested));
      });
  }

  return {
    start() {
      stopped = false;
      // A run may still be in progress (stop() not yet settled): follow it, never overlap it.
      if (running) wakeRequested = true;
      else schedule(0);
    },
    wake() {
      if (running) wakeRequested = true;
      else schedule(nextStart(true));
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      timer = undefined;
      dueAt = Number.POSITIVE_INFINITY;
      await running;
    },
  };
}
