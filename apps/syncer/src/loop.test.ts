import { createLogger } from '@pt/core';
import { createLogCapture } from '@pt/core/testing';
import { describe, expect, test } from 'vitest';
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
