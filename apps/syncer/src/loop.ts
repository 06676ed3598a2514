import type { Logger } from '@pt/core';

export interface Loop {
  start(): void;
  /** Runs a cycle as soon as possible (right away, or right after the one in progress). */
  wake(): void;
  /** Stops scheduling and waits for the cycle in progress to finish. */
  stop(): Promise<void>;
}

/**
 * A loop that never overlaps: the next run is scheduled only after the last one ended, and a
 * failed run is logged, never fatal.
 */
export function createLoop(options: { intervalMs: number; logger: Logger; run: () => Promise<void> }): Loop {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = true;
  let wakeRequested = false;

  function schedule(delayMs: number) {
    if (stopped) return;
    clearTimeout(timer);
    timer = setTimeout(tick, delayMs);
  }

  function tick() {
    timer = undefined;
    wakeRequested = false;
    // Through a promise so a run that throws before returning one is caught like a rejection.
    running = Promise.resolve()
      .then(() => options.run())
      .catch((error: unknown) => options.logger.error({ err: error }, 'cycle failed'))
      .finally(() => {
        running = undefined;
        schedule(wakeRequested ? 0 : options.intervalMs);
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
      else schedule(0);
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
