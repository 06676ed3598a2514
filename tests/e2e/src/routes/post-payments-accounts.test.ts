import type { PaymentResponse } from '@pt/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mockPayments } from '../delivery-helpers.js';
import { expectProblem, fieldsOf, withoutRequestId } from '../expect-problem.js';
import { type System, startSystem } from '../harness.js';

/**
 * POST /payments takes a payment only from a sender account its client owns (registered by an
 * admin: admin-accounts.test.ts). Its other cases: post-payments.test.ts and
 * post-payments-validation.test.ts.
 */

const ACME_ACCOUNT = '11112222';
const GLOBEX_ACCOUNT = '55556666';
const NOBODYS_ACCOUNT = '77778888';
const receiver = '33334440';

type Client = ReturnType<System['as']>;

describe('POST /payments', () => {
  describe('security', () => {
    describe('sender accounts', () => {
      let system: System;
      let acme: Client;
      let globex: Client;

      beforeAll(async () => {
        system = await startSystem({ startSyncer: false });
        acme = system.as(await system.createClient('acme', false, { accounts: [ACME_ACCOUNT] }));
        globex = system.as(await system.createClient('globex', false, { accounts: [GLOBEX_ACCOUNT] }));
      });
      afterAll(() => system?.stop());

      const payFrom = (client: Client, sender: string, amount: string, headers?: Record<string, string>) =>
        client.post<PaymentResponse>('/payments', { sender_account: sender, receiver_account: receiver, amount }, headers);
      const storedFrom = async (account: string) =>
        (await system.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM payments WHERE sender_account = ${account}`)[0]?.n;
      const submittedFrom = async (account: string) => (await mockPayments(system)).filter((p) => p.sender_account === account);

      it('accepts a payment from an account the client owns', async () => {
        const answer = await payFrom(acme, ACME_ACCOUNT, '1.00');
        expect(answer.status).toBe(201);
        expect(answer.body.sender_account).toBe(ACME_ACCOUNT);
      });

      it("refuses another client's account and an unregistered one with the same 403, storing and sending nothing", async () => {
        const foreign = await payFrom(acme, GLOBEX_ACCOUNT, '2.00');
        const unregistered = await payFrom(acme, NOBODYS_ACCOUNT, '2.00');
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
        expectProblem(await payFrom(acme, GLOBEX_ACCOUNT, '3.00', { 'idempotency-key': key }), 403);
        const [kept] = await system.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM idempotency_keys WHERE key = ${key}`;
        expect(kept?.n).toBe(0);

        const good = await payFrom(acme, ACME_ACCOUNT, '3.00', { 'idempotency-key': key });
        expect(good.status).toBe(201);
        expect(good.headers['idempotent-replayed']).toBeUndefined();
        expect(good.body.amount).toBe('3.00');
      });

      it('answers a body with field errors 422 first, naming every bad field, even from a foreign account', async () => {
        const answer = await acme.post('/payments', { sender_account: GLOBEX_ACCOUNT, receiver_account: 'x', amount: -1 });
        const problem = expectProblem(answer, 422);
        expect(fieldsOf(problem)).toEqual(['body.amount', 'body.receiver_account']);
      });

      it('refuses an account at once after an admin removed it, and accepts it again once registered back', async () => {
        const ops = system.as(await system.createClient('ops', true));
        expect((await payFrom(globex, GLOBEX_ACCOUNT, '4.00')).status).toBe(201);
        expect((await ops.call('DELETE', `/admin/clients/globex/accounts/${GLOBEX_ACCOUNT}`)).status).toBe(204);
        expectProblem(await payFrom(globex, GLOBEX_ACCOUNT, '4.00'), 403);
        expect((await ops.post('/admin/clients/globex/accounts', { account: GLOBEX_ACCOUNT })).status).toBe(201);
        expect((await payFrom(globex, GLOBEX_ACCOUNT, '4.00')).status).toBe(201);
      });
    });
  });
});
