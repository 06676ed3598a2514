import type { PaymentResponse } from '@pt/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem, fieldsOf } from './expect-problem.js';
import { type System, startSystem } from './harness.js';

type Client = ReturnType<System['as']>;
type MockStats = { submits_received: number };

const valid = { sender_account: '11112222', receiver_account: '33334440', amount: '10.00' };

describe('POST /payments input validation', () => {
  let system: System;
  let client: Client;

  beforeAll(async () => {
    system = await startSystem({ startSyncer: false });
    client = system.as(await system.createClient('acme'));
  });
  afterAll(() => system?.stop());

  async function paymentCount(): Promise<number> {
    const [row] = await system.sql`SELECT count(*)::int AS n FROM payments`;
    return row?.n as number;
  }

  it('lists every bad field at once, unknown fields by name, and stores and sends nothing', async () => {
    const paymentsBefore = await paymentCount();
    const stats = (await (await fetch(`${system.mock.url}/__mock/stats`)).json()) as MockStats;
    const answer = await client.post('/payments', {
      sender_account: 'abc',
      receiver_account: 12345678,
      amount: '1,000.00',
      memo: 'bell\u0007',
      currency: 'EUR',
      client_id: 'someone-else',
    });
    const problem = expectProblem(answer, 422);
    expect(fieldsOf(problem)).toEqual([
      'body.amount',
      'body.client_id',
      'body.currency',
      'body.memo',
      'body.receiver_account',
      'body.sender_account',
    ]);
    for (const error of problem.errors ?? []) expect(error.message.length).toBeGreaterThan(0);
    expect(await paymentCount()).toBe(paymentsBefore);
    const after = (await (await fetch(`${system.mock.url}/__mock/stats`)).json()) as MockStats;
    expect(after.submits_received).toBe(stats.submits_received);
  });

  it('names every missing required field', async () => {
    const problem = expectProblem(await client.post('/payments', {}), 422);
    expect(fieldsOf(problem)).toEqual(['body.amount', 'body.receiver_account', 'body.sender_account']);
  });

  it('refuses a payment to the sending account itself', async () => {
    const problem = expectProblem(await client.post('/payments', { ...valid, receiver_account: valid.sender_account }), 422);
    expect(fieldsOf(problem)).toEqual(['body.receiver_account']);
  });

  it.each([
    ['a JSON array', '[]'],
    ['a JSON string', '"pay me"'],
    ['JSON null', 'null'],
    ['a number', '42'],
  ])('answers 422 for %s as the body', async (_, raw) => {
    const problem = expectProblem(
      await client.call('POST', '/payments', { body: raw, headers: { 'content-type': 'application/json' } }),
      422,
    );
    expect(problem.errors?.length).toBeGreaterThan(0);
  });

  it.each([
    ['zero', 0],
    ['zero as a string', '0.00'],
    ['a negative number', -1],
    ['a negative string', '-1.00'],
    ['negative zero', -0],
    ['three decimals', '100.001'],
    ['three decimals as a number', 100.001],
    ['an exponent string', '1e2'],
    ['an exponent number that JSON keeps', 1e21],
    ['a thousands separator', '1,000.00'],
    ['a leading space', ' 100'],
    ['a trailing space', '100 '],
    ['a plus sign', '+100'],
    ['a leading dot', '.5'],
    ['a trailing dot', '5.'],
    ['leading zeros', '007'],
    ['NaN', 'NaN'],
    ['Infinity', 'Infinity'],
    ['a float that lost precision', 0.1 + 0.2],
    ['more digits than a float carries', 12345678901234.56],
    ['more than the maximum', '1000000.01'],
    ['an empty string', ''],
    ['a boolean', true],
    ['null', null],
    ['an object', { value: 1 }],
  ])('rejects an amount that is %s with a message on body.amount', async (_, amount) => {
    const problem = expectProblem(await client.post('/payments', { ...valid, amount }), 422);
    expect(problem.errors).toEqual([{ field: 'body.amount', message: expect.any(String) }]);
  });

  it.each([
    ['letters', 'abcdefgh'],
    ['too short', '12345'],
    ['too long', '1'.repeat(35)],
    ['a number, not a string', 12345678],
    ['spaces', '1234 5678'],
    ['non-ASCII digits', '١٢٣٤٥٦٧٨'],
    ['a sign', '-12345678'],
    ['empty', ''],
  ])('rejects a sender account with %s', async (_, account) => {
    const problem = expectProblem(await client.post('/payments', { ...valid, sender_account: account }), 422);
    expect(fieldsOf(problem)).toEqual(['body.sender_account']);
  });

  it.each([
    ['longer than 255 characters', 'x'.repeat(256)],
    ['a newline', 'line\nbreak'],
    ['a NUL', 'nul\u0000'],
    ['a C1 control character', 'next\u0085line'],
    ['a lone surrogate', 'half \ud800'],
    ['a number', 42],
  ])('rejects a memo with %s', async (_, memo) => {
    const problem = expectProblem(await client.post('/payments', { ...valid, memo }), 422);
    expect(fieldsOf(problem)).toEqual(['body.memo']);
  });

  it.each([
    ['255 characters', 'y'.repeat(255)],
    ['accents and emoji', 'Café ☕ — invoice #42 🚀'],
  ])('accepts a memo of %s and stores it unchanged', async (_, memo) => {
    const answer = await client.post<PaymentResponse>('/payments', { ...valid, memo });
    expect(answer.status).toBe(201);
    expect(answer.body.memo).toBe(memo);
    expect((await client.get<PaymentResponse>(`/payments/${answer.body.id}`)).body.memo).toBe(memo);
  });

  it('accepts accounts at the length bounds', async () => {
    const answer = await client.post<PaymentResponse>('/payments', {
      ...valid,
      sender_account: '123456',
      receiver_account: '9'.repeat(34),
    });
    expect(answer.status).toBe(201);
    expect(answer.body.receiver_account).toBe('9'.repeat(34));
  });
});

describe('query and path validation', () => {
  let system: System;
  let client: Client;

  beforeAll(async () => {
    system = await startSystem({ startSyncer: false });
    client = system.as(await system.createClient('acme'));
  });
  afterAll(() => system?.stop());

  it.each([
    ['limit=abc', ['query.limit']],
    ['limit=1000', ['query.limit']],
    ['limit=0', ['query.limit']],
    ['limit=-5', ['query.limit']],
    ['limit=2.5', ['query.limit']],
    ['status=bogus', ['query.status']],
    ['cursor=not-a-cursor', ['query.cursor']],
    [`cursor=${'a'.repeat(201)}`, ['query.cursor']],
    [`cursor=${Buffer.from('not-a-uuid').toString('base64url')}`, ['query.cursor']],
    ['colour=blue', ['query.colour']],
    ['limit=abc&status=bogus&colour=blue', ['query.colour', 'query.limit', 'query.status']],
  ])('GET /payments?%s answers 422 naming %j', async (query, fields) => {
    const problem = expectProblem(await client.get(`/payments?${query}`), 422);
    expect(fieldsOf(problem)).toEqual(fields);
  });

  it.each([
    ['refresh=maybe', ['query.refresh']],
    ['colour=blue', ['query.colour']],
  ])('GET /payments/{id}?%s answers 422 naming %j', async (query, fields) => {
    const problem = expectProblem(await client.get(`/payments/0190a0b0-0000-7000-8000-000000000000?${query}`), 422);
    expect(fieldsOf(problem)).toEqual(fields);
  });

  it.each([
    'not-a-uuid',
    '123',
    "1' OR '1'='1",
    '0190a0b0-0000-7000-8000-00000000000',
    '0190a0b0-0000-7000-8000-0000000000000',
    '%00',
    '%E2%98%83',
    '..%2F..%2Fhealthz',
  ])('a malformed payment id %s answers 404 or 422, never 500', async (id) => {
    for (const path of [`/payments/${id}`, `/payments/${id}/events`]) {
      const answer = await client.get(path);
      expect([404, 422]).toContain(answer.status);
      expectProblem(answer, answer.status);
    }
  });

  it.each(['%E0%A4%A', '%', '%zz'])('an id with broken percent-encoding %s answers 400 problem+json', async (id) => {
    for (const path of [`/payments/${id}`, `/payments/${id}/events`]) {
      const answer = await client.get(path);
      expectProblem(answer, 400);
      expect(answer.text).not.toContain(path);
    }
  });

  it('an id longer than the router allows answers 414 problem+json without echoing it', async () => {
    const id = 'x'.repeat(2000);
    for (const path of [`/payments/${id}`, `/payments/${id}/events`]) {
      const answer = await client.get(path);
      expectProblem(answer, 414);
      expect(answer.text).not.toContain(id);
    }
  });

  it.each([
    '00000000-0000-0000-0000-000000000000',
    'ffffffff-ffff-ffff-ffff-ffffffffffff',
    '0190A0B0-0000-7000-8000-00000000ABCD',
  ])('a well-formed id %s that is not a payment answers 404 (or 422), never 500', async (id) => {
    for (const path of [`/payments/${id}`, `/payments/${id}/events`]) {
      const answer = await client.get(path);
      expect([404, 422]).toContain(answer.status);
      expectProblem(answer, answer.status);
    }
  });

  it('answers 404 for an unknown uuid on read and events', async () => {
    const id = '0190a0b0-0000-7000-8000-000000000000';
    expectProblem(await client.get(`/payments/${id}`), 404);
    expectProblem(await client.get(`/payments/${id}/events`), 404);
    expectProblem(await client.get(`/payments/${id}?refresh=true`), 404);
  });
});
