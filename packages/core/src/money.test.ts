import { describe, expect, test } from 'vitest';
import { formatCents, parseAmount, toCents, toGatewayAmount } from './money.js';

const MAX = 100_000_000n; // 1,000,000.00
const HUGE = 10n ** 20n; // large enough that only the digit checks can refuse

describe('parseAmount accepts', () => {
  test.each([
    ['100.50', '100.50', 10050n],
    ['100.5', '100.50', 10050n],
    ['100', '100.00', 10000n],
    ['0.01', '0.01', 1n],
    ['0.5', '0.50', 50n],
    ['1', '1.00', 100n],
    ['1000000.00', '1000000.00', MAX],
    [100.5, '100.50', 10050n],
    [100.05, '100.05', 10005n],
    [0.01, '0.01', 1n],
    [1, '1.00', 100n],
    [1e3, '1000.00', 100000n], // a JSON `1e3` is the number 1000 once parsed: nothing left to refuse
    [1_000_000, '1000000.00', MAX],
  ])('%j as %s', (input, amount, cents) => {
    expect(parseAmount(input, MAX)).toEqual({ ok: true, amount, cents });
  });

  test.each([
    ['1234567890123.45', '1234567890123.45'],
    ['123456789012345678.99', '123456789012345678.99'], // a string carries any number of digits
    [1234567890123.45, '1234567890123.45'], // 15 significant digits: a float carries them exactly
  ])('%j without losing a digit', (input, amount) => {
    expect(parseAmount(input, HUGE)).toMatchObject({ ok: true, amount });
  });
});

describe('parseAmount rejects', () => {
  test.each([
    [0, /greater/],
    [-0, /greater/],
    [-1, /greater/],
    [-0.01, /greater/],
    [Number.NaN, /finite/],
    [Number.POSITIVE_INFINITY, /finite/],
    [Number.NEGATIVE_INFINITY, /finite/],
    [1e21, /exponent/],
    [1e-7, /exponent/],
    [1.001, /places/],
    [0.1 + 0.2, /digits|places/],
    [12345678901234.56, /digits/], // 16 significant digits: the float may not be what was meant
    [2 ** 53, /digits/],
    [1_000_000.01, /at most/],
    ['0', /greater/],
    ['0.00', /greater/],
    ['-1', /greater/],
    ['-0.00', /greater/],
    ['1e3', /decimal/],
    ['1E3', /decimal/],
    ['1.001', /places/],
    ['0.001', /places/],
    [' 1.00', /decimal/],
    ['1.00 ', /decimal/],
    ['1.00\n', /decimal/],
    ['1,000.00', /decimal/],
    ['1 000', /decimal/],
    ['1_000', /decimal/],
    ['+1', /decimal/],
    ['01.00', /decimal/], // leading zeros: refused rather than guessed at
    ['00.50', /decimal/],
    ['', /decimal/],
    ['.5', /decimal/],
    ['5.', /decimal/],
    ['0x10', /decimal/],
    ['Infinity', /decimal/],
    ['NaN', /decimal/],
    ['١٠٠', /decimal/], // Arabic-Indic digits are not ASCII digits
    ['1000000.01', /at most 1000000\.00/],
    ['99999999999999999999999', /at most/],
  ])('%j', (input, message) => {
    const result = parseAmount(input, MAX);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.message).toMatch(message);
  });

  test.each([
    ['null', null],
    ['undefined', undefined],
    ['a boolean', true],
    ['an object', {}],
    ['an array', [1]],
    ['a bigint', 10n],
  ])('%s, neither a number nor a string', (_label, input) => {
    expect(parseAmount(input, MAX)).toEqual({ ok: false, message: expect.stringMatching(/number or a decimal string/) });
  });
});

describe('cents', () => {
  test.each([
    ['0.01', 1n],
    ['0.1', 10n],
    ['1', 100n],
    ['1.5', 150n],
    ['100.50', 10050n],
    ['1000000.00', 100000000n],
    ['123456789012345678.99', 12345678901234567899n],
  ])('toCents(%j) = %s', (decimal, cents) => {
    expect(toCents(decimal)).toBe(cents);
  });

  test.each([
    [0n, '0.00'],
    [1n, '0.01'],
    [10n, '0.10'],
    [100n, '1.00'],
    [10050n, '100.50'],
    [-5n, '-0.05'],
    [-10050n, '-100.50'],
    [12345678901234567899n, '123456789012345678.99'],
  ])('formatCents(%s) = %j', (cents, decimal) => {
    expect(formatCents(cents)).toBe(decimal);
  });

  test.each([0n, 1n, 99n, 100n, 10050n, 99999999999999n, 12345678901234567899n])(
    'formatCents then toCents gives back %s',
    (cents) => {
      expect(toCents(formatCents(cents))).toBe(cents);
    },
  );
});

describe('toGatewayAmount', () => {
  test.each([
    ['100.50', 100.5],
    ['0.01', 0.01],
    ['1.00', 1],
    ['1000000.00', 1_000_000],
    ['1234567890123.45', 1234567890123.45],
  ])('%j → %s', (decimal, number) => {
    expect(toGatewayAmount(decimal)).toBe(number);
  });

  test.each(['0.01', '0.10', '0.29', '1.15', '100.50', '999999.99', '1234567890123.45'])(
    '%j survives the trip through a JSON float back into parseAmount',
    (decimal) => {
      const wire = JSON.parse(JSON.stringify({ amount: toGatewayAmount(decimal) })) as { amount: number };
      expect(parseAmount(wire.amount, HUGE)).toMatchObject({ ok: true, amount: decimal });
    },
  );
});
