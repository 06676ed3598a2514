import { describe, expect, it } from 'vitest';
import { loadEnv } from './env.js';

describe('loadEnv', () => {
  it('has the documented defaults', () => {
    expect(loadEnv({})).toEqual({
      port: 8001,
      host: '127.0.0.1',
      delaySeconds: 10,
      timestampStyle: 'naive',
      seedCount: 0,
      clockOffsetMs: 0,
      logLevel: 'info',
      faults: undefined,
    });
  });

  it('reads every variable; blank counts as unset', () => {
    const env = loadEnv({
      GATEWAY_PORT: '9001',
      GATEWAY_HOST: '0.0.0.0',
      PAYMENT_DELAY_SECONDS: '0.5',
      GATEWAY_TIMESTAMP_STYLE: 'iso',
      GATEWAY_SEED_COUNT: '1000',
      LOG_LEVEL: 'warn',
      GATEWAY_FAULTS: '{"status":[{"kind":"truncated","probability":0.1}]}',
    });
    expect(env).toMatchObject({ port: 9001, host: '0.0.0.0', delaySeconds: 0.5, timestampStyle: 'iso', seedCount: 1000 });
    expect(env.faults?.status).toEqual([{ kind: 'truncated', probability: 0.1 }]);
    expect(loadEnv({ GATEWAY_PORT: '' }).port).toBe(8001);
  });

  it.each([
    ['3600000', 3_600_000],
    ['-5400000', -5_400_000],
    [' 0 ', 0],
    ['', 0],
  ])('reads GATEWAY_CLOCK_OFFSET_MS=%j as %i ms', (value, expected) => {
    expect(loadEnv({ GATEWAY_CLOCK_OFFSET_MS: value }).clockOffsetMs).toBe(expected);
  });

  it.each(['soon', '1.5', '1e15', '-1e15'])('rejects GATEWAY_CLOCK_OFFSET_MS=%j naming the variable', (value) => {
    expect(() => loadEnv({ GATEWAY_CLOCK_OFFSET_MS: value })).toThrow(/GATEWAY_CLOCK_OFFSET_MS/);
  });

  it('names each bad variable', () => {
    expect(() => loadEnv({ GATEWAY_PORT: 'eighty', PAYMENT_DELAY_SECONDS: '-1' })).toThrow(
      /GATEWAY_PORT[\s\S]*PAYMENT_DELAY_SECONDS/,
    );
    expect(() => loadEnv({ GATEWAY_TIMESTAMP_STYLE: 'local' })).toThrow(/GATEWAY_TIMESTAMP_STYLE/);
    expect(() => loadEnv({ GATEWAY_FAULTS: '{oops' })).toThrow(/GATEWAY_FAULTS/);
  });
});
