import { createApiClientsRepository, createSql, type PaymentResponse } from '@pt/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem, withoutRequestId } from './expect-problem.js';
import { type System, startSystem } from './harness.js';

type Client = ReturnType<System['as']>;
type List = { items: PaymentResponse[]; next_cursor: string | null };

const body = { sender_account: '11112222', receiver_account: '33334440', amount: '12.34' };
const unknownId = '0190a0b0-0000-7000-8000-000000000000';

describe('API keys', () => {
  let system: System;
  let acmeKey: string;
  let paymentId: string;

  beforeAll(async () => {
    system = await startSystem({ startSyncer: false });
    acmeKey = await system.createClient('acme');
    const created = await system.as(acmeKey).post<PaymentResponse>('/payments', body);
    paymentId = created.body.id;
  });
  afterAll(() => system?.stop());

  const routes = () => [
    ['POST', '/payments'],
    ['GET', '/payments'],
    ['GET', `/payments/${paymentId}`],
    ['GET', `/payments/${paymentId}?refresh=true`],
    ['GET', `/payments/${paymentId}/events`],
  ];

  async function expectUnauthorized(authorization: string | undefined) {
    for (const [method, path] of routes()) {
      const headers: Record<string, string> = authorization === undefined ? {} : { authorization };
      const answer = await system.as(null).call(String(method), String(path), {
        // a body that would be valid: the answer must still be 401
        ...(method === 'POST' ? { json: body } : {}),
        headers,
      });
      const problem = expectProblem(answer, 401);
      expect(answer.headers['www-authenticate']).toMatch(/^Bearer\b/);
      expect(problem.type).toMatch(/unauthorized$/);
      // the credential is never echoed back
      const token = authorization?.replace(/^(Bearer|Basic)\s*/i, '').trim() ?? '';
      if (token.length >= 8) expect(answer.text).not.toContain(token);
    }
  }

  it('answers 401 on every route without an Authorization header', () => expectUnauthorized(undefined));

  it.each([
    ['an empty header', ''],
    ['Basic auth', `Basic ${Buffer.from('acme:secret').toString('base64')}`],
    ['Bearer without a key', 'Bearer'],
    ['Bearer with a blank key', 'Bearer    '],
    ['two tokens', 'Bearer pt_abc def'],
    ['the key without the scheme', 'pt_aaaaaaaaaaaa_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb'],
    ['a garbage token', 'Bearer not-a-key'],
    ['an unknown key of the right shape', `Bearer pt_${'a'.repeat(12)}_${'b'.repeat(43)}`],
  ])('answers 401 on every route for %s', (_, header) => expectUnauthorized(header));

  it('answers 401 for a known key id with the wrong secret', async () => {
    const [, keyId] = /^pt_([A-Za-z0-9]{12})_/.exec(acmeKey) ?? [];
    await expectUnauthorized(`Bearer pt_${keyId}_${'c'.repeat(43)}`);
  });

  it('accepts the scheme in any case', async () => {
    const answer = await system.as(null).call('GET', '/payments', { headers: { authorization: `bearer ${acmeKey}` } });
    expect(answer.status).toBe(200);
  });

  it('answers 401 once a key is revoked, on every route', async () => {
    const key = await system.createClient('to-revoke');
    const client = system.as(key);
    const created = await client.post<PaymentResponse>('/payments', body);
    expect(created.status).toBe(201);
    expect((await client.get(`/payments/${created.body.id}`)).status).toBe(200);

    const admin = createSql(system.database.url, { max: 1 });
    try {
      expect(await createApiClientsRepository(admin.sql).revokeByName('to-revoke')).toBe(1);
    } finally {
      await admin.close();
    }

    await expectUnauthorized(`Bearer ${key}`);
    // the payment is still there for nobody else to see, and acme still works
    expect((await system.as(acmeKey).get('/payments')).status).toBe(200);
  });

  it('leaves the public routes open', async () => {
    expect((await system.as(null).get('/healthz')).status).toBe(200);
    expect((await system.as(null).get('/openapi.json')).status).toBe(200);
  });
});

describe('tenancy: a client never sees or learns of another client’s payments', () => {
  let system: System;
  let acme: Client;
  let globex: Client;
  let acmePayments: PaymentResponse[];

  beforeAll(async () => {
    system = await startSystem({ startSyncer: false });
    acme = system.as(await system.createClient('acme'));
    globex = system.as(await system.createClient('globex'));
    acmePayments = [];
    for (let i = 0; i < 3; i++) {
      const created = await acme.post<PaymentResponse>('/payments', { ...body, memo: `acme ${i}` });
      expect(created.status).toBe(201);
      acmePayments.push(created.body);
    }
  });
  afterAll(() => system?.stop());

  it.each([
    ['GET /payments/{id}', (id: string) => `/payments/${id}`],
    ['GET /payments/{id}?refresh=true', (id: string) => `/payments/${id}?refresh=true`],
    ['GET /payments/{id}/events', (id: string) => `/payments/${id}/events`],
  ])('%s answers 404 for another client’s payment, identical to an unknown id', async (_, path) => {
    for (const payment of acmePayments) {
      expect((await acme.get(path(payment.id))).status).toBe(200);
      const theirs = await globex.get(path(payment.id));
      const unknown = await globex.get(path(unknownId));
      expectProblem(theirs, 404);
      expectProblem(unknown, 404);
      expect(withoutRequestId(theirs.body)).toEqual(withoutRequestId(unknown.body));
      expect(theirs.headers['content-type']).toBe(unknown.headers['content-type']);
      expect(theirs.text).not.toContain(payment.id);
    }
  });

  it('GET /payments lists none of them, with or without a status filter', async () => {
    for (const query of ['', '?limit=100', '?status=pending', '?status=received']) {
      const list = await globex.get<List>(`/payments${query}`);
      expect(list.status).toBe(200);
      expect(list.body).toEqual({ items: [], next_cursor: null });
    }
    expect((await acme.get<List>('/payments')).body.items).toHaveLength(3);
  });

  it('GET /payments with a cursor taken from another client’s page shows only the caller’s own', async () => {
    const page = await acme.get<List>('/payments?limit=1');
    expect(page.body.next_cursor).toEqual(expect.any(String));
    const own = await globex.post<PaymentResponse>('/payments', { ...body, memo: 'globex own' });
    const answer = await globex.get<List>(`/payments?cursor=${page.body.next_cursor}`);
    expect(answer.status).toBe(200);
    for (const item of answer.body.items) expect(item.id).toBe(own.body.id);
    expect(answer.body.items.some((item) => acmePayments.some((p) => p.id === item.id))).toBe(false);
  });

  it('POST /payments with another client’s Idempotency-Key creates a payment of its own, no replay', async () => {
    const key = 'shared-key-1';
    const first = await acme.post<PaymentResponse>('/payments', body, { 'idempotency-key': key });
    const second = await globex.post<PaymentResponse>('/payments', body, { 'idempotency-key': key });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.headers['idempotent-replayed']).toBeUndefined();
    expect(second.body.id).not.toBe(first.body.id);
    expect((await globex.get(`/payments/${first.body.id}`)).status).toBe(404);
  });
});
