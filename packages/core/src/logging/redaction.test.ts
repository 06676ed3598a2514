import { describe, expect, test } from 'vitest';
import { maskAccount, scrubLogValue } from './redaction.js';

describe('maskAccount', () => {
  test.each([
    ['123456789012', '********9012'],
    ['12345', '*2345'],
    ['1234', '****'],
    ['12', '**'],
    ['', ''],
  ])('%j → %j', (account, masked) => {
    expect(maskAccount(account)).toBe(masked);
  });
});

describe('scrubLogValue', () => {
  test('redacts secret fields at any depth, headers included', () => {
    const headers = Object.assign(Object.create(null) as Record<string, unknown>, {
      authorization: 'Bearer pt_x',
      'idempotency-key': 'k-1',
      accept: 'application/json',
    });
    expect(scrubLogValue({ req: { headers }, deep: { deeper: { password: 'hunter2', key: 'k' } } })).toEqual({
      req: { headers: { authorization: '[redacted]', 'idempotency-key': '[redacted]', accept: 'application/json' } },
      deep: { deeper: { password: '[redacted]', key: '[redacted]' } },
    });
  });

  test('leaves an absent secret absent', () => {
    expect(scrubLogValue({ apiKey: undefined, name: 'a' })).toEqual({ apiKey: undefined, name: 'a' });
  });

  test('masks account fields at any depth, in objects and arrays', () => {
    const input = {
      sender_account: '111122223333',
      payment: { receiver_account: '444455556666', memo: 'rent' },
      batch: [{ senderAccount: '777788889999' }, { receiverAccount: '000011112222', amount: '1.00' }],
    };
    expect(scrubLogValue(input)).toEqual({
      sender_account: '********3333',
      payment: { receiver_account: '********6666', memo: 'rent' },
      batch: [{ senderAccount: '********9999' }, { receiverAccount: '********2222', amount: '1.00' }],
    });
  });

  test('does not change its input', () => {
    const input = { sender_account: '111122223333' };
    scrubLogValue(input);
    expect(input.sender_account).toBe('111122223333');
  });

  test.each([
    ['null', null],
    ['a string', '111122223333'],
    ['a number', 42],
    ['undefined', undefined],
  ])('returns %s as it is', (_label, value) => {
    expect(scrubLogValue(value)).toBe(value);
  });

  test('passes an Error through untouched so its serializer still sees it', () => {
    const error = new Error('boom');
    expect(scrubLogValue({ err: error })).toEqual({ err: error });
    expect((scrubLogValue({ err: error }) as { err: unknown }).err).toBe(error);
  });

  test('passes a Date through untouched', () => {
    const at = new Date('2026-01-01T00:00:00Z');
    expect((scrubLogValue({ at }) as { at: unknown }).at).toBe(at);
  });

  test('masks inside objects without a prototype', () => {
    const input = Object.assign(Object.create(null) as Record<string, unknown>, { sender_account: '111122223333' });
    expect(scrubLogValue(input)).toEqual({ sender_account: '********3333' });
  });
});

describe('scrubLogValue copies only what it changes', () => {
  test('returns an object without accounts as it is', () => {
    const line = { method: 'GET', path: '/payments', nested: { statusCode: 200 } };
    expect(scrubLogValue(line)).toBe(line);
  });

  test('never changes the caller’s object when it masks', () => {
    const payment = { id: 'p1', sender_account: '123456789012', nested: [{ receiver_account: '998877665544' }] };
    const masked = scrubLogValue(payment) as typeof payment;
    expect(masked).not.toBe(payment);
    expect(masked.sender_account).toBe('********9012');
    expect(masked.nested[0]?.receiver_account).toBe('********5544');
    expect(payment.sender_account).toBe('123456789012');
    expect(payment.nested[0]?.receiver_account).toBe('998877665544');
  });
});
