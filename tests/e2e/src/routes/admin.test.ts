import type { Payment, PaymentTrackerClient } from '@pt/client';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientAnswer, expectProblem, fieldsOf } from '../expect-problem.js';
import { eventually, type System } from '../harness.js';
import { bodyText, checkAnswer, RUNS } from '../hostile-input.js';
import { type Client, reportAndStop, startFuzzSystem, startWithAcme } from './fixtures.js';

/**
 * The operator's routes (/admin), admin keys only. GET /admin/metrics and a successful
 * POST /admin/gateway/acknowledge are checked in their context in untrusted-gateway.test.ts,
 * link and re-queue on payments the syncer found ambiguous in admin-actions.test.ts, and the
 * sender-account routes in admin-accounts.test.ts. Well-formed calls go through the typed client
 * (`api` for client acme, `opsApi` for the operator), malformed input and refused keys as raw HTTP.
 */

// One system for the operator's tests, which run in order. No syncer: unconfirmed payments stay
// put until the operator acts (or a test starts one).
let system: System;
let client: Client;
let api: PaymentTrackerClient;
let ops: Client;
let opsApi: PaymentTrackerClient;

beforeAll(async () => {
  ({ system, client, api } = await startWithAcme({ env: { ADMIN_STALE_PENDING_MS: '1000' } }));
  const opsKey = await system.createClient('ops', true);
  ops = system.as(opsKey);
  opsApi = system.client(opsKey);
});

const byId = (id: string) => ({ params: { path: { id } } });
/** The reconciliation report, as the operator reads it. */
async function reconciliation() {
  const { data, response } = await opsApi.GET('/admin/reconciliation');
  expect(response.status).toBe(200);
  if (!data) throw new Error('no reconciliation report');
  return data;
}
/** A payment of acme's as acme reads it. */
async function paymentOf(id: string): Promise<Payment | undefined> {
  return (await api.GET('/payments/{id}', byId(id))).data;
}
afterAll(() => system?.stop());

/** accept_then_error: the gateway recorded it; error: it did not. Both leave it unconfirmed here. */
async function unconfirmedPayment(memo: string, kind: 'accept_then_error' | 'error' = 'accept_then_error'): Promise<Payment> {
  await fetch(`${system.mock.url}/__mock/faults`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ submit: [{ kind, status_code: 500, count: 1 }], status: [] }),
  });
  const answer = await api.POST('/payments', {
    body: { sender_account: '11112222', receiver_account: '22223331', amount: '3.00', memo },
  });
  expect(answer.response.status).toBe(202);
  expect(answer.data?.status).toBe('unconfirmed');
  if (!answer.data) throw new Error('no payment answered');
  return answer.data;
}

/** A payment the gateway accepted at once (pending, with its confirmation id). */
async function acceptedPayment(receiver: string): Promise<Payment> {
  const answer = await api.POST('/payments', { body: { sender_account: '11112222', receiver_account: receiver, amount: '1' } });
  expect(answer.data?.status).toBe('pending');
  if (!answer.data) throw new Error('no payment answered');
  return answer.data;
}

describe('GET /admin/reconciliation', () => {
  describe('success', () => {
    it('lists unconfirmed payments with their window and reason', async () => {
      const payment = await unconfirmedPayment('listed');
      const row = (await reconciliation()).unconfirmed.find((u) => u.id === payment.id);
      expect(row?.window_from).not.toBeNull();
      expect(row?.reason).toMatch(/500/);
    });

    it('reports the syncer freshness: last sync, lag and cycle time', async () => {
      const before = (await reconciliation()).sync;
      const syncer = await system.startSyncer();
      const after = await eventually(async () => {
        const report = await reconciliation();
        return report.sync.last_synced_at && report.sync.last_synced_at !== before.last_synced_at ? report.sync : undefined;
      });
      await syncer.stop();
      expect(after.lag_ms).toBeGreaterThanOrEqual(0);
      expect(after.last_cycle_ms).toBeGreaterThanOrEqual(0);
    });

    it('lists pending payments older than the stale threshold', async () => {
      const payment = await acceptedPayment('22223330');
      await system.sql`UPDATE payments SET submitted_at = now() - interval '1 hour' WHERE id = ${payment.id}`;
      expect((await reconciliation()).stale_pending.map((p) => p.id)).toContain(payment.id);
    });
  });
});

describe('POST /admin/gateway/acknowledge', () => {
  describe('errors', () => {
    // A system of its own, with an operator key and a client key.
    let system: System;
    let client: Client;
    let admin: Client;

    beforeAll(async () => {
      ({ system, client } = await startWithAcme());
      admin = system.as(await system.createClient('ops', true));
    });
    afterAll(() => system?.stop());

    it('refuses an acknowledgement without a reason (422) and from a client key (403)', async () => {
      expect((await admin.post('/admin/gateway/acknowledge', {})).status).toBe(422);
      expect((await client.post('/admin/gateway/acknowledge', { reason: 'let me in' })).status).toBe(403);
    });

    it('refuses a body that repeats a key (400), naming it', async () => {
      const answer = await admin.call('POST', '/admin/gateway/acknowledge', {
        body: '{"reason":"checked the list","reason":"nothing"}',
        headers: { 'content-type': 'application/json' },
      });
      expect(fieldsOf(expectProblem(answer, 400))).toEqual(['body.reason']);
    });

    it('refuses a reason with a bidirectional control (422), naming it', async () => {
      const problem = expectProblem(await admin.post('/admin/gateway/acknowledge', { reason: 'checked \u202eeht tsil' }), 422);
      expect(problem.errors).toEqual([{ field: 'body.reason', message: expect.stringMatching(/bidirectional controls/) }]);
    });
  });
});

describe('POST /admin/payments/{id}/link', () => {
  // Linking an entry the syncer's last read showed: admin-actions.test.ts (it needs a syncer).
  describe('errors', () => {
    it('refuses an entry no sync has read, one another payment holds, and a payment not unconfirmed (409 saying why)', async () => {
      const payment = await unconfirmedPayment('to link');
      const recorded = (await (await fetch(`${system.mock.url}/__mock/payments`)).json()) as Array<{
        memo: string;
        confirmation_id: string;
      }>;
      const entry = recorded.find((p) => p.memo === 'to link');
      if (!entry) throw new Error('the gateway recorded no entry memo’d "to link"');
      const link = async (id: string, confirmationId: string) =>
        expectProblem(
          clientAnswer(
            await opsApi.POST('/admin/payments/{id}/link', {
              ...byId(id),
              body: { confirmation_id: confirmationId, reason: 'matched by memo in the gateway console' },
            }),
          ),
          409,
        );

      const unread = await link(payment.id, entry.confirmation_id);
      expect(unread.type).toMatch(/gateway-entry-not-linkable$/);
      expect(unread.detail).toMatch(/last complete read/);

      const accepted = await acceptedPayment('22223330');
      expect(accepted.confirmation_id).toEqual(expect.any(String));
      const held = await link(payment.id, String(accepted.confirmation_id));
      expect(held.detail).toMatch(/Another payment already holds/);

      const notUnconfirmed = await link(accepted.id, 'x');
      expect(notUnconfirmed.detail).toMatch(/Only an unconfirmed payment/);
      expect((await paymentOf(payment.id))?.status).toBe('unconfirmed');
    });
  });
});

describe('POST /admin/payments/{id}/requeue', () => {
  describe('success', () => {
    it('re-queues with force an unconfirmed payment whose window no list confirmed, and a syncer then sends it', async () => {
      const payment = await unconfirmedPayment('requeue me', 'error');
      const requeued = await opsApi.POST('/admin/payments/{id}/requeue', {
        ...byId(payment.id),
        body: { reason: 'gateway support confirmed it was never recorded', force: true },
      });
      expect(requeued.response.status).toBe(200);
      expect(requeued.data?.status).toBe('received');
      const events = await api.GET('/payments/{id}/events', byId(payment.id));
      expect(events.data?.items.at(-1)).toMatchObject({ from_status: 'unconfirmed', to_status: 'received', source: 'operator' });
      const again = await opsApi.POST('/admin/payments/{id}/requeue', {
        ...byId(payment.id),
        body: { reason: 'twice', force: true },
      });
      expect(again.response.status).toBe(409);

      const syncer = await system.startSyncer();
      const sent = await eventually(async () => {
        const read = await paymentOf(payment.id);
        return read?.confirmation_id ? read : undefined;
      });
      await syncer.stop();
      expect(['pending', 'settled']).toContain(sent.status);
      const recorded = (await (await fetch(`${system.mock.url}/__mock/payments`)).json()) as Array<{ memo: string }>;
      expect(recorded.filter((p) => p.memo === 'requeue me')).toHaveLength(1);
    });
  });

  describe('errors', () => {
    it('refuses without force while no list confirmed its window (409), changing nothing', async () => {
      const payment = await unconfirmedPayment('blind requeue', 'error');
      const refused = expectProblem(
        clientAnswer(
          await opsApi.POST('/admin/payments/{id}/requeue', { ...byId(payment.id), body: { reason: 'gateway says no' } }),
        ),
        409,
      );
      expect(refused.type).toMatch(/requeue-needs-force$/);
      expect(refused.detail).toMatch(/not confirmed/);
      expect((await paymentOf(payment.id))?.status).toBe('unconfirmed');
    });

    it('answers 404 for an unknown payment, and 422 without a reason or with a force that is not a boolean', async () => {
      const unknown = '01900000-0000-7000-8000-000000000000';
      const notFound = await opsApi.POST('/admin/payments/{id}/requeue', { ...byId(unknown), body: { reason: 'nothing' } });
      expectProblem(clientAnswer(notFound), 404);
      const missingReason = await ops.post<{ errors: Array<{ field: string }> }>(`/admin/payments/${unknown}/requeue`, {});
      expect(missingReason.status).toBe(422);
      expect(missingReason.body.errors.map((e) => e.field)).toContain('body.reason');
      const badForce = await ops.post<{ errors: Array<{ field: string }> }>(`/admin/payments/${unknown}/requeue`, {
        reason: 'gateway says no',
        force: 'yes',
      });
      expect(badForce.status).toBe(422);
      expect(badForce.body.errors.map((e) => e.field)).toEqual(['body.force']);
    });
  });
});

describe('GET /admin/payments/{id}/events', () => {
  // The operator's reason and key in it: admin-actions.test.ts.
  describe('errors', () => {
    it('answers 404 for an unknown payment', async () => {
      const unknown = byId('01900000-0000-7000-8000-000000000000');
      expectProblem(clientAnswer(await opsApi.GET('/admin/payments/{id}/events', unknown)), 404);
    });
  });
});

// Cases that span several /admin routes.
describe('/admin/*', () => {
  describe('security', () => {
    it('refuses non-admin keys (403) and missing keys (401)', async () => {
      expect((await client.get('/admin/reconciliation')).status).toBe(403);
      expect((await system.as(null).get('/admin/reconciliation')).status).toBe(401);
      const payment = await unconfirmedPayment('forbidden');
      const answer = await client.post(`/admin/payments/${payment.id}/requeue`, { reason: 'trying', force: true });
      expect(answer.status).toBe(403);
      expect((await client.get(`/admin/payments/${payment.id}/events`)).status).toBe(403);
    });

    describe('hostile input, generated: never a 5xx, always problem+json, fields named', () => {
      // A system of its own, with a payment to aim the actions at.
      let system: System;
      let adminAuth: string;
      let paymentId: string;

      beforeAll(async () => {
        ({ system, adminAuth, paymentId } = await startFuzzSystem());
      });
      afterAll(() => reportAndStop(system));

      it('admin actions with generated bodies', async () => {
        await fc.assert(
          fc.asyncProperty(bodyText, fc.constantFrom('link', 'requeue'), async (payload, action) => {
            const answer = await system.app.inject({
              method: 'POST',
              url: `/admin/payments/${paymentId}/${action}`,
              headers: { authorization: adminAuth, 'content-type': 'application/json' },
              payload,
            });
            checkAnswer('admin-body', answer);
          }),
          { numRuns: RUNS },
        );
      });
    });
  });
});
