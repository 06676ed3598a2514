import { describe, expect, test } from 'vitest';
import { measureClock } from './gateway-view.js';

const T0 = Date.UTC(2026, 11, 1, 12);
const sample = (at: number, roundTripMs: number, offsetMs: number) => ({
  sentAt: at,
  answeredAt: at + roundTripMs,
  gatewayAt: at + roundTripMs / 2 + offsetMs,
});

describe('measureClock: which samples place windows, and with what margin', () => {
  test('samples faster than half the margin are used; slower ones are dropped', () => {
    const { eras, marginMs } = measureClock([sample(T0, 100, 30_000), sample(T0 + 1000, 900, 30_000)], 1000);
    expect(marginMs).toBe(1000);
    expect(eras).toHaveLength(1);
    expect(eras[0]?.samples).toBe(1);
  });

  test('a slow gateway: every sample is used, and the margin grows by the slowest round trip', () => {
    const { eras, marginMs } = measureClock([sample(T0, 800, 0), sample(T0 + 1000, 1200, 0)], 1000);
    expect(eras[0]?.samples).toBe(2);
    expect(marginMs).toBe(2200);
  });

  test('no sample: no era, the margin as configured', () => {
    expect(measureClock([], 1000)).toEqual({ eras: [], marginMs: 1000 });
  });
});
