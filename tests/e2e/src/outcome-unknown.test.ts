import type { PaymentTrackerClient } from '@pt/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logLines, recordedWithMemo, setFaults, uniqueMemo } from './delivery-helpers.js';
import { clientAnswer, expectProblem, type ProblemBody } from './expect-problem.js';
import { eventually, type HttpAnswer, type System, startSystem } from './harness.js';

type OutcomeUnknownProblem = ProblemBody & { payment_id: string };

const SENDER = '11112222';
const RECEIVER = '55556661';

/**
 * The API's database fails after the payment was stored and while the gateway holds the submit:
 * the gateway records the payment, the API cannot record the answer. It must say "outcome
 * unknown, read this payment" (500, no Retry-After), never invite a blind retry (503). That answer
 * is checked on the wire (raw HTTP); the reads and retries after it go through the typed client,
 * as a client following the advice would make them.
 */
describe('an outcome unknown to the API (its database failed after the gateway took the payment)', () => {
  let system: System;
  let client: ReturnType<System['as']>;
  let api: PaymentTrackerClient;

  beforeAll(async () => {
    // No syncer: these assertions are about the API alone (the syncer would settle the payment later).
    system = await startSystem({
      proxyDatabase: true,
      startSyncer: false,
      env: { GATEWAY_SUBMIT_TIMEOUT_MS: '1500', ATTEMPT_LEASE_MS: '3000' },
    });
    const key = await system.createClient('acme', false, { accounts: ['11112222'] });
    client = system.as(key);
    api = system.client(key);
  });
  afterAll(() => system?.stop());

  /**
   * Posts a payment and fails the database while the API records the gateway's answer. The
   * gateway holds the submit (a one-off latency fault) while the test locks the new row, so the
   * API's recording statement waits on that lock; the database is cut then, mid-statement, after
   * the gateway took the payment. (Cut while the API's pool is idle, its next query would not
   * fail: postgres.js reconnects in a loop to a proxy that accepts then closes.)
   */
  async function postWhileDatabaseFails(memo: string, headers?: Record<string, string>): Promise<HttpAnswer> {
    await setFaults(system, { submit: [{ kind: 'latency', latency_ms: 500, count: 1 }], status: [] });
    const answer = client.post(
      '/payments',
      { sender_account: SENDER, receiver_account: RECEIVER, amount: '7.25', memo },
      headers,
    );
    const lock = await system.sql.reserve();
    try {
      await lock`BEGIN`;
      await eventually(
        async () => ((await lock`SELECT id FROM payments WHERE memo = ${memo} FOR UPDATE`).length > 0 ? true : undefined),
        { intervalMs: 10, what: 'the payment to be stored' },
      );
      await eventually(
        async () => {
          const [row] = await system.sql<{ n: number }[]>`
            SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE datname = current_database() AND application_name = 'payment-tracker-api' AND wait_event_type = 'Lock'`;
          return row && row.n > 0 ? true : undefined;
        },
        { intervalMs: 10, what: "the API's recording of the gateway's answer to wait on the lock" },
      );
      system.dbProxy?.cut();
      return await answer;
    } finally {
      system.dbProxy?.restore();
      await lock`ROLLBACK`;
      lock.release();
      await eventually(async () => ((await client.get('/readyz')).status === 200 ? true : undefined), { what: 'readyz' });
    }
  }

  function expectOutcomeUnknown(answer: HttpAnswer): OutcomeUnknownProblem {
    const problem = expectProblem(answer, 500) as OutcomeUnknownProblem;
    expect(problem.type).toMatch(/\/outcome-unknown$/);
    expect(problem.payment_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(answer.headers.location).toBe(`/payments/${problem.payment_id}`);
    expect(problem.detail).toContain(`/payments/${problem.payment_id}`);
    expect(answer.headers['retry-after']).toBeUndefined();
    expect(answer.text).not.toMatch(/ECONNREFUSED|ECONNRESET|CONNECTION_|127\.0\.0\.1|postgres/i);
    return problem;
  }

  async function storedWithMemo(memo: string): Promise<number> {
    const [row] = await system.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM payments WHERE memo = ${memo}`;
    return row?.n ?? 0;
  }

  it('answers 500 outcome-unknown naming the payment, which is stored and was sent to the gateway once', async () => {
    const memo = uniqueMemo('outcome unknown');
    const problem = expectOutcomeUnknown(await postWhileDatabaseFails(memo));

    const read = await api.GET('/payments/{id}', { params: { path: { id: problem.payment_id } } });
    expect(read.response.status).toBe(200);
    expect(read.data).toMatchObject({ id: problem.payment_id, memo, amount: '7.25' });
    expect(await storedWithMemo(memo)).toBe(1);
    expect(await recordedWithMemo(system, memo)).toHaveLength(1);

    // Logged at error level for an operator, with the payment's id and no account number.
    const [line] = logLines(system, 'inline delivery failed; outcome unknown', problem.payment_id);
    expect(line?.level).toBe(50);
    expect(JSON.stringify(line)).not.toContain(SENDER);
    expect(JSON.stringify(line)).not.toContain(RECEIVER);
  });

  it('with an Idempotency-Key, a retry never makes a second payment: 409 while the attempt is leased, then the same payment', async () => {
    const memo = uniqueMemo('outcome unknown, idempotent');
    const key = `outcome-unknown-${Date.now()}`;
    const body = { sender_account: SENDER, receiver_account: RECEIVER, amount: '7.25', memo };
    const problem = expectOutcomeUnknown(await postWhileDatabaseFails(memo, { 'idempotency-key': key }));
    const retry = () => api.POST('/payments', { body, params: { header: { 'idempotency-key': key } } });

    // Right after: the attempt's lease may still run (409 in progress) or be over (a replay).
    const early = await retry();
    if (early.response.status === 409) expect(expectProblem(clientAnswer(early), 409).type).toMatch(/\/idempotency-in-progress$/);
    else expect(early.data?.id).toBe(problem.payment_id);

    const replayed = await eventually(
      async () => {
        const answer = await retry();
        return answer.response.status === 409 ? undefined : answer;
      },
      { what: 'the retry to replay once the lease is over' },
    );
    expect([201, 202]).toContain(replayed.response.status);
    expect(replayed.data?.id).toBe(problem.payment_id);
    expect(replayed.response.headers.get('idempotent-replayed')).toBe('true');
    expect(replayed.response.headers.get('location')).toBe(`/payments/${problem.payment_id}`);

    const again = await retry();
    expect(again.response.status).toBe(replayed.response.status);
    expect(again.data).toEqual(replayed.data);

    expect(await storedWithMemo(memo)).toBe(1);
    expect(await recordedWithMemo(system, memo)).toHaveLength(1);
  });
});
