import type { PaymentResponse } from '@pt/core';
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { eventually, type System, startSystem } from '../harness.js';
import { bodyText, checkAnswer, contentType, forbiddenMemo, RUNS, repeatedKeyBody } from '../hostile-input.js';
import { type Client, FUZZ_ACCOUNT, GLOBEX_ACCOUNT, reportAndStop, startWithAcme, twoTenants, validBody } from './fixtures.js';

/**
 * POST /payments against a working, failing, unreachable or refusing gateway, and what it never
 * gives away. Its input checks: post-payments-validation.test.ts. What every route shares (API
 * keys, unknown routes and methods, database outages): every-route*.test.ts.
 */

type List = { items: PaymentResponse[]; next_cursor: string | null };
type Events = { items: Array<{ from_status: string | null; to_status: string; source: string; reason: string | null }> };
type MockStats = { submits_received: number; submits_recorded: number };

const body = validBody('100.50');
/** Accounts another client than the hostile-input one owns. */
const OTHERS_ACCOUNTS = ['900000000001', '900000000002', '55556666'];

async function putFaults(system: System, submit: unknown[]) {
  const answer = await fetch(`${system.mock.url}/__mock/faults`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ submit, status: [] }),
  });
  expect(answer.status).toBe(200);
}

async function mockStats(system: System): Promise<MockStats> {
  return (await fetch(`${system.mock.url}/__mock/stats`)).json() as Promise<MockStats>;
}

describe('POST /payments', () => {
  // No syncer here: what the API answered is exactly what stays stored, so every state is checkable.
  describe('success', () => {
    let system: System;
    let client: Client;

    beforeAll(async () => {
      ({ system, client } = await startWithAcme());
    });
    afterAll(() => system?.stop());
    beforeEach(() => putFaults(system, []));

    it('answers 201 pending with a Location that reads back the same payment', async () => {
      const answer = await client.post<PaymentResponse>('/payments', { ...body, memo: 'rent' });
      expect(answer.status).toBe(201);
      expect(answer.body).toMatchObject({
        status: 'pending',
        amount: '100.50',
        sender_account: '11112222',
        receiver_account: '33334440',
        memo: 'rent',
        failure_reason: null,
      });
      expect(answer.body.confirmation_id).toEqual(expect.any(String));
      expect(answer.body.submitted_at).toEqual(expect.any(String));
      expect(answer.headers.location).toBe(`/payments/${answer.body.id}`);

      const read = await client.get<PaymentResponse>(String(answer.headers.location));
      expect(read.status).toBe(200);
      expect(read.body).toEqual(answer.body);

      const recorded = (await (await fetch(`${system.mock.url}/__mock/payments`)).json()) as Array<Record<string, unknown>>;
      const atGateway = recorded.find((p) => p.confirmation_id === answer.body.confirmation_id);
      expect(atGateway).toMatchObject({ amount: 100.5, sender_account: '11112222', receiver_account: '33334440', memo: 'rent' });
    });

    it.each([
      [100.5, '100.50'],
      ['100.5', '100.50'],
      ['100.50', '100.50'],
      [100, '100.00'],
      ['7', '7.00'],
      [0.01, '0.01'],
      ['1000000.00', '1000000.00'],
    ])('normalises the amount %j to the decimal string %s', async (amount, expected) => {
      const answer = await client.post<PaymentResponse>('/payments', { ...body, amount });
      expect(answer.status).toBe(201);
      expect(answer.body.amount).toBe(expected);
      expect((await client.get<PaymentResponse>(`/payments/${answer.body.id}`)).body.amount).toBe(expected);
    });

    it.each([
      ['absent', {}],
      ['null', { memo: null }],
    ])('accepts a memo that is %s and answers memo: null', async (_, memo) => {
      const answer = await client.post<PaymentResponse>('/payments', { ...body, ...memo });
      expect(answer.status).toBe(201);
      expect(answer.body.memo).toBeNull();
    });

    it('stores the payment as received before it calls the gateway', async () => {
      await putFaults(system, [{ kind: 'latency', latency_ms: 800, count: 1 }]);
      const before = await mockStats(system);
      const memo = `outbox ${Date.now()}`;
      let answered = false;
      const posting = client.post<PaymentResponse>('/payments', { ...body, memo }).finally(() => {
        answered = true;
      });

      // While the gateway sits on the request, our database already holds the payment.
      const seen = await eventually(
        async () => {
          const list = await client.get<List>('/payments?limit=5');
          return list.body.items.find((p) => p.memo === memo);
        },
        { intervalMs: 20, what: 'the in-flight payment to be listed' },
      );
      expect(answered).toBe(false);
      expect(seen.status).toBe('received');
      expect(seen.confirmation_id).toBeNull();
      expect((await mockStats(system)).submits_recorded).toBe(before.submits_recorded);

      const answer = await posting;
      expect(answer.status).toBe(201);
      expect(answer.body).toMatchObject({ id: seen.id, status: 'pending' });
      const events = await client.get<Events>(`/payments/${seen.id}/events`);
      expect(events.body.items.map((e) => [e.from_status, e.to_status, e.source])).toEqual([
        [null, 'received', 'api'],
        ['received', 'pending', 'api'],
      ]);
    });
  });

  describe('errors', () => {
    describe('when the gateway fails', () => {
      let system: System;
      let client: Client;

      beforeAll(async () => {
        ({ system, client } = await startWithAcme());
      });
      afterAll(() => system?.stop());

      // `recorded`: whether the gateway itself kept the payment (known only to the mock). Only a 429
      // (or a refused connection, below) proves it was not taken; every 5xx, 503 included, may come
      // from a proxy after the gateway took it.
      it.each([
        { name: '429', fault: { kind: 'rate_limit', retry_after_s: 1 }, status: 'received', recorded: 0 },
        { name: '500', fault: { kind: 'error', status_code: 500 }, status: 'unconfirmed', recorded: 0 },
        { name: '503', fault: { kind: 'error', status_code: 503 }, status: 'unconfirmed', recorded: 0 },
        { name: '504', fault: { kind: 'error', status_code: 504 }, status: 'unconfirmed', recorded: 0 },
        { name: 'accepted then 502', fault: { kind: 'accept_then_error', status_code: 502 }, status: 'unconfirmed', recorded: 1 },
        { name: 'accepted then 503', fault: { kind: 'accept_then_error', status_code: 503 }, status: 'unconfirmed', recorded: 1 },
        { name: 'accepted then reset', fault: { kind: 'accept_then_reset' }, status: 'unconfirmed', recorded: 1 },
        { name: 'accepted then hang (timeout)', fault: { kind: 'accept_then_hang' }, status: 'unconfirmed', recorded: 1 },
        { name: 'reset', fault: { kind: 'reset' }, status: 'unconfirmed', recorded: 0 },
        { name: 'hang (timeout)', fault: { kind: 'hang' }, status: 'unconfirmed', recorded: 0 },
        { name: 'malformed 200 body', fault: { kind: 'malformed' }, status: 'unconfirmed', recorded: 1 },
      ])('answers 202 $status when the gateway gives $name', async ({ fault, status, recorded }) => {
        await putFaults(system, [{ ...fault, count: 1 }]);
        const before = await mockStats(system);

        const answer = await client.post<PaymentResponse>('/payments', body);
        expect(answer.status).toBe(202);
        expect(answer.body.status).toBe(status);
        expect(answer.body.confirmation_id).toBeNull();
        expect(answer.body.failure_reason).toEqual(expect.any(String));
        expect(answer.headers.location).toBe(`/payments/${answer.body.id}`);

        const after = await mockStats(system);
        expect(after.submits_received - before.submits_received).toBe(1);
        expect(after.submits_recorded - before.submits_recorded).toBe(recorded);

        const read = await client.get<PaymentResponse>(`/payments/${answer.body.id}`);
        expect(read.body.status).toBe(status);
        const events = await client.get<Events>(`/payments/${answer.body.id}/events`);
        expect(events.body.items.map((e) => e.to_status)).toEqual(
          status === 'received' ? ['received'] : ['received', 'unconfirmed'],
        );
      });
    });

    describe('when the gateway is unreachable or refuses', () => {
      let system: System;
      afterAll(() => system?.stop());

      it('answers 202 received when nothing listens at GATEWAY_URL', async () => {
        let client: Client;
        ({ system, client } = await startWithAcme({ env: { GATEWAY_URL: 'http://127.0.0.1:1' } }));
        const answer = await client.post<PaymentResponse>('/payments', body);
        expect(answer.status).toBe(202);
        expect(answer.body).toMatchObject({ status: 'received', confirmation_id: null, amount: '100.50' });
        expect(answer.body.failure_reason).toMatch(/unreachable/);
        expect((await client.get<PaymentResponse>(`/payments/${answer.body.id}`)).body.status).toBe('received');
      });
    });

    // Our validation is stricter than the gateway's, so a valid payment never earns a 422 from it.
    // A gateway path that does not exist gives a real 4xx (the mock's 404) over HTTP instead.
    describe('when the gateway answers 4xx', () => {
      let gateway: System;
      let system: System;
      afterAll(async () => {
        await system?.stop();
        await gateway?.stop();
      });

      it('marks the payment rejected with the reason', async () => {
        gateway = await startSystem({ startSyncer: false });
        let client: Client;
        ({ system, client } = await startWithAcme({ env: { GATEWAY_URL: `${gateway.mock.url}/no-such-prefix` } }));
        const answer = await client.post<PaymentResponse>('/payments', body);
        expect(answer.status).toBe(201);
        expect(answer.body.status).toBe('rejected');
        expect(answer.body.failure_reason).toBe('gateway refused the payment (HTTP 404)');
        expect(answer.body.failure_reason).not.toMatch(/detail|Not Found/); // the gateway's raw words never reach users
        expect(answer.body.resolved_at).toEqual(expect.any(String));

        const read = await client.get<PaymentResponse>(`/payments/${answer.body.id}`);
        expect(read.body.status).toBe('rejected');
        const events = await client.get<Events>(`/payments/${answer.body.id}/events`);
        expect(events.body.items.map((e) => e.to_status)).toEqual(['received', 'rejected']);
      });
    });
  });

  describe('security', () => {
    describe('when the gateway fails', () => {
      let system: System;
      let client: Client;

      beforeAll(async () => {
        ({ system, client } = await startWithAcme());
      });
      afterAll(() => system?.stop());

      it('never echoes the gateway answer or an internal error in the response', async () => {
        await putFaults(system, [{ kind: 'malformed', count: 1 }]);
        const answer = await client.post<PaymentResponse>('/payments', body);
        expect(answer.status).toBe(202);
        expect(answer.text).not.toContain('<html>');
        expect(answer.text).not.toMatch(/\bat [\w.<>]+ \(|node_modules/);
      });
    });

    describe('tenancy: a client never sees or learns of another client’s payments', () => {
      let system: System;
      let acme: Client;
      let globex: Client;

      beforeAll(async () => {
        ({ system, acme, globex } = await twoTenants());
      });
      afterAll(() => system?.stop());

      it('POST /payments with another client’s Idempotency-Key creates a payment of its own, no replay', async () => {
        const key = 'shared-key-1';
        const first = await acme.post<PaymentResponse>('/payments', body, { 'idempotency-key': key });
        const second = await globex.post<PaymentResponse>(
          '/payments',
          { ...body, sender_account: GLOBEX_ACCOUNT },
          { 'idempotency-key': key },
        );
        expect(first.status).toBe(201);
        expect(second.status).toBe(201);
        expect(second.headers['idempotent-replayed']).toBeUndefined();
        expect(second.body.id).not.toBe(first.body.id);
        expect((await globex.get(`/payments/${first.body.id}`)).status).toBe(404);
      });
    });

    describe('hostile input, generated: never a 5xx, always problem+json, fields named', () => {
      let system: System;
      let auth: string;

      beforeAll(async () => {
        system = await startSystem({ startSyncer: false });
        auth = `Bearer ${await system.createClient('fuzz', false, { accounts: [FUZZ_ACCOUNT] })}`;
        await system.createClient('fuzz-other', false, { accounts: OTHERS_ACCOUNTS });
      });
      afterAll(() => reportAndStop(system));

      it('POST /payments with generated bodies and content types', async () => {
        await fc.assert(
          fc.asyncProperty(bodyText, contentType, async (payload, type) => {
            const answer = await system.app.inject({
              method: 'POST',
              url: '/payments',
              headers: { authorization: auth, 'content-type': type },
              payload,
            });
            checkAnswer('post-body', answer);
          }),
          { numRuns: RUNS },
        );
      });

      it('POST /payments with a repeated key, spelled plainly or through escapes: 400 naming it', async () => {
        await fc.assert(
          fc.asyncProperty(repeatedKeyBody, async ({ key, text }) => {
            const answer = await system.app.inject({
              method: 'POST',
              url: '/payments',
              headers: { authorization: auth, 'content-type': 'application/json' },
              payload: text,
            });
            checkAnswer('post-repeated-key', answer);
            expect(answer.statusCode, text).toBe(400);
            const problem = answer.json<{ type: string; errors: Array<{ field: string }> }>();
            expect(problem.type).toMatch(/\/duplicate-key$/);
            expect(problem.errors.map((error) => error.field)).toContain(`body.${key}`);
          }),
          { numRuns: RUNS },
        );
      });

      it('POST /payments with a memo holding a control, bidirectional or invisible character: 422 naming memo', async () => {
        await fc.assert(
          fc.asyncProperty(forbiddenMemo, async (memo) => {
            const answer = await system.app.inject({
              method: 'POST',
              url: '/payments',
              headers: { authorization: auth, 'content-type': 'application/json' },
              payload: { sender_account: '12345678', receiver_account: '87654321', amount: '1.00', memo },
            });
            checkAnswer('post-memo', answer);
            expect(answer.statusCode, JSON.stringify(memo)).toBe(422);
            expect(answer.json<{ errors: Array<{ field: string }> }>().errors.map((error) => error.field)).toEqual(['body.memo']);
          }),
          { numRuns: RUNS },
        );
      });

      it('POST /payments with valid bodies from sender accounts the client does not own', async () => {
        const answers = new Set<string>();
        const senders: string[] = [];
        const keys: string[] = [];
        const account = fc.stringMatching(/^\d{6,34}$/);
        await fc.assert(
          fc.asyncProperty(
            fc.oneof(account, fc.constantFrom(...OTHERS_ACCOUNTS)),
            account,
            fc.integer({ min: 1, max: 100_000_00 }),
            fc.option(fc.stringMatching(/^[\x21-\x7e]{1,40}$/), { nil: undefined }),
            async (sender, receiver, cents, key) => {
              fc.pre(sender !== receiver && sender !== FUZZ_ACCOUNT);
              senders.push(sender);
              if (key) keys.push(key);
              const answer = await system.app.inject({
                method: 'POST',
                url: '/payments',
                headers: { authorization: auth, 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) },
                payload: { sender_account: sender, receiver_account: receiver, amount: (cents / 100).toFixed(2) },
              });
              checkAnswer('foreign-sender', answer);
              expect(answer.statusCode).toBe(403);
              const { request_id: _id, ...rest } = JSON.parse(answer.body) as Record<string, unknown>;
              answers.add(JSON.stringify(rest));
            },
          ),
          { numRuns: RUNS },
        );
        // One answer for every account, whoever owns it; nothing stored, keyed or sent.
        expect(answers.size).toBe(1);
        const [stored] = await system.sql<{ n: number }[]>`
          SELECT count(*)::int AS n FROM payments WHERE sender_account = ANY(${senders}::text[])`;
        expect(stored?.n).toBe(0);
        const [keyed] = await system.sql<{ n: number }[]>`
          SELECT count(*)::int AS n FROM idempotency_keys WHERE key = ANY(${keys}::text[])`;
        expect(keyed?.n).toBe(0);
        const sent = (await (await fetch(`${system.mock.url}/__mock/payments`)).json()) as Array<{ sender_account: string }>;
        expect(sent.filter((p) => senders.includes(p.sender_account))).toEqual([]);
      });
    });
  });
});
