import type { PaymentResponse } from '@pt/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeAmbiguousPair } from '../console/ambiguous-pair.js';
import { submitToGateway } from '../delivery-helpers.js';
import { expectProblem } from '../expect-problem.js';
import { type RunningSyncer, type System, startSystem } from '../harness.js';

/** The sender account of delivery-helpers' postPayment. */
const SENDER = '11112222';

type Client = ReturnType<System['as']>;
type Events = { items: Array<{ to_status: string; source: string; reason: string | null; actor?: string | null }> };
type Report = {
  gateway: { foreign_unacknowledged: number };
  orphans: Array<{ confirmation_id: string; kind: string; in_last_read: boolean; acknowledged_by: string | null }>;
};

/** The public id of a key `pt_<id>_<secret>`: what operator events record as their actor. */
const keyIdOf = (apiKey: string) => apiKey.split('_')[1];

/**
 * POST /admin/payments/{id}/link and /requeue on the payments they exist for: unknown outcomes the
 * syncer could not settle alone. Each is checked against the syncer's last complete read of the
 * gateway's list, recorded with the admin key that acted (GET /admin/payments/{id}/events), and
 * told to the client in fixed words. Their input and other errors: admin.test.ts.
 */
describe('POST /admin/payments/{id}/link and /requeue on two ambiguous payments', () => {
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
    ({ first, second, firstEntry, secondEntry } = await makeAmbiguousPair(system, syncer, client));
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
});
