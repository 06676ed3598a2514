import type { Payment, PaymentTrackerClient } from '@pt/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type System, startSystem } from './harness.js';

/**
 * The outage's answers are checked on the wire (raw HTTP: status, headers, text); the payments
 * before and after it are made and read through the typed client, as a client would.
 */
describe('a database outage', () => {
  let system: System;
  let client: ReturnType<System['as']>;
  let api: PaymentTrackerClient;
  let before: Payment;

  beforeAll(async () => {
    system = await startSystem({ proxyDatabase: true, delaySeconds: 0.3 });
    const key = await system.createClient('acme', false, { accounts: ['11112222'] });
    client = system.as(key);
    api = system.client(key);
    const created = await api.POST('/payments', {
      body: { sender_account: '11112222', receiver_account: '22223330', amount: '1.00' },
    });
    if (!created.data) throw new Error(`no payment before the outage: ${created.response.status}`);
    before = created.data;
  });
  afterAll(() => system?.stop());

  it('answers 503 problem+json (not a hang, not a 500) while the database is unreachable', async () => {
    system.dbProxy?.cut();
    for (const answer of [
      await client.get(`/payments/${before.id}`),
      await client.get('/payments'),
      await client.post('/payments', { sender_account: '11112222', receiver_account: '22223331', amount: '2.00' }),
    ]) {
      expect(answer.status).toBe(503);
      expect(answer.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(answer.headers['retry-after']).toBeDefined();
      expect(answer.text).not.toMatch(/ECONNREFUSED|postgres|stack/i);
    }
    expect((await client.get('/readyz')).status).toBe(503);
    expect((await client.get('/healthz')).status).toBe(200);
  });

  it('recovers by itself when the database returns: reads, writes, readiness and the syncer', { timeout: 90_000 }, async () => {
    system.dbProxy?.restore();
    await eventually(async () => ((await api.GET('/readyz')).response.status === 200 ? true : undefined), { what: 'readyz' });
    const after = await api.POST('/payments', {
      body: { sender_account: '11112222', receiver_account: '22223333', amount: '3.00' },
    });
    expect(after.response.status).toBe(201);
    for (const id of [before.id, String(after.data?.id)]) {
      const settled = await eventually(
        async () => {
          const read = await api.GET('/payments/{id}', { params: { path: { id } } });
          return read.data?.status === 'settled' ? read.data : undefined;
        },
        // The syncer's lock check can stay stuck 10-15 s after the database returns (postgres.js
        // keeps retrying the cut connection): recovery is what this asserts, not its speed.
        { what: `payment ${id} settled after the outage`, timeoutMs: 40_000 },
      );
      expect(settled.resolved_at).not.toBeNull();
    }
  });
});
