import { describe, expect, test } from 'vitest';
import type { PaymentFilter } from '../payments/payment-filter.js';
import { escapeLike, ID_TIME_SLACK_MS, paymentFilterSql, uuidV7Floor } from './payment-filter-sql.js';

describe('escapeLike', () => {
  test.each([
    ['invoice', 'invoice'],
    ['50%', '50\\%'],
    ['a_b', 'a\\_b'],
    ['back\\slash', 'back\\\\slash'],
    ['%_\\', '\\%\\_\\\\'],
  ])('%j → %j', (text, escaped) => {
    expect(escapeLike(text)).toBe(escaped);
  });
});

describe('uuidV7Floor', () => {
  test('is the millisecond in the 48-bit time field, every other bit 0', () => {
    expect(uuidV7Floor(0x0192f0a01234)).toBe('0192f0a0-1234-0000-0000-000000000000');
    expect(uuidV7Floor(0)).toBe('00000000-0000-0000-0000-000000000000');
  });

  test('sorts below every UUIDv7 of its millisecond and above every one of the millisecond before', () => {
    const ms = Date.parse('2026-01-01T00:00:00Z');
    const floor = uuidV7Floor(ms);
    expect(floor < `${floor.slice(0, 14)}7000-8000-000000000000`).toBe(true);
    expect(uuidV7Floor(ms - 1) < floor).toBe(true);
    expect(`${uuidV7Floor(ms - 1).slice(0, 14)}7fff-bfff-ffffffffffff` < floor).toBe(true);
  });
});

describe('paymentFilterSql', () => {
  test('binds every value as a parameter, after the leading ones, and plans ranges with their values', () => {
    const from = new Date('2026-01-01T00:00:00Z');
    const built = paymentFilterSql(
      'client',
      { statuses: ['pending', 'failed'], createdFrom: from, memoPrefix: "x%'; DROP" },
      undefined,
      [21],
    );
    expect(built.where).toBe(
      'p.client_id = $2 AND p.status = ANY($3::text[]) AND p.created_at >= $4::timestamptz AND p.id >= $5::uuid AND p.memo LIKE $6',
    );
    expect(built.params).toEqual([
      21,
      'client',
      ['pending', 'failed'],
      from,
      uuidV7Floor(from.getTime() - ID_TIME_SLACK_MS),
      "x\\%'; DROP%",
    ]);
    expect(built.planWithValues).toBe(true);
  });

  test('an account is planned with its value too (a generic plan cannot tell a busy account from a rare one)', () => {
    const built = paymentFilterSql('client', { statuses: ['pending'], receiverAccount: '12345678' }, 'after');
    expect(built.where).toBe('p.client_id = $1 AND p.status = $2 AND p.receiver_account = $3 AND p.id < $4::uuid');
    expect(built.planWithValues).toBe(true);
  });

  test("a null client is every client's payments (the operator console)", () => {
    expect(paymentFilterSql(null, { statuses: ['pending'] }, undefined, [21]).where).toBe('p.status = $2');
  });

  test.each<[PaymentFilter, boolean]>([
    [{}, false],
    [{ statuses: ['pending'] }, false],
    [{ statuses: ['pending', 'failed'] }, true],
    [{ senderAccount: '12345678' }, true],
    [{ amountMax: '10.00' }, true],
  ])('%j is planned with its values: %s', (filter, planWithValues) => {
    expect(paymentFilterSql('client', filter, undefined).planWithValues).toBe(planWithValues);
  });
});
