import type { Logger } from '@pt/core';

export interface Loop {
  start(): void;
  /**
   * Runs a cycle as soon as possible: right away, or right after the one in progress, but never
   * sooner than `minWakeGapMs` after the start of the last one.
   */
  wake(): void;
  /** Stops scheduling and waits for the cycle in progress to finish. */
  stop(): Promise<void>;
}

export interface LoopOptions {
  /** Pause between the end of one run and the start of the next. */
  intervalMs: number;
  /** Least time between the starts of two runs when the second is a wake-up's (default 0). */
  minWakeGapMs?: number;
  logger: Logger;
  run: () => Promise<void>;
}

/**
 * A loop that never overlaps: the next run is scheduled only after the last one ended, and a
 * failed run is logged, never fatal. Wake-ups bring a run forward, never push one back, and
 * cannot make runs follow each other closer than `minWakeGapMs` (start to start).
 */
export function createLoop(options: LoopOptions): Loop {
  const minWakeGapMs = options.minWakeGapMs ?? 0;
  let timer: NodeJS.Timeout | undefined;
  /** When the scheduled run is due (ms since the epoch); Infinity when none is. */
  let dueAt = Number.POSITIVE_INFINITY;
  let running: Promise<void> | undefined;
  let stopped = true;
  let wakeRequested = false;
  let lastStartAt = Number.NEGATIVE_INFINITY;

  /** Schedules the next run in `delayMs`, unless one is already due sooner. */
  function schedule(delayMs: number) {
    if (stopped) return;
    const at = Date.now() + delayMs;
    if (timer && dueAt <= at) return;
    clearTimeout(timer);
    dueAt = at;
    timer = setTimeout(tick, delayMs);
  }

  /** The wait before a woken run may start. */
  const wakeDelay = () => Math.max(0, lastStartAt + minWakeGapMs - Date.now());

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
        schedule(wakeRequested ? wakeDelay() : options.intervalMs);
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
      else schedule(wakeDelay());
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
