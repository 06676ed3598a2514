import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { parseGatewayTime, submitResponseSchema, toStatusEntry } from './contract.js';

describe('parseGatewayTime', () => {
  test.each([
    ['zone-less with microseconds means UTC', '2026-01-01T12:00:00.123456', '2026-01-01T12:00:00.123Z'],
    ['zone-less without fraction', '2026-01-01T12:00:00', '2026-01-01T12:00:00.000Z'],
    ['zone-less without seconds', '2026-01-01T12:00', '2026-01-01T12:00:00.000Z'],
    ['Z', '2026-01-01T12:00:00Z', '2026-01-01T12:00:00.000Z'],
    ['lower-case z', '2026-01-01T12:00:00.5z', '2026-01-01T12:00:00.500Z'],
    ['+02:00 offset', '2026-01-01T12:00:00+02:00', '2026-01-01T10:00:00.000Z'],
    ['-05:30 offset with microseconds', '2026-01-01T12:00:00.999999-05:30', '2026-01-01T17:30:00.999Z'],
    ['+0200 offset without colon', '2026-01-01T12:00:00+0200', '2026-01-01T10:00:00.000Z'],
    ['space separator', '2026-01-01 12:00:00.250', '2026-01-01T12:00:00.250Z'],
    ['surrounding whitespace', '  2026-01-01T12:00:00Z\n', '2026-01-01T12:00:00.000Z'],
  ])('reads %s', (_label, value, iso) => {
    expect(parseGatewayTime(value)?.toISOString()).toBe(iso);
  });

  test.each([
    ['empty', ''],
    ['words', 'yesterday'],
    ['a date only', '2026-01-01'],
    ['epoch seconds', '1767268800'],
    ['an impossible hour', '2026-01-01T25:00:00'],
    ['trailing garbage', '2026-01-01T12:00:00garbage'],
    ['an HTTP date', 'Thu, 01 Jan 2026 12:00:00 GMT'],
    ['a US date', '01/01/2026 12:00'],
  ])('refuses %s', (_label, value) => {
    expect(parseGatewayTime(value)).toBeNull();
  });
});

const entry = {
  confirmation_id: 'c-123',
  status: 'settled',
  created_at: '2026-01-01T12:00:00.123456',
  updated_at: '2026-01-01T12:01:00.654321',
};

describe('toStatusEntry', () => {
  test('maps a valid entry', () => {
    expect(toStatusEntry(entry)).toEqual({
      confirmationId: 'c-123',
      status: 'settled',
      createdAt: new Date('2026-01-01T12:00:00.123Z'),
      updatedAt: new Date('2026-01-01T12:01:00.654Z'),
    });
  });

  test.each(['pending', 'settled', 'returned', 'failed'])('keeps gateway status %s', (status) => {
    expect(toStatusEntry({ ...entry, status })?.status).toBe(status);
  });

  test.each([
    ['missing', undefined],
    ['null', null],
  ])('uses created_at when updated_at is %s', (_label, updated_at) => {
    expect(toStatusEntry({ ...entry, updated_at })?.updatedAt).toEqual(new Date('2026-01-01T12:00:00.123Z'));
  });

  test('trims the confirmation id', () => {
    expect(toStatusEntry({ ...entry, confirmation_id: '  c-9 ' })?.confirmationId).toBe('c-9');
  });

  test('ignores fields it does not know', () => {
    expect(toStatusEntry({ ...entry, amount: 100.5 })?.confirmationId).toBe('c-123');
  });

  test.each([
    ['an unknown status', { ...entry, status: 'cancelled' }],
    ['a status of ours the gateway never sends', { ...entry, status: 'rejected' }],
    ['an upper-case status', { ...entry, status: 'SETTLED' }],
    ['a missing status', { ...entry, status: undefined }],
    ['a missing confirmation_id', { ...entry, confirmation_id: undefined }],
    ['an empty confirmation_id', { ...entry, confirmation_id: '' }],
    ['a blank confirmation_id', { ...entry, confirmation_id: '   ' }],
    ['a numeric confirmation_id', { ...entry, confirmation_id: 123 }],
    ['a confirmation_id too long to be real', { ...entry, confirmation_id: 'x'.repeat(201) }],
    ['a confirmation_id with a NUL', { ...entry, confirmation_id: 'c-1\u0000' }],
    ['a confirmation_id with half a surrogate pair', { ...entry, confirmation_id: 'c-\ud83d' }],
    ['a garbage created_at', { ...entry, created_at: 'not a time' }],
    ['a missing created_at', { ...entry, created_at: undefined }],
    ['a garbage updated_at', { ...entry, updated_at: 'soon' }],
    ['a numeric created_at', { ...entry, created_at: 1767268800 }],
    ['null', null],
    ['a string', 'c-123'],
    ['an array', [entry]],
  ])('returns null for %s', (_label, raw) => {
    expect(toStatusEntry(raw)).toBeNull();
  });
});

describe('submitResponseSchema', () => {
  test.each([
    ['zone-less microseconds', '2026-01-01T12:00:00.123456', '2026-01-01T12:00:00.123Z'],
    ['a zone', '2026-01-01T14:00:00.123+02:00', '2026-01-01T12:00:00.123Z'],
    ['a space separator', '2026-01-01 12:00:00', '2026-01-01T12:00:00.000Z'],
  ])('accepts created_at with %s', (_label, created_at, iso) => {
    const parsed = submitResponseSchema.parse({ confirmation_id: 'c-1', status: 'pending', created_at });
    expect(parsed.created_at?.toISOString()).toBe(iso);
  });

  test('does not insist on the status value', () => {
    expect(
      submitResponseSchema.parse({ confirmation_id: 'c-1', status: 'accepted', created_at: '2026-01-01T12:00:00' }).status,
    ).toBe('accepted');
  });

  test.each([
    ['no confirmation_id', { status: 'pending', created_at: '2026-01-01T12:00:00' }],
    ['a blank confirmation_id', { confirmation_id: ' ', status: 'pending', created_at: '2026-01-01T12:00:00' }],
    // Postgres text holds no NUL: recording the accepted submission would fail
    ['a confirmation_id with a NUL', { confirmation_id: 'c-1\u0000x', status: 'pending' }],
    ['a confirmation_id with a control character', { confirmation_id: 'c-1\nx', status: 'pending' }],
    ['a confirmation_id with half a surrogate pair', { confirmation_id: 'c-\udc00', status: 'pending' }],
  ])('refuses a body with %s', (_label, body) => {
    expect(submitResponseSchema.safeParse(body).success).toBe(false);
  });

  test('keeps a usable confirmation_id even when created_at is unreadable (created_at becomes null)', () => {
    const parsed = submitResponseSchema.parse({ confirmation_id: 'c-1', status: 'pending', created_at: 'now' });
    expect(parsed.confirmation_id).toBe('c-1');
    expect(parsed.created_at).toBeNull();
  });
});

describe('parseGatewayTime: the usual shape read digit by digit gives what the general path gives', () => {
  // A leading space sends the same text down the general path (trim, normalise, Date's parser).
  const general = (text: string) => parseGatewayTime(` ${text}`)?.getTime() ?? null;
  const pad = (n: number, width: number) => String(n).padStart(width, '0');

  test('on generated timestamps, valid and not, with and without fraction and Z', () => {
    fc.assert(
      fc.property(
        fc.record({
          year: fc.integer({ min: 0, max: 9999 }),
          month: fc.integer({ min: 0, max: 13 }),
          day: fc.integer({ min: 0, max: 32 }),
          hour: fc.integer({ min: 0, max: 25 }),
          minute: fc.integer({ min: 0, max: 61 }),
          second: fc.integer({ min: 0, max: 61 }),
          fraction: fc.option(fc.stringMatching(/^[0-9]{0,9}$/)),
          zone: fc.constantFrom('', 'Z'),
        }),
        (t) => {
          const text =
            `${pad(t.year, 4)}-${pad(t.month, 2)}-${pad(t.day, 2)}T${pad(t.hour, 2)}:${pad(t.minute, 2)}:${pad(t.second, 2)}` +
            `${t.fraction === null ? '' : `.${t.fraction}`}${t.zone}`;
          expect(parseGatewayTime(text)?.getTime() ?? null).toBe(general(text));
        },
      ),
      { numRuns: 5000 },
    );
  });

  test.each([
    '2026-01-01T12:00:00.123456',
    '2026-02-30T12:00:00',
    '2024-02-29T23:59:59.999999Z',
    '2026-01-01T24:00:00',
    '0099-12-31T00:00:00',
    '2026-01-01T12:00:00.',
    '2026-01-01T12:00:00.Z',
    '2026-01-01T12:00:00x',
    '2026-01-01T12:00:00.12a',
    '2026-01-0aT12:00:00',
    '2026-01-01T12:00:00+02:00',
  ])('on %s', (text) => {
    expect(parseGatewayTime(text)?.getTime() ?? null).toBe(general(text));
  });
});
