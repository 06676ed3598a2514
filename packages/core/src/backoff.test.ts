import { describe, expect, test } from 'vitest';
import { backoffCeilingMs, fullJitterDelayMs } from './backoff.js';

const options = { baseMs: 1000, capMs: 64_000 };

describe('backoffCeilingMs', () => {
  test.each([
    [1, 1000],
    [2, 2000],
    [3, 4000],
    [4, 8000],
    [5, 16_000],
    [6, 32_000],
    [7, 64_000],
    [8, 64_000],
    [9, 64_000],
    [10, 64_000],
    [1000, 64_000],
  ])('after attempt %i the ceiling is %i ms', (attempt, ceiling) => {
    expect(backoffCeilingMs(attempt, options)).toBe(ceiling);
  });

  test.each([0, -1])('attempt %i is treated as the first', (attempt) => {
    expect(backoffCeilingMs(attempt, options)).toBe(1000);
  });

  test('an uncapped ceiling stays finite for huge attempt counts', () => {
    expect(backoffCeilingMs(10_000, { baseMs: 1, capMs: Number.POSITIVE_INFINITY })).toBe(2 ** 50);
  });
});

describe('fullJitterDelayMs', () => {
  const cases = [1, 2, 3, 6, 7, 8, 10].flatMap((attempt) => [0, 0.5, 0.999].map((random) => ({ attempt, random })));

  test.each(cases)('attempt $attempt with random $random stays in [0, ceiling)', ({ attempt, random }) => {
    const delay = fullJitterDelayMs(attempt, { ...options, random: () => random });
    const ceiling = backoffCeilingMs(attempt, options);
    expect(delay).toBeGreaterThanOrEqual(0);
    expect(delay).toBeLessThan(ceiling);
    expect(Number.isInteger(delay)).toBe(true);
  });

  test.each([
    [1, 0, 0],
    [1, 0.5, 500],
    [1, 0.999, 999],
    [3, 0.5, 2000],
    [10, 0.5, 32_000],
    [10, 0.999, 63_936],
  ])('attempt %i with random %d waits %i ms', (attempt, random, delay) => {
    expect(fullJitterDelayMs(attempt, { ...options, random: () => random })).toBe(delay);
  });

  test('uses Math.random when none is injected, within the ceiling', () => {
    for (let i = 0; i < 100; i++) {
      const delay = fullJitterDelayMs(4, options);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(8000);
    }
  });
});
