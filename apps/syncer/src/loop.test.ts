import { createLogger } from '@pt/core';
import { createLogCapture } from '@pt/core/testing';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { createLoop } from './loop.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A promise to resolve from outside, to wait for "the nth run started" without polling. */
function deferred() {
  let resolve = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Counts runs and how many overlap; each run takes `runMs` of real time. */
function countingRun(runMs: number) {
  const stats = { started: 0, finished: 0, active: 0, maxActive: 0 };
  const startedRuns = [deferred(), deferred(), deferred(), deferred()];
  async function run() {
    stats.started++;
    stats.active++;
    stats.maxActive = Math.max(stats.maxActive, stats.active);
    startedRuns[stats.started - 1]?.resolve();
    await sleep(runMs);
    stats.active--;
    stats.finished++;
  }
  return { stats, run, started: (n: number) => startedRuns[n - 1]?.promise ?? Promise.reject(new Error('too many')) };
}

function quietLogger() {
  const capture = createLogCapture();
  return { capture, logger: createLogger({ name: 'loop-test', destination: capture.stream }) };
}

describe('createLoop', () => {
  test('a wake() during a run gives one more run after it, never a concurrent one', async () => {
    const { stats, run, started } = countingRun(50);
    const loop = createLoop({ intervalMs: 60_000, logger: quietLogger().logger, run });
    loop.start();
    await started(1);
    loop.wake();
    loop.wake();
    loop.wake();
    await started(2);
    expect(stats.finished).toBe(1);
    await loop.stop();
    expect(stats).toMatchObject({ started: 2, finished: 2, maxActive: 1 });
  });

  test('a wake() while idle runs right away instead of waiting for the interval', async () => {
    const { stats, run, started } = countingRun(10);
    const loop = createLoop({ intervalMs: 60_000, logger: quietLogger().logger, run });
    loop.start();
    await started(1);
    await sleep(30); // the first run is over; the next is an interval away
    loop.wake();
    await started(2);
    await loop.stop();
    expect(stats).toMatchObject({ started: 2, maxActive: 1 });
  });

  test('runs again after the interval, one run at a time', async () => {
    const { stats, run, started } = countingRun(20);
    const loop = createLoop({ intervalMs: 10, logger: quietLogger().logger, run });
    loop.start();
    await started(4);
    await loop.stop();
    expect(stats.maxActive).toBe(1);
    expect(stats.finished).toBe(stats.started);
  });

  test('logs a failed run and keeps going', async () => {
    const { capture, logger } = quietLogger();
    const second = deferred();
    let runs = 0;
    const loop = createLoop({
      intervalMs: 10,
      logger,
      run: async () => {
        runs++;
        if (runs === 1) throw new Error('gateway exploded');
        second.resolve();
      },
    });
    loop.start();
    await second.promise;
    await loop.stop();
    const failures = capture.lines.map((line) => JSON.parse(line) as { msg: string; err?: { message?: string } });
    expect(failures).toContainEqual(
      expect.objectContaining({ msg: 'cycle failed', err: expect.objectContaining({ message: 'gateway exploded' }) }),
    );
  });

  test('survives a run that throws before returning a promise', async () => {
    const { capture, logger } = quietLogger();
    const second = deferred();
    let runs = 0;
    const run = (): Promise<void> => {
      runs++;
      if (runs === 1) throw new Error('thrown synchronously');
      second.resolve();
      return Promise.resolve();
    };
    const loop = createLoop({ intervalMs: 10, logger, run });
    loop.start();
    await second.promise;
    await loop.stop();
    expect(capture.text()).toContain('thrown synchronously');
  });

  test('stop() waits for the run in progress, and nothing runs after it', async () => {
    const { stats, run, started } = countingRun(50);
    const loop = createLoop({ intervalMs: 10, logger: quietLogger().logger, run });
    loop.start();
    await started(1);
    loop.wake();
    await loop.stop();
    expect(stats).toMatchObject({ started: 1, finished: 1, active: 0 });
    await sleep(50);
    expect(stats.started).toBe(1);
  });

  test('stop() before any run resolves and nothing runs', async () => {
    const { stats, run } = countingRun(10);
    const loop = createLoop({ intervalMs: 10, logger: quietLogger().logger, run });
    loop.start();
    await loop.stop();
    await sleep(30);
    expect(stats.started).toBe(0);
  });

  test('wake() before start() or after stop() runs nothing', async () => {
    const { stats, run } = countingRun(10);
    const loop = createLoop({ intervalMs: 10, logger: quietLogger().logger, run });
    loop.wake();
    await sleep(30);
    expect(stats.started).toBe(0);
    loop.start();
    await loop.stop();
    loop.wake();
    await sleep(30);
    expect(stats.started).toBe(0);
  });

  test('start() again while a run is still in progress does not overlap it', async () => {
    const { stats, run, started } = countingRun(50);
    const loop = createLoop({ intervalMs: 10, logger: quietLogger().logger, run });
    loop.start();
    await started(1);
    const stopping = loop.stop();
    loop.start();
    await started(2);
    await stopping;
    await loop.stop();
    expect(stats.maxActive).toBe(1);
  });
});

describe('createLoop: wake-ups are spaced by minWakeGapMs', () => {
  // Fake timers (and Date): the runs' start times are exact, whatever the machine's load.
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** A loop whose runs take `runMs` (10 by default) and record when they started, relative to now. */
  function recordingLoop(options: { intervalMs: number; minWakeGapMs: number; runMs?: number }) {
    const t0 = Date.now();
    const starts: number[] = [];
    const loop = createLoop({
      ...options,
      logger: quietLogger().logger,
      run: async () => {
        starts.push(Date.now() - t0);
        await sleep(options.runMs ?? 10);
      },
    });
    /** Stops the loop, letting the run in progress (if any) finish on the fake clock. */
    async function stop() {
      const stopping = loop.stop();
      await vi.advanceTimersByTimeAsync(options.runMs ?? 10);
      await stopping;
    }
    return { loop, starts, stop };
  }

  test('a stream of wake-ups runs a cycle at most once per gap, start to start', async () => {
    const { loop, starts, stop } = recordingLoop({ intervalMs: 60_000, minWakeGapMs: 1000 });
    loop.start();
    for (let i = 0; i < 45; i++) {
      loop.wake();
      await vi.advanceTimersByTimeAsync(100); // 45 wake-ups over 4.5 s
    }
    await stop();
    expect(starts).toEqual([0, 1000, 2000, 3000, 4000]);
  });

  test('a wake-up long after the last cycle runs at once', async () => {
    const { loop, starts, stop } = recordingLoop({ intervalMs: 60_000, minWakeGapMs: 1000 });
    loop.start();
    await vi.advanceTimersByTimeAsync(5000);
    loop.wake();
    await vi.advanceTimersByTimeAsync(0);
    await stop();
    expect(starts).toEqual([0, 5000]);
  });

  test('a wake-up never delays the regular interval', async () => {
    const { loop, starts, stop } = recordingLoop({ intervalMs: 200, minWakeGapMs: 1000 });
    loop.start();
    await vi.advanceTimersByTimeAsync(50);
    loop.wake(); // the gap says not before 1000; the interval's run is due at 200
    await vi.advanceTimersByTimeAsync(250);
    await stop();
    expect(starts).toEqual([0, 200]);
  });

  test('a wake-up during a run asked for too late for the gap still runs at the interval', async () => {
    const { loop, starts, stop } = recordingLoop({ intervalMs: 200, minWakeGapMs: 1000, runMs: 100 });
    loop.start();
    await vi.advanceTimersByTimeAsync(50);
    loop.wake(); // during the run: the gap would put the next at 1000, the interval at 200
    await vi.advanceTimersByTimeAsync(250);
    await stop();
    expect(starts).toEqual([0, 200]);
  });

  test('a wake-up during a long cycle runs the next one as soon as the gap allows', async () => {
    const { loop, starts, stop } = recordingLoop({ intervalMs: 60_000, minWakeGapMs: 1000, runMs: 1500 });
    loop.start();
    await vi.advanceTimersByTimeAsync(100);
    loop.wake();
    await vi.advanceTimersByTimeAsync(1450); // the first ends at 1500, already past the gap
    await stop();
    expect(starts).toHaveLength(2);
    expect(starts[1]).toBeGreaterThanOrEqual(1500); // right after the first ended (fake timers add 1 ms to a 0 delay)
    expect(starts[1]).toBeLessThanOrEqual(1501);
  });
});

describe('createLoop: the interval runs start to start, with a least pause after a long run', () => {
  // Fake timers (and Date): the runs' start times are exact, whatever the machine's load.
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** Runs the loop for `forMs` of fake time with runs of `runMs`; returns when each run started. */
  async function startsOver(
    options: { intervalMs: number; intervalFrom?: 'start' | 'end'; minPauseMs?: number; minWakeGapMs?: number; runMs: number },
    forMs: number,
    wakeAt?: number,
  ) {
    const t0 = Date.now();
    const starts: number[] = [];
    const loop = createLoop({
      ...options,
      logger: quietLogger().logger,
      run: async () => {
        starts.push(Date.now() - t0);
        await sleep(options.runMs);
      },
    });
    loop.start();
    if (wakeAt === undefined) await vi.advanceTimersByTimeAsync(forMs);
    else {
      await vi.advanceTimersByTimeAsync(wakeAt);
      loop.wake();
      await vi.advanceTimersByTimeAsync(forMs - wakeAt);
    }
    const stopping = loop.stop();
    await vi.advanceTimersByTimeAsync(options.runMs);
    await stopping;
    return starts;
  }

  test("a run's own length does not add to the wait for the next one", async () => {
    // Before: 1000 after each run's end (0, 1300, 2600).
    expect(await startsOver({ intervalMs: 1000, minPauseMs: 100, runMs: 300 }, 3500)).toEqual([0, 1000, 2000, 3000]);
  });

  test('a run longer than the interval is followed by the least pause, not by the next run at once', async () => {
    expect(await startsOver({ intervalMs: 1000, minPauseMs: 200, runMs: 1500 }, 5000)).toEqual([0, 1700, 3400]);
  });

  test('a wake-up waits for the least pause after the last run', async () => {
    // The run ends at 10; woken at 100, the next may start 500 after that end.
    expect(await startsOver({ intervalMs: 60_000, minPauseMs: 500, runMs: 10 }, 2000, 100)).toEqual([0, 510]);
  });

  test('a pause longer than the interval is cut to the interval', async () => {
    expect(await startsOver({ intervalMs: 100, minPauseMs: 1000, runMs: 30 }, 450)).toEqual([0, 130, 260, 390]);
  });

  test("intervalFrom 'end' counts the interval from the end of a run (the webhook loop)", async () => {
    expect(await startsOver({ intervalMs: 1000, intervalFrom: 'end', runMs: 300 }, 3000)).toEqual([0, 1300, 2600]);
  });

  test("intervalFrom 'end' without a pause: a wake-up runs at once (the webhook loop going on through a backlog)", async () => {
    expect(await startsOver({ intervalMs: 60_000, intervalFrom: 'end', runMs: 10 }, 2000, 100)).toEqual([0, 100]);
  });
});
