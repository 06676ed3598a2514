import type { PaymentResponse } from '@pt/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem } from './expect-problem.js';
import { eventually, type System, startSystem } from './harness.js';

type Client = ReturnType<System['as']>;
type List = { items: PaymentResponse[]; next_cursor: string | null };
type Event = { from_status: string | null; to_status: string; source: string; reason: string | null; at: string };

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const body = { sender_account: '11112222', receiver_account: '33334440', amount: '10.00' };

async function putFaults(system: System, submit: unknown[]) {
  await fetch(`${system.mock.url}/__mock/faults`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ submit, status: [] }),
  });
}

// The syncer starts only in the last test, so statuses stay as the API left them until then.
describe('reading payments', () => {
  let system: System;
  let client: Client;
  /** Created in this order: index 0 is the oldest. */
  const created: PaymentResponse[] = [];

  beforeAll(async () => {
    system = await startSystem({ startSyncer: false, delaySeconds: 0.3 });
    client = system.as(await system.createClient('acme'));
    // 6 payments: 4 pending, 2 received (the gateway turns the 2nd and 5th away with a 429,
    // which proves it did not take them; they wait in the queue for a syncer)
    for (let i = 0; i < 6; i++) {
      await putFaults(system, i === 1 || i === 4 ? [{ kind: 'rate_limit', retry_after_s: 0, count: 1 }] : []);
      const answer = await client.post<PaymentResponse>('/payments', { ...body, amount: `${i + 1}.50`, memo: `#${i}` });
      expect([201, 202]).toContain(answer.status);
      created.push(answer.body);
    }
    await putFaults(system, []);
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
    const answer = await client.get<PaymentResponse>(`/payments/${created[1]?.id}`);
    expect(answer.body).toMatchObject({ status: 'received', confirmation_id: null, submitted_at: null, resolved_at: null });
    expect(answer.body.failure_reason).toEqual(expect.any(String));
  });

  it('GET /payments/{id} answers 404 problem for an unknown id', async () => {
    const problem = expectProblem(await client.get('/payments/0190a0b0-0000-7000-8000-000000000000'), 404);
    expect(problem.type).toMatch(/not-found$/);
  });

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

  it('GET /payments/{id}/events is the history oldest first, through to resolution', async () => {
    const id = created[0]?.id as string;
    const early = await client.get<{ items: Event[] }>(`/payments/${id}/events`);
    expect(early.status).toBe(200);
    expect(early.body.items.map((e) => [e.from_status, e.to_status, e.source])).toEqual([
      [null, 'received', 'api'],
      ['received', 'pending', 'api'],
    ]);

    await system.startSyncer();
    await eventually(
      async () => ((await client.get<PaymentResponse>(`/payments/${id}`)).body.status === 'settled' ? true : undefined),
      { what: 'the payment to settle' },
    );
    const events = await client.get<{ items: Event[] }>(`/payments/${id}/events`);
    expect(events.body.items.map((e) => [e.from_status, e.to_status, e.source])).toEqual([
      [null, 'received', 'api'],
      ['received', 'pending', 'api'],
      ['pending', 'settled', 'syncer'],
    ]);
    const times = events.body.items.map((e) => {
      expect(e.at).toMatch(ISO);
      return Date.parse(e.at);
    });
    expect([...times].sort((a, b) => a - b)).toEqual(times);

    const settled = await client.get<PaymentResponse>(`/payments/${id}`);
    expect(settled.body.resolved_at).toMatch(ISO);
    expect(settled.body.last_synced_at).toMatch(ISO);
  });
});
