import type { PaymentResponse } from '@pt/core';
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
import { eventually, type System, startSystem } from './harness.js';

describe('GET /payments/{id}?refresh=true', () => {
  let system: System;
  let client: ReturnType<System['as']>;

  beforeAll(async () => {
    // After its first cycle the loop would not run again for a minute: only a wake-up can.
    system = await startSystem({ delaySeconds: 0.3, env: { SYNC_INTERVAL_MS: '60000' } });
    client = system.as(await system.createClient('acme'));
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

    const plain = await client.get<PaymentResponse>(`/payments/${created.body.id}`);
    expect(plain.body.status).toBe('pending');
    const refreshed = await client.get<PaymentResponse>(`/payments/${created.body.id}?refresh=true`);
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.status).toBe('settled');
    expect(refreshed.body.last_synced_at).not.toBeNull();
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
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => client.get<PaymentResponse>(`/payments/${created.body.id}?refresh=true`)),
    );
    const fetches = (await mockStats(system)).status_requests - before;
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(answer.body.status).toBe('returned');
    }
    expect(fetches).toBeGreaterThanOrEqual(1);
    expect(fetches).toBeLessThanOrEqual(3);
  });
});
