import { createPaymentTrackerClient, type PaymentTrackerClient } from '@pt/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type System, startSystem } from './harness.js';

/**
 * Horizontal scale: API processes share nothing but Postgres, so any load balancer may send
 * any request anywhere; syncers coordinate through Postgres too. Each instance is called through
 * the typed client, as a client behind a load balancer would (without retries: each answer counts).
 */
describe('several API instances and syncers on one database', () => {
  let system: System;
  let key: string;
  let apis: PaymentTrackerClient[];

  beforeAll(async () => {
    system = await startSystem({ delaySeconds: 0.3 });
    await system.startSyncer();
    key = await system.createClient('acme', false, { accounts: ['11112222'] });
    const second = await system.startApi();
    const third = await system.startApi();
    apis = [
      system.client(key),
      ...[second, third].map(({ url }) => createPaymentTrackerClient({ baseUrl: url, apiKey: key, retry: false })),
    ];
  });
  afterAll(() => system?.stop());

  const byId = (id: string) => ({ params: { path: { id } } });

  it('a payment created through one instance is read, listed and resolved through the others', async () => {
    const created = await apis[0]?.POST('/payments', {
      body: { sender_account: '11112222', receiver_account: '33334445', amount: '7.00' },
    });
    expect(created?.response.status).toBe(201);
    const id = String(created?.data?.id);
    for (const api of apis.slice(1)) {
      const read = await api.GET('/payments/{id}', byId(id));
      expect(read.response.status).toBe(200);
      expect(read.data?.amount).toBe('7.00');
    }
    const final = await eventually(async () => {
      const read = await apis[2]?.GET('/payments/{id}', byId(id));
      return read?.data?.status === 'returned' ? read.data : undefined;
    });
    expect(final.resolved_at).not.toBeNull();
  });

  it('the same Idempotency-Key sent to every instance at once makes one payment and one submission', async () => {
    const body = { sender_account: '11112222', receiver_account: '33334440', amount: '8.00', memo: 'spread over instances' };
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        apis[i % apis.length]?.POST('/payments', { body, params: { header: { 'idempotency-key': 'spread-1' } } }),
      ),
    );
    const statuses = answers.map((a) => a?.response.status);
    const created = answers.filter((a) => a?.response.status === 201 || a?.response.status === 202);
    expect(created.length).toBeGreaterThan(0);
    expect(statuses.every((status) => status !== undefined && [201, 202, 409].includes(status))).toBe(true);
    expect(new Set(created.map((a) => a?.data?.id)).size).toBe(1);
    const rows = await system.sql`SELECT count(*)::int AS n FROM payments WHERE memo = 'spread over instances'`;
    expect(rows[0]?.n).toBe(1);
    const recorded = (await (await fetch(`${system.mock.url}/__mock/payments`)).json()) as Array<{ memo: string | null }>;
    expect(recorded.filter((p) => p.memo === 'spread over instances')).toHaveLength(1);
  });

  it('two syncers: exactly one holds the polling lock', async () => {
    const held = await eventually(async () => {
      const [row] = await system.sql`
        SELECT count(*)::int AS n FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'advisory' AND l.granted AND a.datname = current_database()`;
      return row?.n === 1 ? row.n : undefined;
    });
    expect(held).toBe(1);
  });
});
