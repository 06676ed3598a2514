import type { PaymentTrackerClient } from '@pt/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPortUrl, mockStats } from './delivery-helpers.js';
import { eventually, type System, startSystem } from './harness.js';
import { listOf } from './payment-list.js';

const expectedByDigit = (digit: number) => (digit <= 3 ? 'settled' : digit <= 6 ? 'returned' : 'failed');

/** Through the typed client (packages/client), as a client of the API calls it. */
describe('a payment from submission to resolution, over real HTTP', () => {
  let system: System;
  let acme: PaymentTrackerClient;
  let other: PaymentTrackerClient;

  beforeAll(async () => {
    system = await startSystem({ delaySeconds: 0.8 });
    acme = system.client(await system.createClient('acme', false, { accounts: ['11112222'] }));
    other = system.client(await system.createClient('globex'));
  });
  afterAll(() => system?.stop());

  it('resolves receivers ending in 0-9 as the gateway contract says, with events received → pending → final', async () => {
    const created = await Promise.all(
      Array.from({ length: 10 }, async (_, digit) => {
        const { data, response } = await acme.POST('/payments', {
          body: { sender_account: '11112222', receiver_account: `5555000${digit}`, amount: '10.25', memo: `digit ${digit}` },
        });
        expect(response.status).toBe(201);
        expect(data?.status).toBe('pending');
        expect(response.headers.get('location')).toBe(`/payments/${data?.id}`);
        return { digit, id: String(data?.id) };
      }),
    );

    for (const { digit, id } of created) {
      const final = await eventually(
        async () => {
          const { data } = await acme.GET('/payments/{id}', { params: { path: { id } } });
          return data?.status === 'pending' ? undefined : data;
        },
        { what: `payment ${digit} to resolve` },
      );
      expect(final.status).toBe(expectedByDigit(digit));
      expect(final.amount).toBe('10.25');
      expect(final.resolved_at).not.toBeNull();
      expect(final.last_synced_at).not.toBeNull();

      const events = await acme.GET('/payments/{id}/events', { params: { path: { id } } });
      expect(events.data?.items.map((e) => e.to_status)).toEqual(['received', 'pending', expectedByDigit(digit)]);
      expect(events.data?.items[2]?.source).toBe('syncer');
    }
  });

  it('shows another client none of them: 404 on read and events, empty list', async () => {
    const mine = await acme.GET('/payments', { params: { query: { limit: 100 } } });
    expect(listOf(mine.data).items.length).toBe(10);
    for (const payment of listOf(mine.data).items) {
      const path = { id: payment.id };
      expect((await other.GET('/payments/{id}', { params: { path } })).response.status).toBe(404);
      expect((await other.GET('/payments/{id}/events', { params: { path } })).response.status).toBe(404);
    }
    const theirs = await other.GET('/payments', {});
    expect(listOf(theirs.data).items).toEqual([]);
  });
});

describe('a gateway that is down at submission', () => {
  let system: System;
  afterAll(() => system?.stop());

  it('answers 202 received, then the syncer submits it once the gateway is back and it resolves', async () => {
    // Down means nothing listens: the connection is refused, so the gateway provably never got
    // the request. (A 503 would not prove that: proxies answer it after the upstream took it.)
    system = await startSystem({ delaySeconds: 0.3, startSyncer: false, env: { GATEWAY_URL: await closedPortUrl() } });
    const client = system.client(await system.createClient('acme', false, { accounts: ['11112222'] }));
    const answer = await client.POST('/payments', {
      body: { sender_account: '11112222', receiver_account: '33334442', amount: 5 },
    });
    expect(answer.response.status).toBe(202);
    const id = String(answer.data?.id);
    expect(answer.data?.status).toBe('received');
    expect(answer.data?.confirmation_id).toBeNull();
    expect(answer.data?.failure_reason).toMatch(/ECONNREFUSED/);

    // The gateway is back: a syncer that reaches it submits the queued payment.
    await system.startSyncer({ GATEWAY_URL: system.mock.url });
    const settled = await eventually(async () => {
      const read = await client.GET('/payments/{id}', { params: { path: { id } } });
      return read.data?.status === 'settled' ? read.data : undefined;
    });
    expect(settled.confirmation_id).not.toBeNull();
    const events = await client.GET('/payments/{id}/events', { params: { path: { id } } });
    expect(events.data?.items.map((e) => [e.to_status, e.source])).toEqual([
      ['received', 'api'],
      ['pending', 'syncer'],
      ['settled', 'syncer'],
    ]);
    // one refused attempt, one accepted: the gateway saw and recorded it exactly once
    const recorded = await (await fetch(`${system.mock.url}/__mock/payments`)).json();
    expect(recorded).toHaveLength(1);
    expect((await mockStats(system)).submits_received).toBe(1);
  });
});
