import type { PaymentTrackerClient } from '@pt/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  mockStats,
  postPayment,
  readGatewayStatus,
  recordedWithMemo,
  storedEvents,
  uniqueMemo,
  waitForSyncAfter,
} from './delivery-helpers.js';
import { expectProblem } from './expect-problem.js';
import { eventually, type System, startSystem } from './harness.js';

describe('GET /payments/{id}?refresh=true', () => {
  let system: System;
  let client: ReturnType<System['as']>;
  /** The same key through the typed client: reads as a client of the API makes them. */
  let api: PaymentTrackerClient;
  const read = (id: string, refresh?: 'true') =>
    api.GET('/payments/{id}', { params: { path: { id }, query: refresh ? { refresh } : {} } });

  beforeAll(async () => {
    // After its first cycle the loop would not run again for a minute: only a wake-up can.
    system = await startSystem({ delaySeconds: 0.3, env: { SYNC_INTERVAL_MS: '60000' } });
    const key = await system.createClient('acme', false, { accounts: ['11112222'] });
    client = system.as(key);
    api = system.client(key);
    await waitForSyncAfter(system, new Date(0));
  });
  afterAll(() => system?.stop());

  it('shows a resolution the gateway made since the last cycle, by waking the syncer through NOTIFY', async () => {
    const memo = uniqueMemo('refresh');
    const created = await postPayment(client, memo, 3);
    expect(created.body.status).toBe('pending');
    await eventually(async () => {
      await readGatewayStatus(system);
      return (await recordedWithMemo(system, memo))[0]?.status === 'settled' ? true : undefined;
    });

    const plain = await read(created.body.id);
    expect(plain.data?.status).toBe('pending');
    const refreshed = await read(created.body.id, 'true');
    expect(refreshed.response.status).toBe(200);
    expect(refreshed.data?.status).toBe('settled');
    expect(refreshed.data?.last_synced_at).not.toBeNull();
    expect((await storedEvents(system, created.body.id)).map((e) => [e.to_status, e.source])).toEqual([
      ['received', 'api'],
      ['pending', 'api'],
      ['settled', 'syncer'],
    ]);
  });

  it('serves 20 concurrent refreshes with a few /status fetches, not 20', async () => {
    const memo = uniqueMemo('refresh burst');
    const created = await postPayment(client, memo, 5);
    expect(created.body.status).toBe('pending');
    await eventually(async () => {
      await readGatewayStatus(system);
      return (await recordedWithMemo(system, memo))[0]?.status === 'returned' ? true : undefined;
    });

    const before = (await mockStats(system)).status_requests;
    const answers = await Promise.all(Array.from({ length: 20 }, () => read(created.body.id, 'true')));
    const fetches = (await mockStats(system)).status_requests - before;
    for (const answer of answers) {
      expect(answer.response.status).toBe(200);
      expect(answer.data?.status).toBe('returned');
    }
    expect(fetches).toBeGreaterThanOrEqual(1);
    expect(fetches).toBeLessThanOrEqual(3);
  });

  it('spaces the cycles wake-ups ask for by SYNC_REFRESH_MIN_GAP_MS (1 s), however many arrive', async () => {
    const before = (await mockStats(system)).status_requests;
    const startedAt = Date.now();
    // Many API processes' worth of refreshes: a wake-up every 20 ms for 2.5 s.
    while (Date.now() - startedAt < 2500) {
      await system.sql`SELECT pg_notify('pt_sync_requested', '')`;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const elapsedMs = Date.now() - startedAt;
    await new Promise((resolve) => setTimeout(resolve, 1100)); // the last wake-up's cycle, if one is due
    const fetches = (await mockStats(system)).status_requests - before;
    expect(fetches).toBeGreaterThanOrEqual(1);
    expect(fetches).toBeLessThanOrEqual(Math.floor(elapsedMs / 1000) + 2);
  });
});

describe('?refresh=true has an allowance of its own per key', () => {
  let system: System;

  beforeAll(async () => {
    system = await startSystem({
      delaySeconds: 0.3,
      env: { RATE_LIMIT_MAX: '1000', RATE_LIMIT_REFRESH_MAX: '2', AUTH_CACHE_TTL_MS: '60000' },
    });
  });
  afterAll(() => system?.stop());

  it('answers 429 past RATE_LIMIT_REFRESH_MAX refreshes, while plain reads and other keys go on', async () => {
    const client = system.as(await system.createClient('refresher', false, { accounts: ['11112222'] }));
    const created = await postPayment(client, uniqueMemo('refresh allowance'), 3);
    expect(created.status).toBe(201);
    const path = `/payments/${created.body.id}`;
    expect((await client.get(`${path}?refresh=true`)).status).toBe(200);
    expect((await client.get(`${path}?refresh=true`)).status).toBe(200);
    const refused = await client.get(`${path}?refresh=true`);
    expect(expectProblem(refused, 429).type).toMatch(/rate-limited/);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect((await client.get(path)).status).toBe(200);

    const other = system.as(await system.createClient('other-refresher', false, { accounts: ['11113333'] }));
    const theirs = await postPayment(other, uniqueMemo('refresh allowance, other key'), 3, '11113333');
    expect((await other.get(`/payments/${theirs.body.id}?refresh=true`)).status).toBe(200);
  });
});
