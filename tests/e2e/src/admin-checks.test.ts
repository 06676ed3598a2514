import type { PaymentResponse } from '@pt/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  confirmGatewayClockAfter,
  logLines,
  measureGatewayClock,
  postPayment,
  recordedWithMemo,
  setFaults,
  submitToGateway,
  uniqueMemo,
  waitForSyncAfter,
} from './delivery-helpers.js';
import { expectProblem } from './expect-problem.js';
import { eventually, type RunningSyncer, type System, startSystem } from './harness.js';

/** The sender account of delivery-helpers' postPayment. */
const SENDER = '11112222';
const AMBIGUOUS = 'unconfirmed payment is ambiguous; left for an operator';

type Client = ReturnType<System['as']>;
type Events = { items: Array<{ to_status: string; source: string; reason: string | null; actor?: string | null }> };
type Report = {
  gateway: { foreign_unacknowledged: number };
  orphans: Array<{ confirmation_id: string; kind: string; in_last_read: boolean; acknowledged_by: string | null }>;
};

/** The public id of a key `pt_<id>_<secret>`: what operator events record as their actor. */
const keyIdOf = (apiKey: string) => apiKey.split('_')[1];

describe('operator actions on ambiguous payments: checked against the last read, audited, and told to the client in fixed words', () => {
  let system: System;
  let syncer: RunningSyncer;
  let client: Client;
  let ops: Client;
  let opsKey: string;
  /** Two unconfirmed payments whose windows both hold both entries (returned, failed). */
  let first: PaymentResponse;
  let second: PaymentResponse;
  let firstEntry: string;
  let secondEntry: string;

  beforeAll(async () => {
    system = await startSystem({ delaySeconds: 0.3, startSyncer: false, env: { GATEWAY_SUBMIT_TIMEOUT_MS: '4000' } });
    syncer = await system.startSyncer();
    client = system.as(await system.createClient('acme', false, { accounts: [SENDER] }));
    opsKey = await system.createClient('ops', true);
    ops = system.as(opsKey);
    await measureGatewayClock(client);

    // As in unconfirmed.test.ts: both recorded, both answered 500, at the gateway at once.
    await setFaults(system, { submit: [{ kind: 'accept_then_error', count: 2, latency_ms: 300 }] });
    const memos = [uniqueMemo('operator one'), uniqueMemo('operator two')];
    const answers = await Promise.all(memos.map((memo, i) => postPayment(client, memo, i === 0 ? 4 : 8)));
    [first, second] = answers.map((a) => a.body) as [PaymentResponse, PaymentResponse];
    for (const payment of [first, second]) await confirmGatewayClockAfter(system, client, payment.id);
    for (const payment of [first, second]) {
      await eventually(async () => (logLines(system, AMBIGUOUS, payment.id).length > 0 ? true : undefined), {
        what: 'the ambiguity to be logged',
      });
    }
    // One more complete read after both were judged ambiguous, then the syncer stops: the
    // operator acts on what that read showed.
    await waitForSyncAfter(system, new Date());
    await syncer.stop();
    const entries = await Promise.all(memos.map((memo) => recordedWithMemo(system, memo)));
    [firstEntry, secondEntry] = entries.map((e) => e[0]?.confirmation_id ?? '') as [string, string];
  }, 60_000);
  afterAll(() => system?.stop());

  it('shows both entries to the operator as candidates seen in the last read', async () => {
    const report = await ops.get<Report>('/admin/reconciliation');
    const shown = report.body.orphans.filter((o) => [firstEntry, secondEntry].includes(o.confirmation_id));
    expect(shown).toHaveLength(2);
    for (const orphan of shown) expect(orphan).toMatchObject({ kind: 'candidate', in_last_read: true });
  });

  it('refuses to link a confirmation_id the last read did not show unowned (409 saying why), changing nothing', async () => {
    const neverRead = await submitToGateway(system, { sender_account: '999999', receiver_account: '888888', amount: 1 });
    // A clock-sample payment's entry: held by that payment.
    const own = await client.get<{ items: PaymentResponse[] }>('/payments?limit=100');
    const heldId = own.body.items.find((p) => p.confirmation_id !== null)?.confirmation_id;
    expect(heldId).toBeTruthy();
    const cases = [
      ['made up', 'not-a-gateway-entry', /last complete read/],
      ['at the gateway but never read', neverRead.confirmation_id, /last complete read/],
      ['held by another payment', heldId, /Another payment already holds/],
    ] as const;
    for (const [, confirmationId, why] of cases) {
      const answer = await ops.post(`/admin/payments/${first.id}/link`, { confirmation_id: confirmationId, reason: 'trying' });
      const problem = expectProblem(answer, 409);
      expect(problem.type).toMatch(/gateway-entry-not-linkable$/);
      expect(problem.detail).toMatch(why);
    }
    expect((await client.get<PaymentResponse>(`/payments/${first.id}`)).body.status).toBe('unconfirmed');
  });

  it('refuses to re-queue a payment whose window holds candidate entries, naming them', async () => {
    const answer = await ops.post(`/admin/payments/${second.id}/requeue`, { reason: 'looks unsent' });
    const problem = expectProblem(answer, 409);
    expect(problem.type).toMatch(/requeue-needs-force$/);
    expect(problem.detail).toContain(firstEntry);
    expect(problem.detail).toContain(secondEntry);
    expect((await client.get<PaymentResponse>(`/payments/${second.id}`)).body.status).toBe('unconfirmed');
  });

  it("links an entry of the last read, recording the admin key; the client reads a fixed text, never the operator's words", async () => {
    const reason = 'memo matched in the gateway console, ticket OPS-42';
    const linked = await ops.post<PaymentResponse>(`/admin/payments/${first.id}/link`, { confirmation_id: firstEntry, reason });
    expect(linked.status).toBe(200);
    expect(linked.body).toMatchObject({ status: 'pending', confirmation_id: firstEntry });

    const asAdmin = await ops.get<Events>(`/admin/payments/${first.id}/events`);
    expect(asAdmin.body.items.at(-1)).toMatchObject({ to_status: 'pending', source: 'operator', reason, actor: keyIdOf(opsKey) });
    const asClient = await client.get<Events>(`/payments/${first.id}/events`);
    expect(asClient.body.items.at(-1)).toMatchObject({
      to_status: 'pending',
      source: 'operator',
      reason: 'An operator matched this payment to its record at the gateway.',
    });
    expect(asClient.text).not.toContain('OPS-42');
    expect(asClient.body.items.at(-1)).not.toHaveProperty('actor');
  });

  it('re-queues with force and a reason only: the event says forced and who; the client reads a fixed text', async () => {
    // The linked entry no longer counts, the other still does.
    const refused = expectProblem(await ops.post(`/admin/payments/${second.id}/requeue`, { reason: 'looks unsent' }), 409);
    expect(refused.detail).toContain(secondEntry);
    expect(refused.detail).not.toContain(firstEntry);

    const reason = 'gateway support says entry is someone else, ticket OPS-43';
    const requeued = await ops.post<PaymentResponse>(`/admin/payments/${second.id}/requeue`, { reason, force: true });
    expect(requeued.status).toBe(200);
    expect(requeued.body.status).toBe('received');

    const fixed = 'An operator reviewed this payment and queued it to be sent again.';
    const read = await client.get<PaymentResponse>(`/payments/${second.id}`);
    expect(read.body.failure_reason).toBe(fixed);
    const asClient = await client.get<Events>(`/payments/${second.id}/events`);
    expect(asClient.body.items.at(-1)).toMatchObject({ to_status: 'received', source: 'operator', reason: fixed });
    expect(asClient.text).not.toContain('OPS-43');
    const asAdmin = await ops.get<Events>(`/admin/payments/${second.id}/events`);
    expect(asAdmin.body.items.at(-1)).toMatchObject({ reason: `forced: ${reason}`, actor: keyIdOf(opsKey) });
  });

  it('answers 404 on the admin history of an unknown payment, and 403 to a client key', async () => {
    expectProblem(await ops.get('/admin/payments/01900000-0000-7000-8000-000000000000/events'), 404);
    expectProblem(await client.get(`/admin/payments/${first.id}/events`), 403);
  });
});

describe('operator actions without a confirmed window', () => {
  let system: System;
  let client: Client;
  let ops: Client;

  beforeAll(async () => {
    // No syncer: no list is ever read, no window confirmed.
    system = await startSystem({ startSyncer: false });
    client = system.as(await system.createClient('acme', false, { accounts: [SENDER] }));
    ops = system.as(await system.createClient('ops', true));
  });
  afterAll(() => system?.stop());

  async function unconfirmedPayment(memo: string, kind: 'accept_then_error' | 'error'): Promise<PaymentResponse> {
    await setFaults(system, { submit: [{ kind, status_code: 500, count: 1 }], status: [] });
    const answer = await postPayment(client, memo);
    expect(answer.body.status).toBe('unconfirmed');
    return answer.body;
  }

  it('refuses a re-queue without force (its window is not confirmed), and takes it with force', async () => {
    const payment = await unconfirmedPayment(uniqueMemo('blind requeue'), 'error');
    const refused = expectProblem(await ops.post(`/admin/payments/${payment.id}/requeue`, { reason: 'gateway says no' }), 409);
    expect(refused.detail).toMatch(/not confirmed/);
    const forced = await ops.post<PaymentResponse>(`/admin/payments/${payment.id}/requeue`, {
      reason: 'gateway says no',
      force: true,
    });
    expect(forced.status).toBe(200);
    expect(forced.body.status).toBe('received');
  });

  it('refuses to link the entry the gateway recorded while no sync has read it', async () => {
    const memo = uniqueMemo('unread entry');
    const payment = await unconfirmedPayment(memo, 'accept_then_error');
    const [entry] = await recordedWithMemo(system, memo);
    const answer = await ops.post(`/admin/payments/${payment.id}/link`, {
      confirmation_id: entry?.confirmation_id,
      reason: 'found it',
    });
    expect(expectProblem(answer, 409).detail).toMatch(/last complete read/);
  });

  it('refuses force that is not a boolean (422 naming the field)', async () => {
    const payment = await unconfirmedPayment(uniqueMemo('bad force'), 'error');
    const answer = await ops.post<{ errors: Array<{ field: string }> }>(`/admin/payments/${payment.id}/requeue`, {
      reason: 'gateway says no',
      force: 'yes',
    });
    expectProblem(answer, 422);
    expect(answer.body.errors.map((e) => e.field)).toEqual(['body.force']);
  });
});

describe('acknowledging foreign entries records the admin key', () => {
  let system: System;
  let opsKey: string;

  beforeAll(async () => {
    system = await startSystem({ delaySeconds: 0.3 });
    const client = system.as(await system.createClient('acme', false, { accounts: [SENDER] }));
    opsKey = await system.createClient('ops', true);
    await measureGatewayClock(client);
    await waitForSyncAfter(system, new Date()); // the first check for foreign entries starts here
  });
  afterAll(() => system?.stop());

  it('sets acknowledged_by to the public id of the key that acknowledged', async () => {
    const ops = system.as(opsKey);
    const stranger = await submitToGateway(system, { sender_account: 'X1', receiver_account: 'Y2', amount: 1.5 });
    await eventually(
      async () => ((await ops.get<Report>('/admin/reconciliation')).body.gateway.foreign_unacknowledged > 0 ? true : undefined),
      { timeoutMs: 10_000, what: 'the foreign-entry alarm' },
    );
    expect((await ops.post('/admin/gateway/acknowledge', { reason: 'our test harness' })).status).toBe(200);
    const report = await ops.get<Report>('/admin/reconciliation');
    const orphan = report.body.orphans.find((o) => o.confirmation_id === stranger.confirmation_id);
    expect(orphan?.acknowledged_by).toBe(keyIdOf(opsKey));
  });
});
