import { describe, expect, test } from 'vitest';
import { measureClock } from './gateway-view.js';

const T0 = Date.UTC(2026, 11, 1, 12);
const sample = (at: number, roundTripMs: number, offsetMs: number) => ({
  sentAt: at,
  answeredAt: at + roundTripMs,
  gatewayAt: at + roundTripMs / 2 + offsetMs,
});

describe('measureClock: the eras, and the margin windows need', () => {
  test.each([
    ['fast answers: the margin as configured', [100, 300], 1000],
    ['one answer slower than half the margin: tolerance plus the slowest round trip', [100, 900], 1400],
    ['every answer slow: likewise', [800, 1200], 1700],
  ])('%s', (_name, roundTrips, margin) => {
    const samples = roundTrips.map((ms, i) => sample(T0 + i * 5000, ms, 30_000));
    const { eras, marginMs } = measureClock(samples, 1000);
    expect(marginMs).toBe(margin);
    expect(eras).toHaveLength(1);
    expect(eras[0]?.samples).toBe(samples.length);
  });

  test('no sample: no era, the margin as configured', () => {
    expect(measureClock([], 1000)).toEqual({ eras: [], marginMs: 1000 });
  });
});
