import type { PaymentTrackerClient } from '@pt/client';
import type { PaymentResponse } from '@pt/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem, fieldsOf, withoutRequestId } from '../expect-problem.js';
import { eventually, type System } from '../harness.js';
import { type Client, startWithAcme, startWithSixPayments, twoTenants } from './fixtures.js';

/**
 * GET /payments/{id} and GET /payments/{id}/events: one payment and its history. What every route
 * shares (API keys, unknown routes and methods, database outages): every-route*.test.ts.
 */

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const unknownId = '0190a0b0-0000-7000-8000-000000000000';

describe('GET /payments/{id}', () => {
  // No syncer: statuses stay as the API left them.
  describe('success', () => {
    let system: System;
    let client: Client;
    let api: PaymentTrackerClient;
    /** Created in this order: index 0 is the oldest. */
    const created: PaymentResponse[] = [];

    beforeAll(async () => {
      ({ system, client, api } = await startWithSixPayments(created));
    });
    afterAll(() => system?.stop());

    it('GET /payments/{id} answers every documented field with its type', async () => {
      const answer = await client.get<Record<string, unknown>>(`/payments/${created[0]?.id}`);
      expect(answer.status).toBe(200);
      expect(String(answer.headers['content-type'])).toMatch(/^application\/json/);
      const payment = answer.body;
      expect(Object.keys(payment).sort()).toEqual(
        [
          'id',
          'status',
          'amount',
          'sender_account',
          'receiver_account',
          'memo',
          'confirmation_id',
          'failure_reason',
          'created_at',
          'submitted_at',
          'resolved_at',
          'updated_at',
          'last_synced_at',
        ].sort(),
      );
      expect(payment).toMatchObject({
        id: expect.stringMatching(UUID),
        status: 'pending',
        amount: '1.50',
        sender_account: '11112222',
        receiver_account: '33334440',
        memo: '#0',
        confirmation_id: expect.any(String),
        failure_reason: null,
        created_at: expect.stringMatching(ISO),
        submitted_at: expect.stringMatching(ISO),
        resolved_at: null,
        updated_at: expect.stringMatching(ISO),
      });
      expect(typeof payment.amount).toBe('string');
      expect(payment.last_synced_at === null || ISO.test(String(payment.last_synced_at))).toBe(true);
      // internal columns never leave
      expect(answer.text).not.toMatch(/client_id|attempt|lease|unconfirmed_from|gateway_created_at/);
    });

    it('GET /payments/{id} of a received payment has no confirmation and says why', async () => {
      const { data } = await api.GET('/payments/{id}', { params: { path: { id: String(created[1]?.id) } } });
      expect(data).toMatchObject({ status: 'received', confirmation_id: null, submitted_at: null, resolved_at: null });
      expect(data?.failure_reason).toEqual(expect.any(String));
    });
  });

  // The checks of the id in the path try GET /payments/{id}/events too.
  describe('errors', () => {
    let system: System;
    let client: Client;

    beforeAll(async () => {
      ({ system, client } = await startWithAcme());
    });
    afterAll(() => system?.stop());

    it('GET /payments/{id} answers 404 problem for an unknown id', async () => {
      const problem = expectProblem(await client.get('/payments/0190a0b0-0000-7000-8000-000000000000'), 404);
      expect(problem.type).toMatch(/not-found$/);
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

  // Another client's payment is checked on GET /payments/{id}/events too.
  describe('security', () => {
    let system: System;
    let acme: Client;
    let globex: Client;
    let acmePayments: PaymentResponse[];

    beforeAll(async () => {
      ({ system, acme, globex, acmePayments } = await twoTenants(3));
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
  });
});

describe('GET /payments/{id}/events', () => {
  // Its errors and security cases (a malformed, unknown or another client's id) run with
  // GET /payments/{id} above, each on both paths.
  describe('success', () => {
    let system: System;
    let api: PaymentTrackerClient;
    /** Created in this order: index 0 is the oldest. */
    const created: PaymentResponse[] = [];

    beforeAll(async () => {
      ({ system, api } = await startWithSixPayments(created));
    });
    afterAll(() => system?.stop());

    // The syncer starts only here, so the history is first what the API wrote.
    it('GET /payments/{id}/events is the history oldest first, through to resolution', async () => {
      const byId = { params: { path: { id: created[0]?.id as string } } };
      const early = await api.GET('/payments/{id}/events', byId);
      expect(early.response.status).toBe(200);
      expect(early.data?.items.map((e) => [e.from_status, e.to_status, e.source])).toEqual([
        [null, 'received', 'api'],
        ['received', 'pending', 'api'],
      ]);

      await system.startSyncer();
      await eventually(async () => ((await api.GET('/payments/{id}', byId)).data?.status === 'settled' ? true : undefined), {
        what: 'the payment to settle',
      });
      const events = await api.GET('/payments/{id}/events', byId);
      expect(events.data?.items.map((e) => [e.from_status, e.to_status, e.source])).toEqual([
        [null, 'received', 'api'],
        ['received', 'pending', 'api'],
        ['pending', 'settled', 'syncer'],
      ]);
      const times = (events.data?.items ?? []).map((e) => {
        expect(e.at).toMatch(ISO);
        return Date.parse(e.at);
      });
      expect([...times].sort((a, b) => a - b)).toEqual(times);

      const settled = await api.GET('/payments/{id}', byId);
      expect(settled.data?.resolved_at).toMatch(ISO);
      expect(settled.data?.last_synced_at).toMatch(ISO);
    });
  });
});
