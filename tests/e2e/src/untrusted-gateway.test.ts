import type { PaymentTrackerClient } from '@pt/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  confirmGatewayClock,
  FINAL_STATUSES,
  measureGatewayClock,
  mockStats,
  postPayment,
  recordedWithMemo,
  setFaults,
  storedPayment,
  submitToGateway,
  uniqueMemo,
  waitForStatus,
  waitForSyncAfter,
} from './delivery-helpers.js';
import { eventually, type System, startSystem } from './harness.js';

/**
 * A gateway whose list cannot be trusted, that someone else also uses, that asks us to wait
 * forever, or that keeps failing: no absence is concluded from a list that contradicts us, no
 * automatic decision is taken while unexplained entries exist, and careful mode sends one at
 * a time while it misbehaves. The operator's calls go through the typed client; the client's
 * payments through delivery-helpers' raw postPayment.
 */

/** The reconciliation report, as an operator's tooling reads it. */
async function reconciliation(admin: PaymentTrackerClient) {
  const { data, response } = await admin.GET('/admin/reconciliation');
  expect(response.status).toBe(200);
  if (!data) throw new Error('no reconciliation report');
  return data;
}

/** GET /admin/metrics: Prometheus text. */
const adminMetrics = (admin: PaymentTrackerClient) => admin.GET('/admin/metrics', { parseAs: 'text' });

describe('a gateway whose history was wiped', () => {
  let system: System;
  let client: ReturnType<System['as']>;
  let admin: PaymentTrackerClient;

  beforeAll(async () => {
    system = await startSystem({ delaySeconds: 30 }); // payments stay pending at the gateway
    client = system.as(await system.createClient('acme', false, { accounts: ['11112222'] }));
    admin = system.client(await system.createClient('ops', true));
    await measureGatewayClock(client);
  });
  afterAll(() => system?.stop());

  it('takes no absence decision while the list lost payments we track, and tells the operator', async () => {
    const pending = await postPayment(client, uniqueMemo('tracked'));
    expect(pending.body.status).toBe('pending');
    await setFaults(system, { submit: [{ kind: 'accept_then_error', status_code: 502, count: 1 }] });
    const memo = uniqueMemo('recorded, then wiped');
    const unconfirmed = await postPayment(client, memo);
    expect(unconfirmed.body.status).toBe('unconfirmed');
    // The gateway restarts with an empty history: its list no longer holds either payment.
    await fetch(`${system.mock.url}/__mock/payments`, { method: 'DELETE' });

    const report = await eventually(
      async () => {
        const body = await reconciliation(admin);
        return body.gateway.list_alarm ? body : undefined;
      },
      { timeoutMs: 10_000, what: 'the list alarm' },
    );
    expect(report.gateway.list_alarm).toMatch(/missing from the list|history wiped/);
    // Several cycles later it is still unconfirmed, never re-sent.
    await waitForSyncAfter(system, new Date(Date.now() + 1500));
    expect((await storedPayment(system, unconfirmed.body.id)).status).toBe('unconfirmed');
    expect((await mockStats(system)).submits_received).toBe(3);
    expect(report.unconfirmed.map((u) => u.id)).toContain(unconfirmed.body.id);
  });
});

describe('a second submitter at the gateway', () => {
  let system: System;
  let client: ReturnType<System['as']>;
  let admin: PaymentTrackerClient;
  let adminKey: string;

  beforeAll(async () => {
    system = await startSystem({ delaySeconds: 0.3 });
    client = system.as(await system.createClient('acme', false, { accounts: ['11112222'] }));
    adminKey = await system.createClient('ops', true);
    admin = system.client(adminKey);
    await measureGatewayClock(client);
    await waitForSyncAfter(system, new Date()); // the first check for foreign entries starts here
  });
  afterAll(() => system?.stop());

  it('stops automatic decisions on an entry in no window until an operator acknowledges it', async () => {
    const stranger = await submitToGateway(system, { sender_account: 'X1', receiver_account: 'Y2', amount: 1.5 });
    const alarmed = await eventually(
      async () => {
        const body = await reconciliation(admin);
        return body.gateway.foreign_unacknowledged > 0 ? body : undefined;
      },
      { timeoutMs: 10_000, what: 'the foreign-entry alarm' },
    );
    expect(alarmed.orphans.find((o) => o.confirmation_id === stranger.confirmation_id)?.kind).toBe('foreign');
    const metrics = await adminMetrics(admin);
    expect(metrics.response.status).toBe(200);
    expect(metrics.response.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(metrics.data).toMatch(/^payment_tracker_gateway_foreign_entries 1$/m);
    expect((await client.get('/admin/metrics')).status).toBe(403);

    // Meanwhile a payment the gateway never recorded is not re-queued...
    await setFaults(system, { submit: [{ kind: 'error', status_code: 500, count: 1 }] });
    const memo = uniqueMemo('paused');
    const answer = await postPayment(client, memo);
    expect(answer.body.status).toBe('unconfirmed');
    // ...although the next payment confirmed the clock around its window: the pause holds it.
    await confirmGatewayClock(client);
    await waitForSyncAfter(system, new Date(Date.now() + 500));
    expect((await storedPayment(system, answer.body.id)).status).toBe('unconfirmed');
    expect(await recordedWithMemo(system, memo)).toHaveLength(0);
    const waits = system.logs.lines.filter((line) => line.includes(answer.body.id) && line.includes('unconfirmed payment waits'));
    expect(waits.at(-1)).toContain('"reason":"paused"');

    // ...until an operator acknowledges, with a reason; which admin key did it is kept.
    const ack = await admin.POST('/admin/gateway/acknowledge', {
      body: { reason: 'finance team test payment, submitted by hand' },
    });
    expect(ack.response.status).toBe(200);
    expect(ack.data?.acknowledged_foreign).toBe(1);
    const final = await waitForStatus(system, answer.body.id, FINAL_STATUSES);
    expect(await recordedWithMemo(system, memo)).toHaveLength(1);
    expect(final.attempts).toBe(2);
    const report = await reconciliation(admin);
    expect(report.gateway.foreign_unacknowledged).toBe(0);
    expect(report.orphans.find((o) => o.confirmation_id === stranger.confirmation_id)?.acknowledged_by).toBe(
      adminKey.split('_')[1],
    );
  });
});

describe('a gateway that asks us to wait far too long', () => {
  let system: System;
  let client: ReturnType<System['as']>;
  let admin: PaymentTrackerClient;

  beforeAll(async () => {
    system = await startSystem({
      delaySeconds: 0.3,
      env: { GATEWAY_RETRY_AFTER_CAP_MS: '500', ADMIN_STUCK_RECEIVED_MS: '1000' },
    });
    client = system.as(await system.createClient('acme', false, { accounts: ['11112222'] }));
    admin = system.client(await system.createClient('ops', true));
  });
  afterAll(() => system?.stop());

  it('caps Retry-After, so the payment is sent again soon and resolves', async () => {
    await setFaults(system, { submit: [{ kind: 'rate_limit', retry_after_s: 86_400, count: 1 }] });
    const answer = await postPayment(client, uniqueMemo('retry after a day'));
    expect(answer.body.status).toBe('received');
    const stored = await storedPayment(system, answer.body.id);
    expect(stored.next_attempt_at?.getTime()).toBeLessThan(Date.now() + 60_000);
    await waitForStatus(system, answer.body.id, FINAL_STATUSES);
  });

  it('lists a payment waiting in received too long for an operator', async () => {
    await setFaults(system, { submit: [{ kind: 'rate_limit', retry_after_s: 0 }] });
    const answer = await postPayment(client, uniqueMemo('stuck'));
    const report = await eventually(
      async () => {
        const body = await reconciliation(admin);
        return body.stuck_received.some((s) => s.id === answer.body.id) ? body : undefined;
      },
      { timeoutMs: 10_000, what: 'the stuck payment in the report' },
    );
    expect(report.stuck_received.find((s) => s.id === answer.body.id)?.reason).toMatch(/429/);
    await setFaults(system, {});
  });
});

describe('careful mode while the gateway misbehaves', () => {
  let system: System;
  let client: ReturnType<System['as']>;
  let admin: PaymentTrackerClient;

  beforeAll(async () => {
    system = await startSystem({
      delaySeconds: 0.3,
      env: { CAREFUL_ENTER_AFTER: '2', CAREFUL_WITHIN_MS: '3000', CAREFUL_EXIT_AFTER: '2' },
    });
    client = system.as(await system.createClient('acme', false, { accounts: ['11112222'] }));
    admin = system.client(await system.createClient('ops', true));
    await measureGatewayClock(client);
  });
  afterAll(() => system?.stop());

  it('stops inline sends after unknown outcomes, sends queued ones one at a time, and returns to normal', async () => {
    await setFaults(system, { submit: [{ kind: 'accept_then_error', status_code: 504, count: 2 }] });
    for (const label of ['careful 1', 'careful 2']) {
      expect((await postPayment(client, uniqueMemo(label))).body.status).toBe('unconfirmed');
    }
    const report = await reconciliation(admin);
    expect(report.gateway.careful_since).not.toBeNull();
    expect((await adminMetrics(admin)).data).toMatch(/^payment_tracker_gateway_careful_mode 1$/m);

    // The API answers 202 received and sends nothing inline (its mode is read once a second).
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const before = await mockStats(system);
    const queued = await postPayment(client, uniqueMemo('careful queued'));
    expect(queued.status).toBe(202);
    expect(queued.body.status).toBe('received');
    expect((await mockStats(system)).submits_received).toBe(before.submits_received);

    const second = await postPayment(client, uniqueMemo('careful queued 2'));
    await Promise.all([
      waitForStatus(system, queued.body.id, FINAL_STATUSES),
      waitForStatus(system, second.body.id, FINAL_STATUSES),
    ]);
    // Two accepted sends in a row, once the unknown outcomes are older than 3 s: normal mode again.
    await eventually(async () => ((await reconciliation(admin)).gateway.careful_since === null ? true : undefined), {
      timeoutMs: 10_000,
      what: 'careful mode to end',
    });
    expect((await adminMetrics(admin)).data).toMatch(/^payment_tracker_gateway_careful_mode 0$/m);
    expect(system.logs.text()).toContain('careful mode on');
    expect(system.logs.text()).toContain('careful mode off');
  });
});
