import { describe, expect, it, test } from 'vitest';
import { isoTime } from './iso-time.js';

describe('isoTime', () => {
  test.each([
    '1970-01-01T00:00:00.000Z',
    '1999-12-31T23:59:59.999Z',
    '2000-02-29T12:00:00.001Z',
    '2024-02-29T00:00:00.010Z',
    '2026-11-26T06:20:51.708Z',
    '2026-12-31T23:59:59.100Z',
    '9999-12-31T23:59:59.999Z',
  ])('writes %s as toISOString does', (text) => {
    expect(isoTime(new Date(text))).toBe(text);
  });

  it('agrees with toISOString on 20,000 instants, in and out of order across days', () => {
    let seed = 42;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    for (let i = 0; i < 20_000; i++) {
      // mostly around now (same and neighbouring days), sometimes anywhere in 1970-9999
      const ms =
        i % 10 === 0 ? Math.floor(random() * 253_402_300_799_999) : 1_795_000_000_000 + Math.floor(random() * 3 * 86_400_000);
      const date = new Date(ms);
      expect(isoTime(date)).toBe(date.toISOString());
    }
  });

  test.each([
    ['before 1970', '1969-12-31T23:59:59.999Z'],
    ['a six-digit year', '+010000-01-01T00:00:00.000Z'],
  ])('hands %s to the builtin', (_label, text) => {
    expect(isoTime(new Date(text))).toBe(text);
  });

  it('throws on an invalid date, as toISOString does', () => {
    expect(() => isoTime(new Date(Number.NaN))).toThrow(RangeError);
  });
});
