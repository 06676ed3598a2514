import type { PaymentTrackerClient } from '@pt/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mockPayments } from '../delivery-helpers.js';
import { clientAnswer, expectProblem, fieldsOf, withoutRequestId } from '../expect-problem.js';
import { type System, startSystem } from '../harness.js';

/**
 * POST /payments takes a payment only from a sender account its client owns (registered by an
 * admin: admin-accounts.test.ts). Its other cases: post-payments.test.ts and
 * post-payments-validation.test.ts. Well-formed requests go through the typed client, the
 * malformed body as raw HTTP.
 */

const ACME_ACCOUNT = '11112222';
const GLOBEX_ACCOUNT = '55556666';
const NOBODYS_ACCOUNT = '77778888';
const receiver = '33334440';

type Client = PaymentTrackerClient;

describe('POST /payments', () => {
  describe('security', () => {
    describe('sender accounts', () => {
      let system: System;
      let acme: Client;
      let globex: Client;
      let acmeRaw: ReturnType<System['as']>;

      beforeAll(async () => {
        system = await startSystem({ startSyncer: false });
        const acmeKey = await system.createClient('acme', false, { accounts: [ACME_ACCOUNT] });
        acme = system.client(acmeKey);
        acmeRaw = system.as(acmeKey);
        globex = system.client(await system.createClient('globex', false, { accounts: [GLOBEX_ACCOUNT] }));
      });
      afterAll(() => system?.stop());

      /** POST /payments from `sender`; with `idempotencyKey` instead of the typed client's random one. */
      const payFrom = (client: Client, sender: string, amount: string, idempotencyKey?: string) =>
        client.POST('/payments', {
          body: { sender_account: sender, receiver_account: receiver, amount },
          ...(idempotencyKey ? { params: { header: { 'idempotency-key': idempotencyKey } } } : {}),
        });
      /** A refusal as expectProblem reads it. */
      const refusal = async (answer: ReturnType<typeof payFrom>) => clientAnswer(await answer);
      const storedFrom = async (account: string) =>
        (await system.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM payments WHERE sender_account = ${account}`)[0]?.n;
      const submittedFrom = async (account: string) => (await mockPayments(system)).filter((p) => p.sender_account === account);

      it('accepts a payment from an account the client owns', async () => {
        const answer = await payFrom(acme, ACME_ACCOUNT, '1.00');
        expect(answer.response.status).toBe(201);
        expect(answer.data?.sender_account).toBe(ACME_ACCOUNT);
      });

      it("refuses another client's account and an unregistered one with the same 403, storing and sending nothing", async () => {
        const foreign = await refusal(payFrom(acme, GLOBEX_ACCOUNT, '2.00'));
        const unregistered = await refusal(payFrom(acme, NOBODYS_ACCOUNT, '2.00'));
        const problem = expectProblem(foreign, 403);
        expectProblem(unregistered, 403);
        expect(problem.type).toBe('/problems/sender-account-not-allowed');
        // Nothing tells the two apart: the same body but for the request id, and no account echoed.
        expect(withoutRequestId(unregistered.body)).toEqual(withoutRequestId(foreign.body));
        expect(foreign.text).not.toContain(GLOBEX_ACCOUNT);
        expect(await storedFrom(GLOBEX_ACCOUNT)).toBe(0);
        expect(await storedFrom(NOBODYS_ACCOUNT)).toBe(0);
        expect(await submittedFrom(GLOBEX_ACCOUNT)).toEqual([]);
        expect(await submittedFrom(NOBODYS_ACCOUNT)).toEqual([]);
      });

      it('consumes no Idempotency-Key: the same key with an owned account afterwards makes the payment', async () => {
        const key = 'refused-then-good';
        expectProblem(await refusal(payFrom(acme, GLOBEX_ACCOUNT, '3.00', key)), 403);
        const [kept] = await system.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM idempotency_keys WHERE key = ${key}`;
        expect(kept?.n).toBe(0);

        const good = await payFrom(acme, ACME_ACCOUNT, '3.00', key);
        expect(good.response.status).toBe(201);
        expect(good.response.headers.get('idempotent-replayed')).toBeNull();
        expect(good.data?.amount).toBe('3.00');
      });

      it('answers a body with field errors 422 first, naming every bad field, even from a foreign account', async () => {
        const answer = await acmeRaw.post('/payments', { sender_account: GLOBEX_ACCOUNT, receiver_account: 'x', amount: -1 });
        const problem = expectProblem(answer, 422);
        expect(fieldsOf(problem)).toEqual(['body.amount', 'body.receiver_account']);
      });

      it('refuses an account at once after an admin removed it, and accepts it again once registered back', async () => {
        const ops = system.client(await system.createClient('ops', true));
        const globexAccount = { params: { path: { name: 'globex', account: GLOBEX_ACCOUNT } } };
        expect((await payFrom(globex, GLOBEX_ACCOUNT, '4.00')).response.status).toBe(201);
        expect((await ops.DELETE('/admin/clients/{name}/accounts/{account}', globexAccount)).response.status).toBe(204);
        expectProblem(await refusal(payFrom(globex, GLOBEX_ACCOUNT, '4.00')), 403);
        const registered = await ops.POST('/admin/clients/{name}/accounts', {
          params: { path: { name: 'globex' } },
          body: { account: GLOBEX_ACCOUNT },
        });
        expect(registered.response.status).toBe(201);
        expect((await payFrom(globex, GLOBEX_ACCOUNT, '4.00')).response.status).toBe(201);
      });
    });
  });
});
