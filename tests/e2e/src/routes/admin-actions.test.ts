import type { PaymentTrackerClient } from '@pt/client';
import type { PaymentResponse } from '@pt/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeAmbiguousPair } from '../console/ambiguous-pair.js';
import { submitToGateway } from '../delivery-helpers.js';
import { clientAnswer, expectProblem } from '../expect-problem.js';
import { type RunningSyncer, type System, startSystem } from '../harness.js';
import { listOf } from '../payment-list.js';

/** The sender account of delivery-helpers' postPayment. */
const SENDER = '11112222';

type Client = ReturnType<System['as']>;

/** The public id of a key `pt_<id>_<secret>`: what operator events record as their actor. */
const keyIdOf = (apiKey: string) => apiKey.split('_')[1];

/**
 * POST /admin/payments/{id}/link and /requeue on the payments they exist for: unknown outcomes the
 * syncer could not settle alone. Each is checked against the syncer's last complete read of the
 * gateway's list, recorded with the admin key that acted (GET /admin/payments/{id}/events), and
 * told to the client in fixed words. Their input and other errors: admin.test.ts. The operator
 * (`opsApi`) and the client (`api`) call through the typed client; makeAmbiguousPair takes raw HTTP.
 */
describe('POST /admin/payments/{id}/link and /requeue on two ambiguous payments', () => {
  let system: System;
  let syncer: RunningSyncer;
  let client: Client;
  let api: PaymentTrackerClient;
  let opsApi: PaymentTrackerClient;
  let opsKey: string;
  /** Two unconfirmed payments whose windows both hold both entries (returned, failed). */
  let first: PaymentResponse;
  let second: PaymentResponse;
  let firstEntry: string;
  let secondEntry: string;

  beforeAll(async () => {
    system = await startSystem({ delaySeconds: 0.3, startSyncer: false, env: { GATEWAY_SUBMIT_TIMEOUT_MS: '4000' } });
    syncer = await system.startSyncer();
    const acmeKey = await system.createClient('acme', false, { accounts: [SENDER] });
    client = system.as(acmeKey);
    api = system.client(acmeKey);
    opsKey = await system.createClient('ops', true);
    opsApi = system.client(opsKey);
    ({ first, second, firstEntry, secondEntry } = await makeAmbiguousPair(system, syncer, client));
  }, 60_000);
  afterAll(() => system?.stop());

  const byId = (id: string) => ({ params: { path: { id } } });
  const link = (id: string, confirmationId: string, reason: string) =>
    opsApi.POST('/admin/payments/{id}/link', { ...byId(id), body: { confirmation_id: confirmationId, reason } });
  const requeue = (id: string, body: { reason: string; force?: boolean }) =>
    opsApi.POST('/admin/payments/{id}/requeue', { ...byId(id), body });
  const statusOf = async (id: string) => (await api.GET('/payments/{id}', byId(id))).data?.status;
  /** The last event of a payment's history, as its client reads it (and the answer's text). */
  async function lastClientEvent(id: string) {
    const { data } = await api.GET('/payments/{id}/events', byId(id));
    return { event: data?.items.at(-1), text: JSON.stringify(data) };
  }
  const lastAdminEvent = async (id: string) => (await opsApi.GET('/admin/payments/{id}/events', byId(id))).data?.items.at(-1);

  it('shows both entries to the operator as candidates seen in the last read', async () => {
    const report = await opsApi.GET('/admin/reconciliation');
    const shown = (report.data?.orphans ?? []).filter((o) => [firstEntry, secondEntry].includes(o.confirmation_id));
    expect(shown).toHaveLength(2);
    for (const orphan of shown) expect(orphan).toMatchObject({ kind: 'candidate', in_last_read: true });
  });

  it('refuses to link a confirmation_id the last read did not show unowned (409 saying why), changing nothing', async () => {
    const neverRead = await submitToGateway(system, { sender_account: '999999', receiver_account: '888888', amount: 1 });
    // A clock-sample payment's entry: held by that payment.
    const own = await api.GET('/payments', { params: { query: { limit: 100 } } });
    const heldId = listOf(own.data).items.find((p) => p.confirmation_id !== null)?.confirmation_id;
    if (!heldId) throw new Error('no payment of acme holds a gateway entry');
    const cases = [
      ['made up', 'not-a-gateway-entry', /last complete read/],
      ['at the gateway but never read', neverRead.confirmation_id, /last complete read/],
      ['held by another payment', heldId, /Another payment already holds/],
    ] as const;
    for (const [, confirmationId, why] of cases) {
      const problem = expectProblem(clientAnswer(await link(first.id, confirmationId, 'trying')), 409);
      expect(problem.type).toMatch(/gateway-entry-not-linkable$/);
      expect(problem.detail).toMatch(why);
    }
    expect(await statusOf(first.id)).toBe('unconfirmed');
  });

  it('refuses to re-queue a payment whose window holds candidate entries, naming them', async () => {
    const problem = expectProblem(clientAnswer(await requeue(second.id, { reason: 'looks unsent' })), 409);
    expect(problem.type).toMatch(/requeue-needs-force$/);
    expect(problem.detail).toContain(firstEntry);
    expect(problem.detail).toContain(secondEntry);
    expect(await statusOf(second.id)).toBe('unconfirmed');
  });

  it("links an entry of the last read, recording the admin key; the client reads a fixed text, never the operator's words", async () => {
    const reason = 'memo matched in the gateway console, ticket OPS-42';
    const linked = await link(first.id, firstEntry, reason);
    expect(linked.response.status).toBe(200);
    expect(linked.data).toMatchObject({ status: 'pending', confirmation_id: firstEntry });

    expect(await lastAdminEvent(first.id)).toMatchObject({
      to_status: 'pending',
      source: 'operator',
      reason,
      actor: keyIdOf(opsKey),
    });
    const asClient = await lastClientEvent(first.id);
    expect(asClient.event).toMatchObject({
      to_status: 'pending',
      source: 'operator',
      reason: 'An operator matched this payment to its record at the gateway.',
    });
    expect(asClient.text).not.toContain('OPS-42');
    expect(asClient.event).not.toHaveProperty('actor');
  });

  it('re-queues with force and a reason only: the event says forced and who; the client reads a fixed text', async () => {
    // The linked entry no longer counts, the other still does.
    const refused = expectProblem(clientAnswer(await requeue(second.id, { reason: 'looks unsent' })), 409);
    expect(refused.detail).toContain(secondEntry);
    expect(refused.detail).not.toContain(firstEntry);

    const reason = 'gateway support says entry is someone else, ticket OPS-43';
    const requeued = await requeue(second.id, { reason, force: true });
    expect(requeued.response.status).toBe(200);
    expect(requeued.data?.status).toBe('received');

    const fixed = 'An operator reviewed this payment and queued it to be sent again.';
    const read = await api.GET('/payments/{id}', byId(second.id));
    expect(read.data?.failure_reason).toBe(fixed);
    const asClient = await lastClientEvent(second.id);
    expect(asClient.event).toMatchObject({ to_status: 'received', source: 'operator', reason: fixed });
    expect(asClient.text).not.toContain('OPS-43');
    expect(await lastAdminEvent(second.id)).toMatchObject({ reason: `forced: ${reason}`, actor: keyIdOf(opsKey) });
  });
});
