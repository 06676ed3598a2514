import type { PaymentResponse } from '@pt/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mockPayments } from './delivery-helpers.js';
import { expectProblem, fieldsOf, withoutRequestId } from './expect-problem.js';
import { type System, startSystem } from './harness.js';

const ACME_ACCOUNT = '11112222';
const GLOBEX_ACCOUNT = '55556666';
const NOBODYS_ACCOUNT = '77778888';
const receiver = '33334440';

type Client = ReturnType<System['as']>;

describe('POST /payments only from the sender accounts a client owns', () => {
  let system: System;
  let acme: Client;
  let globex: Client;

  beforeAll(async () => {
    system = await startSystem({ startSyncer: false });
    acme = system.as(await system.createClient('acme', false, { accounts: [ACME_ACCOUNT] }));
    globex = system.as(await system.createClient('globex', false, { accounts: [GLOBEX_ACCOUNT] }));
  });
  afterAll(() => system?.stop());

  const storedFrom = async (account: string) =>
    (await system.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM payments WHERE sender_account = ${account}`)[0]?.n;
  const submittedFrom = async (account: string) => (await mockPayments(system)).filter((p) => p.sender_account === account);

  it('accepts a payment from an account the client owns', async () => {
    const answer = await acme.post<PaymentResponse>('/payments', {
      sender_account: ACME_ACCOUNT,
      receiver_account: receiver,
      amount: '1.00',
    });
    expect(answer.status).toBe(201);
    expect(answer.body.sender_account).toBe(ACME_ACCOUNT);
  });

  it("refuses another client's account and an unregistered one with the same 403, storing and sending nothing", async () => {
    const foreign = await acme.post('/payments', { sender_account: GLOBEX_ACCOUNT, receiver_account: receiver, amount: '2.00' });
    const unregistered = await acme.post('/payments', {
      sender_account: NOBODYS_ACCOUNT,
      receiver_account: receiver,
      amount: '2.00',
    });
    const problem = expectProblem(foreign, 403);
    expectProblem(unregistered, 403);
    expect(problem.type).toBe('https://payment-tracker.dev/problems/sender-account-not-allowed');
    // Nothing tells the two apart: the same body but for the request id, and no account echoed.
    expect(withoutRequestId(unregistered.body)).toEqual(withoutRequestId(foreign.body));
    expect(foreign.text).not.toContain(GLOBEX_ACCOUNT);
    expect(await storedFrom(GLOBEX_ACCOUNT)).toBe(0);
    expect(await storedFrom(NOBODYS_ACCOUNT)).toBe(0);
    expect(await submittedFrom(GLOBEX_ACCOUNT)).toEqual([]);
    expect(await submittedFrom(NOBODYS_ACCOUNT)).toEqual([]);
  });

  it('consumes no Idempotency-Key: the same key with an owned account afterwards makes the payment', async () => {
    const key = 'refused-then-good';
    const refused = await acme.post(
      '/payments',
      { sender_account: GLOBEX_ACCOUNT, receiver_account: receiver, amount: '3.00' },
      {
        'idempotency-key': key,
      },
    );
    expectProblem(refused, 403);
    const [kept] = await system.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM idempotency_keys WHERE key = ${key}`;
    expect(kept?.n).toBe(0);

    const good = await acme.post<PaymentResponse>(
      '/payments',
      { sender_account: ACME_ACCOUNT, receiver_account: receiver, amount: '3.00' },
      {
        'idempotency-key': key,
      },
    );
    expect(good.status).toBe(201);
    expect(good.headers['idempotent-replayed']).toBeUndefined();
    expect(good.body.amount).toBe('3.00');
  });

  it('answers a body with field errors 422 first, naming every bad field, even from a foreign account', async () => {
    const answer = await acme.post('/payments', { sender_account: GLOBEX_ACCOUNT, receiver_account: 'x', amount: -1 });
    const problem = expectProblem(answer, 422);
    expect(fieldsOf(problem)).toEqual(['body.amount', 'body.receiver_account']);
  });

  it('refuses an account at once after an admin removed it, and accepts it again once registered back', async () => {
    const ops = system.as(await system.createClient('ops-remove', true));
    const body = { sender_account: GLOBEX_ACCOUNT, receiver_account: receiver, amount: '4.00' };
    expect((await globex.post('/payments', body)).status).toBe(201);
    expect((await ops.call('DELETE', `/admin/clients/globex/accounts/${GLOBEX_ACCOUNT}`)).status).toBe(204);
    expectProblem(await globex.post('/payments', body), 403);
    expect((await ops.post('/admin/clients/globex/accounts', { account: GLOBEX_ACCOUNT })).status).toBe(201);
    expect((await globex.post('/payments', body)).status).toBe(201);
  });
});

describe('the sender-account admin API (/admin/clients/{name}/accounts)', () => {
  let system: System;
  let ops: Client;
  let opsKeyId: string;

  beforeAll(async () => {
    system = await startSystem({ startSyncer: false });
    await system.createClient('acme');
    await system.createClient('globex');
    const opsKey = await system.createClient('ops', true);
    opsKeyId = opsKey.split('_')[1] ?? '';
    ops = system.as(opsKey);
  });
  afterAll(() => system?.stop());

  it('registers an account (201), again changes nothing (200), and lists it with who registered it', async () => {
    const first = await ops.post<{ account: string; client: string; created_by: string }>('/admin/clients/acme/accounts', {
      account: '12341234',
    });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ account: '12341234', client: 'acme', created_by: opsKeyId });
    expect((await ops.post('/admin/clients/acme/accounts', { account: '12341234' })).status).toBe(200);
    await ops.post('/admin/clients/acme/accounts', { account: '43214321' });

    const list = await ops.get<{ items: Array<{ account: string; created_by: string }> }>('/admin/clients/acme/accounts');
    expect(list.status).toBe(200);
    expect(list.body.items.map((a) => a.account)).toEqual(['12341234', '43214321']);
    expect((await ops.get<{ items: unknown[] }>('/admin/clients/globex/accounts')).body.items).toEqual([]);
  });

  it("refuses another client's account (409), an unknown client (404) and bad input (422 naming each field)", async () => {
    await ops.post('/admin/clients/acme/accounts', { account: '99990000' });
    const taken = expectProblem(await ops.post('/admin/clients/globex/accounts', { account: '99990000' }), 409);
    expect(taken.type).toMatch(/account-owned-by-another-client$/);
    expectProblem(await ops.post('/admin/clients/nobody/accounts', { account: '99990001' }), 404);
    expectProblem(await ops.get('/admin/clients/nobody/accounts'), 404);
    const bad = expectProblem(await ops.post('/admin/clients/acme/accounts', { account: '12ab', colour: 'red' }), 422);
    expect(fieldsOf(bad)).toEqual(['body.account', 'body.colour']);
    const badName = expectProblem(await ops.post('/admin/clients/no%20spaces/accounts', { account: '12345678' }), 422);
    expect(fieldsOf(badName)).toEqual(['params.name']);
  });

  it('removes an account (204) and answers 404 for one the client does not own', async () => {
    await ops.post('/admin/clients/globex/accounts', { account: '80808080' });
    expectProblem(await ops.call('DELETE', '/admin/clients/acme/accounts/80808080'), 404);
    expect((await ops.call('DELETE', '/admin/clients/globex/accounts/80808080')).status).toBe(204);
    expectProblem(await ops.call('DELETE', '/admin/clients/globex/accounts/80808080'), 404);
  });

  it('is for admin keys only (403) and needs a key (401)', async () => {
    const acme = system.as(await system.createClient('acme'));
    expectProblem(await acme.post('/admin/clients/acme/accounts', { account: '31313131' }), 403);
    expectProblem(await acme.get('/admin/clients/acme/accounts'), 403);
    expectProblem(await system.as(null).get('/admin/clients/acme/accounts'), 401);
  });

  it('is documented in the OpenAPI document, with the 403 of POST /payments', async () => {
    const doc = await system
      .as(null)
      .get<{ paths: Record<string, Record<string, { responses: Record<string, unknown> }>> }>('/openapi.json');
    expect(Object.keys(doc.body.paths['/admin/clients/{name}/accounts'] ?? {}).sort()).toEqual(['get', 'post']);
    expect(Object.keys(doc.body.paths['/admin/clients/{name}/accounts/{account}'] ?? {})).toEqual(['delete']);
    expect(Object.keys(doc.body.paths['/payments']?.post?.responses ?? {})).toContain('403');
  });
});
