import { describe, expect, test } from 'vitest';
import { ApplyPipeline } from './apply-pipeline.js';

/** A statement the test ends by hand. */
function held() {
  let end!: () => void;
  let fail!: (error: Error) => void;
  const done = new Promise<void>((resolve, reject) => {
    end = resolve;
    fail = reject;
  });
  return { run: () => done, end, fail };
}

describe('ApplyPipeline', () => {
  test('apply returns while its statement runs, and the next apply waits for it', async () => {
    const pipeline = new ApplyPipeline();
    const first = held();
    await pipeline.apply(first.run); // returns though the statement has not ended
    let secondStarted = false;
    const second = pipeline.apply(async () => {
      secondStarted = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(secondStarted).toBe(false);
    first.end();
    await second;
    expect(secondStarted).toBe(true);
    await pipeline.drain();
  });

  test('a failed statement fails the next apply, which does not start its own', async () => {
    const pipeline = new ApplyPipeline();
    const first = held();
    await pipeline.apply(first.run);
    first.fail(new Error('deadlock detected'));
    let started = false;
    await expect(
      pipeline.apply(async () => {
        started = true;
      }),
    ).rejects.toThrow('deadlock detected');
    expect(started).toBe(false);
  });

  test('drain throws the failure of the statement in flight, once', async () => {
    const pipeline = new ApplyPipeline();
    await pipeline.apply(() => Promise.reject(new Error('connection lost')));
    await expect(pipeline.drain()).rejects.toThrow('connection lost');
    await expect(pipeline.drain()).resolves.toBeUndefined();
  });
});
