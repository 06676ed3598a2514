import type { PaymentResponse } from '@pt/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem, fieldsOf } from '../expect-problem.js';
import type { System } from '../harness.js';
import { type Client, GLOBEX_ACCOUNT, startWithAcme, startWithSixPayments, twoTenants, validBody } from './fixtures.js';

/**
 * GET /payments: the caller's payments, newest first, in pages. What every route shares (API keys,
 * unknown routes and methods, database outages): every-route*.test.ts.
 */

type List = { items: PaymentResponse[]; next_cursor: string | null };

const body = validBody('12.34');

describe('GET /payments', () => {
  // No syncer: statuses stay as the API left them. The tests run in order: one adds a payment.
  describe('success', () => {
    let system: System;
    let client: Client;
    /** Created in this order: index 0 is the oldest. */
    const created: PaymentResponse[] = [];

    beforeAll(async () => {
      ({ system, client } = await startWithSixPayments(created));
    });
    afterAll(() => system?.stop());

    it('GET /payments lists newest first with the default page size', async () => {
      const list = await client.get<List>('/payments');
      expect(list.status).toBe(200);
      expect(list.body.items.map((p) => p.id)).toEqual([...created].reverse().map((p) => p.id));
      expect(list.body.next_cursor).toBeNull();
      for (const item of list.body.items) expect(typeof item.amount).toBe('string');
    });

    it('GET /payments?limit=2 walks 3 pages, every payment exactly once, newest first', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const query: string = cursor === null ? '?limit=2' : `?limit=2&cursor=${encodeURIComponent(cursor)}`;
        const page = await client.get<List>(`/payments${query}`);
        expect(page.status).toBe(200);
        expect(page.body.items.length).toBe(2);
        seen.push(...page.body.items.map((p) => p.id));
        cursor = page.body.next_cursor;
        pages++;
      } while (cursor !== null && pages < 10);
      expect(pages).toBe(3);
      expect(seen).toEqual([...created].reverse().map((p) => p.id));
      expect(new Set(seen).size).toBe(created.length);
    });

    it('GET /payments keeps its pages stable when newer payments arrive meanwhile', async () => {
      const first = await client.get<List>('/payments?limit=3');
      const newer = await client.post<PaymentResponse>('/payments', { ...body, memo: 'newer' });
      const second = await client.get<List>(`/payments?limit=3&cursor=${first.body.next_cursor}`);
      const ids = [...first.body.items, ...second.body.items].map((p) => p.id);
      expect(ids).not.toContain(newer.body.id);
      expect(ids).toEqual([...created].reverse().map((p) => p.id));
      created.push(newer.body);
    });

    it('GET /payments?status= filters, and pages within the filter', async () => {
      const received = await client.get<List>('/payments?status=received');
      expect(received.body.items.map((p) => p.id)).toEqual([created[4]?.id, created[1]?.id]);
      const pending = await client.get<List>('/payments?status=pending&limit=100');
      expect(pending.body.items.every((p) => p.status === 'pending')).toBe(true);
      expect(pending.body.items).toHaveLength(created.length - 2);

      const firstPage = await client.get<List>('/payments?status=received&limit=1');
      expect(firstPage.body.items.map((p) => p.id)).toEqual([created[4]?.id]);
      const secondPage = await client.get<List>(`/payments?status=received&limit=1&cursor=${firstPage.body.next_cursor}`);
      expect(secondPage.body.items.map((p) => p.id)).toEqual([created[1]?.id]);
      expect(secondPage.body.next_cursor).toBeNull();

      expect((await client.get<List>('/payments?status=settled')).body).toEqual({ items: [], next_cursor: null });
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
    let acme: Client;
    let globex: Client;
    let acmePayments: PaymentResponse[];

    beforeAll(async () => {
      ({ system, acme, globex, acmePayments } = await twoTenants(3));
    });
    afterAll(() => system?.stop());

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
      const own = await globex.post<PaymentResponse>('/payments', {
        ...body,
        sender_account: GLOBEX_ACCOUNT,
        memo: 'globex own',
      });
      const answer = await globex.get<List>(`/payments?cursor=${page.body.next_cursor}`);
      expect(answer.status).toBe(200);
      for (const item of answer.body.items) expect(item.id).toBe(own.body.id);
      expect(answer.body.items.some((item) => acmePayments.some((p) => p.id === item.id))).toBe(false);
    });
  });
});
