import { describe, expect, test } from 'vitest';
import { decodeCursor, encodeCursor } from './cursor.js';

describe('cursor', () => {
  test.each([
    '0190a4b2-7c3e-7a1b-8f00-123456789abc',
    '00000000-0000-0000-0000-000000000000',
    'ffffffff-ffff-7fff-bfff-ffffffffffff',
  ])('round-trips %s', (id) => {
    const cursor = encodeCursor(id);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(cursor).not.toContain(id);
    expect(decodeCursor(cursor)).toBe(id);
  });

  test.each([
    ['an empty cursor', ''],
    ['garbage', 'not-a-cursor!!'],
    ['a raw id', '0190a4b2-7c3e-7a1b-8f00-123456789abc'],
    ['an encoded non-id', Buffer.from('hello', 'utf8').toString('base64url')],
    ['an encoded id with extra text', Buffer.from('0190a4b2-7c3e-7a1b-8f00-123456789abc; drop', 'utf8').toString('base64url')],
    ['an encoded upper-case id', Buffer.from('0190A4B2-7C3E-7A1B-8F00-123456789ABC', 'utf8').toString('base64url')],
    ['an encoded id without dashes', Buffer.from('0190a4b27c3e7a1b8f00123456789abc', 'utf8').toString('base64url')],
  ])('decodes %s to null', (_label, cursor) => {
    expect(decodeCursor(cursor)).toBeNull();
  });
});
