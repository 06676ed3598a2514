import type { PaymentTrackerClient } from '@pt/client';
import type { PaymentResponse } from '@pt/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem, fieldsOf } from '../expect-problem.js';
import type { System } from '../harness.js';
import { listOf, type PaymentList } from '../payment-list.js';
import { type Client, GLOBEX_ACCOUNT, startWithAcme, startWithSixPayments, twoTenants, validBody } from './fixtures.js';

/**
 * GET /payments: the caller's payments, newest first, in pages. What every route shares (API keys,
 * unknown routes and methods, database outages): every-route*.test.ts. Well-formed queries go
 * through the typed client, malformed ones as raw HTTP.
 */

type ListQuery = { limit?: number; cursor?: string; status?: Array<'received' | 'pending' | 'settled'> };

/** One page of `api`'s payments, answered 200 as JSON. */
async function listPage(api: PaymentTrackerClient, query: ListQuery = {}): Promise<PaymentList> {
  const { data, response } = await api.GET('/payments', { params: { query } });
  expect(response.status).toBe(200);
  return listOf(data);
}

const body = validBody('12.34');

describe('GET /payments', () => {
  // No syncer: statuses stay as the API left them. The tests run in order: one adds a payment.
  describe('success', () => {
    let system: System;
    let api: PaymentTrackerClient;
    /** Created in this order: index 0 is the oldest. */
    const created: PaymentResponse[] = [];

    beforeAll(async () => {
      ({ system, api } = await startWithSixPayments(created));
    });
    afterAll(() => system?.stop());

    it('GET /payments lists newest first with the default page size', async () => {
      const list = await listPage(api);
      expect(list.items.map((p) => p.id)).toEqual([...created].reverse().map((p) => p.id));
      expect(list.next_cursor).toBeNull();
      for (const item of list.items) expect(typeof item.amount).toBe('string');
    });

    it('GET /payments?limit=2 walks 3 pages, every payment exactly once, newest first', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page: PaymentList = await listPage(api, cursor === null ? { limit: 2 } : { limit: 2, cursor });
        expect(page.items.length).toBe(2);
        seen.push(...page.items.map((p) => p.id));
        cursor = page.next_cursor;
        pages++;
      } while (cursor !== null && pages < 10);
      expect(pages).toBe(3);
      expect(seen).toEqual([...created].reverse().map((p) => p.id));
      expect(new Set(seen).size).toBe(created.length);
    });

    it('GET /payments keeps its pages stable when newer payments arrive meanwhile', async () => {
      const first = await listPage(api, { limit: 3 });
      const newer = await api.POST('/payments', { body: { ...body, memo: 'newer' } });
      if (!newer.data) throw new Error('no payment answered');
      expect(first.next_cursor).toEqual(expect.any(String));
      const second = await listPage(api, { limit: 3, cursor: String(first.next_cursor) });
      const ids = [...first.items, ...second.items].map((p) => p.id);
      expect(ids).not.toContain(newer.data.id);
      expect(ids).toEqual([...created].reverse().map((p) => p.id));
      created.push(newer.data);
    });

    it('GET /payments?status= filters, and pages within the filter', async () => {
      const received = await listPage(api, { status: ['received'] });
      expect(received.items.map((p) => p.id)).toEqual([created[4]?.id, created[1]?.id]);
      const pending = await listPage(api, { status: ['pending'], limit: 100 });
      expect(pending.items.every((p) => p.status === 'pending')).toBe(true);
      expect(pending.items).toHaveLength(created.length - 2);

      const firstPage = await listPage(api, { status: ['received'], limit: 1 });
      expect(firstPage.items.map((p) => p.id)).toEqual([created[4]?.id]);
      expect(firstPage.next_cursor).toEqual(expect.any(String));
      const secondPage = await listPage(api, { status: ['received'], limit: 1, cursor: String(firstPage.next_cursor) });
      expect(secondPage.items.map((p) => p.id)).toEqual([created[1]?.id]);
      expect(secondPage.next_cursor).toBeNull();

      expect(await listPage(api, { status: ['settled'] })).toEqual({ items: [], next_cursor: null });
    });
  });

  describe('errors', () => {
    let system: System;
    let client: Client;

    beforeAll(async () => {
      ({ system, client } = await startWithAcme());
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
  });

  // The tests run in order: the last adds a payment of globex's own.
  describe('security', () => {
    let system: System;
    let acmeApi: PaymentTrackerClient;
    let globexApi: PaymentTrackerClient;
    let acmePayments: PaymentResponse[];

    beforeAll(async () => {
      ({ system, acmeApi, globexApi, acmePayments } = await twoTenants(3));
    });
    afterAll(() => system?.stop());

    it('GET /payments lists none of them, with or without a status filter', async () => {
      const queries: ListQuery[] = [{}, { limit: 100 }, { status: ['pending'] }, { status: ['received'] }];
      for (const query of queries) expect(await listPage(globexApi, query)).toEqual({ items: [], next_cursor: null });
      expect((await listPage(acmeApi)).items).toHaveLength(3);
    });

    it('GET /payments with a cursor taken from another client’s page shows only the caller’s own', async () => {
      const page = await listPage(acmeApi, { limit: 1 });
      expect(page.next_cursor).toEqual(expect.any(String));
      const own = await globexApi.POST('/payments', { body: { ...body, sender_account: GLOBEX_ACCOUNT, memo: 'globex own' } });
      expect(own.response.status).toBe(201);
      const answer = await listPage(globexApi, { cursor: String(page.next_cursor) });
      for (const item of answer.items) expect(item.id).toBe(own.data?.id);
      expect(answer.items.some((item) => acmePayments.some((p) => p.id === item.id))).toBe(false);
    });
  });
});
