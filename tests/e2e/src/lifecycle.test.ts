import type { PaymentResponse } from '@pt/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPortUrl, mockStats } from './delivery-helpers.js';
import { eventually, type System, startSystem } from './harness.js';

type Events = { items: Array<{ from_status: string | null; to_status: string; source: string }> };

const expectedByDigit = (digit: number) => (digit <= 3 ? 'settled' : digit <= 6 ? 'returned' : 'failed');

describe('a payment from submission to resolution, over real HTTP', () => {
  let system: System;
  let acme: ReturnType<System['as']>;
  let other: ReturnType<System['as']>;

  beforeAll(async () => {
    system = await startSystem({ delaySeconds: 0.8 });
    acme = system.as(await system.createClient('acme', false, { accounts: ['11112222'] }));
    other = system.as(await system.createClient('globex'));
  });
  afterAll(() => system?.stop());

  it('resolves receivers ending in 0-9 as the gateway contract says, with events received → pending → final', async () => {
    const created = await Promise.all(
      Array.from({ length: 10 }, async (_, digit) => {
        const answer = await acme.post<PaymentResponse>('/payments', {
          sender_account: '11112222',
          receiver_account: `5555000${digit}`,
          amount: '10.25',
          memo: `digit ${digit}`,
        });
        expect(answer.status).toBe(201);
        expect(answer.body.status).toBe('pending');
        expect(answer.headers.location).toBe(`/payments/${answer.body.id}`);
        return { digit, id: answer.body.id };
      }),
    );

    for (const { digit, id } of created) {
      const final = await eventually(
        async () => {
          const answer = await acme.get<PaymentResponse>(`/payments/${id}`);
          return answer.body.status === 'pending' ? undefined : answer.body;
        },
        { what: `payment ${digit} to resolve` },
      );
      expect(final.status).toBe(expectedByDigit(digit));
      expect(final.amount).toBe('10.25');
      expect(final.resolved_at).not.toBeNull();
      expect(final.last_synced_at).not.toBeNull();

      const events = await acme.get<Events>(`/payments/${id}/events`);
      expect(events.body.items.map((e) => e.to_status)).toEqual(['received', 'pending', expectedByDigit(digit)]);
      expect(events.body.items[2]?.source).toBe('syncer');
    }
  });

  it('shows another client none of them: 404 on read and events, empty list', async () => {
    const mine = await acme.get<{ items: PaymentResponse[] }>('/payments?limit=100');
    expect(mine.body.items.length).toBe(10);
    for (const payment of mine.body.items) {
      expect((await other.get(`/payments/${payment.id}`)).status).toBe(404);
      expect((await other.get(`/payments/${payment.id}/events`)).status).toBe(404);
    }
    const theirs = await other.get<{ items: PaymentResponse[] }>('/payments');
    expect(theirs.body.items).toEqual([]);
  });
});

describe('a gateway that is down at submission', () => {
  let system: System;
  afterAll(() => system?.stop());

  it('answers 202 received, then the syncer submits it once the gateway is back and it resolves', async () => {
    // Down means nothing listens: the connection is refused, so the gateway provably never got
    // the request. (A 503 would not prove that: proxies answer it after the upstream took it.)
    system = await startSystem({ delaySeconds: 0.3, startSyncer: false, env: { GATEWAY_URL: await closedPortUrl() } });
    const client = system.as(await system.createClient('acme', false, { accounts: ['11112222'] }));
    const answer = await client.post<PaymentResponse>('/payments', {
      sender_account: '11112222',
      receiver_account: '33334442',
      amount: 5,
    });
    expect(answer.status).toBe(202);
    expect(answer.body.status).toBe('received');
    expect(answer.body.confirmation_id).toBeNull();
    expect(answer.body.failure_reason).toMatch(/ECONNREFUSED/);

    // The gateway is back: a syncer that reaches it submits the queued payment.
    await system.startSyncer({ GATEWAY_URL: system.mock.url });
    const settled = await eventually(async () => {
      const read = await client.get<PaymentResponse>(`/payments/${answer.body.id}`);
      return read.body.status === 'settled' ? read.body : undefined;
    });
    expect(settled.confirmation_id).not.toBeNull();
    const events = await client.get<Events>(`/payments/${answer.body.id}/events`);
    expect(events.body.items.map((e) => [e.to_status, e.source])).toEqual([
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
