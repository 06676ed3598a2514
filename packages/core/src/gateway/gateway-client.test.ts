import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { parseRetryAfter, summarise } from './gateway-client.js';

describe('parseRetryAfter', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-01-01T12:00:00Z'));
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  test.each([
    ['seconds', '120', 120_000],
    ['zero seconds', '0', 0],
    ['seconds with whitespace', ' 5 ', 5_000],
    ['an HTTP date in the future', 'Thu, 01 Jan 2026 12:00:30 GMT', 30_000],
    ['an HTTP date in the past', 'Thu, 01 Jan 2026 11:00:00 GMT', 0],
    ['the first of several values', ['7', '99'], 7_000],
  ])('reads %s', (_label, header, ms) => {
    expect(parseRetryAfter(header)).toBe(ms);
  });

  test.each([
    ['absent', undefined],
    ['empty', ''],
    ['an empty list', []],
    ['garbage', 'soon'],
    ['whitespace only', '   '],
  ])('gives undefined when %s', (_label, header) => {
    expect(parseRetryAfter(header)).toBeUndefined();
  });
});

describe("summarise (the gateway's words, for logs only)", () => {
  test.each([
    [
      'masks account-like digit runs to their last four',
      '{"detail":[{"input":"12345678901"}]}',
      '{"detail":[{"input":"*******8901"}]}',
    ],
    ['keeps short numbers', 'HTTP 422 at 12:30', 'HTTP 422 at 12:30'],
    ['folds whitespace', 'a\n\n  b', 'a b'],
  ])('%s', (_name, input, expected) => {
    expect(summarise(input)).toBe(expected);
  });

  test('bounds the length', () => {
    expect(summarise('x'.repeat(10_000)).length).toBe(300);
  });
});
