import { describe, expect, test } from 'vitest';
import { logPreview, maskAccount, maskAccountsInText, scrubbedError, scrubLogValue } from './redaction.js';

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

  test('redacts webhook signing secrets and signatures', () => {
    const delivery = { url: 'https://example.com/hooks', secrets: ['whsec_a', 'whsec_b'], endpoint: { secret: 'whsec_c' } };
    expect(scrubLogValue({ delivery, headers: { 'webhook-signature': 'v1,abc' } })).toEqual({
      delivery: { url: 'https://example.com/hooks', secrets: '[redacted]', endpoint: { secret: '[redacted]' } },
      headers: { 'webhook-signature': '[redacted]' },
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

describe('maskAccountsInText', () => {
  test.each([
    [
      'a unique violation',
      'Key (sender_account)=(123456789012) already exists.',
      'Key (sender_account)=(********9012) already exists.',
    ],
    [
      'a failing row',
      'Failing row contains (904817263541, 713390264582, 25.00).',
      'Failing row contains (********3541, ********4582, 25.00).',
    ],
    ['the shortest account', 'account 123456', 'account **3456'],
    ['JSON', '{"sender_account":"123456789012"}', '{"sender_account":"********9012"}'],
    ['an account ending a sentence', 'refused 123456789012.', 'refused ********9012.'],
    ['an all-digit group of a UUID', 'fake-0800ec29-b47c-47f0-a806-123456789012', 'fake-0800ec29-b47c-47f0-a806-********9012'],
  ])('masks %s', (_label, text, masked) => {
    expect(maskAccountsInText(text)).toBe(masked);
  });

  test.each([
    ['a SQLSTATE code', 'error 23505'],
    ['a port and a line number', 'connect ECONNREFUSED 127.0.0.1:54329 at line 12345'],
    ['an amount', 'amount 99999.99'],
    ['digits inside a hex id', 'fake-0800ec29-b47c-47f0-a806-125599dc4118'],
    ['a timestamp’s microseconds', '2026-12-01T23:31:31.073000'],
    ['no digits', 'duplicate key value violates unique constraint'],
  ])('leaves %s', (_label, text) => {
    expect(maskAccountsInText(text)).toBe(text);
  });
});

describe('logPreview', () => {
  test('masks account-like digit runs before it cuts, so no cut shows more than the last four', () => {
    // Cut first, this would end in "12345": too short to look like an account, and shown.
    expect(logPreview({ sender_account: '123456789012' }, 24)).toBe('{"sender_account":"*****');
    expect(logPreview({ note: ` ${'1'.repeat(20)}` }, 20)).toBe('{"note":" **********');
  });

  test('writes what JSON cannot hold as text', () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(logPreview(circular)).toBe('[object Object]');
    expect(logPreview(undefined)).toBe('undefined');
  });
});

describe('scrubbedError', () => {
  test('masks account-like digit runs in every string an error carries, nested errors and arrays included', () => {
    const cause = Object.assign(new Error('insert failed'), { detail: 'Key (account)=(123456789012) already exists.' });
    const error = Object.assign(new Error('Failing row contains (904817263541)'), {
      code: '23514',
      parameters: ['713390264582', 25],
      inner: cause,
      cause,
    });
    const scrubbed = scrubbedError(error) as Record<string, unknown>;
    const text = JSON.stringify(scrubbed);
    for (const account of ['123456789012', '904817263541', '713390264582']) expect(text).not.toContain(account);
    expect(scrubbed).toMatchObject({
      type: 'Error',
      code: '23514',
      message: expect.stringContaining('Failing row contains (********3541)'),
      stack: expect.stringContaining('Failing row contains (********3541)'),
      parameters: ['********4582', 25],
      inner: { detail: 'Key (account)=(********9012) already exists.' },
    });
  });

  test('masks an err that is a string', () => {
    expect(scrubbedError('account 123456789012 refused' as unknown as Error)).toBe('account ********9012 refused');
  });
});
