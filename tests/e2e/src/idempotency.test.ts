import type { PaymentResponse } from '@pt/core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { expectProblem, fieldsOf } from './expect-problem.js';
import { type System, startSystem } from './harness.js';

type Client = ReturnType<System['as']>;
type MockStats = { submits_received: number; submits_recorded: number };

const body = { sender_account: '11112222', receiver_account: '33334440', amount: '100.50' };

describe('Idempotency-Key on POST /payments', () => {
  let system: System;
  let acme: Client;
  let globex: Client;
  let keySeq = 0;
  const newKey = () => `key-${Date.now()}-${++keySeq}`;

  beforeAll(async () => {
    system = await startSystem({ startSyncer: false });
    acme = system.as(await system.createClient('acme', false, { accounts: ['11112222'] }));
    globex = system.as(await system.createClient('globex', false, { accounts: ['55556666'] }));
  });
  afterAll(() => system?.stop());
  beforeEach(() => putFaults([]));

  async function putFaults(submit: unknown[]) {
    const answer = await fetch(`${system.mock.url}/__mock/faults`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ submit, status: [] }),
    });
    expect(answer.status).toBe(200);
  }

  async function mockStats(): Promise<MockStats> {
    return (await fetch(`${system.mock.url}/__mock/stats`)).json() as Promise<MockStats>;
  }

  async function paymentsWithMemo(memo: string): Promise<number> {
    const [row] = await system.sql`SELECT count(*)::int AS n FROM payments WHERE memo = ${memo}`;
    return row?.n as number;
  }

  it('replays the original answer for the same key and body: same status, same body, one payment, one submission', async () => {
    const key = newKey();
    const payment = { ...body, memo: key };
    const before = await mockStats();

    const first = await acme.post<PaymentResponse>('/payments', payment, { 'idempotency-key': key });
    expect(first.status).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();

    for (let i = 0; i < 3; i++) {
      const again = await acme.post<PaymentResponse>('/payments', payment, { 'idempotency-key': key });
      expect(again.status).toBe(first.status);
      expect(again.body).toEqual(first.body);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.headers.location).toBe(`/payments/${first.body.id}`);
    }

    expect(await paymentsWithMemo(key)).toBe(1);
    const after = await mockStats();
    expect(after.submits_received - before.submits_received).toBe(1);
    expect(after.submits_recorded - before.submits_recorded).toBe(1);
  });

  // A 429 proves the gateway did not take it: 202 received, queued for the syncer. A 503 leaves
  // the outcome unknown (a proxy may answer it after the gateway took the request): 202
  // unconfirmed. Either way a retry must replay the answer rather than send it again.
  it.each([
    { name: 'received (429)', fault: { kind: 'rate_limit', retry_after_s: 0, count: 1 }, status: 'received' },
    { name: 'unconfirmed (503)', fault: { kind: 'error', status_code: 503, count: 1 }, status: 'unconfirmed' },
  ])('replays a 202 $name as a 202 and does not submit to the gateway again', async ({ fault, status }) => {
    await putFaults([fault]);
    const key = newKey();
    const payment = { ...body, memo: key };
    const before = await mockStats();

    const first = await acme.post<PaymentResponse>('/payments', payment, { 'idempotency-key': key });
    expect(first.status).toBe(202);
    expect(first.body.status).toBe(status);
    const again = await acme.post<PaymentResponse>('/payments', payment, { 'idempotency-key': key });
    expect(again.status).toBe(202);
    expect(again.body).toEqual(first.body);
    expect(again.headers['idempotent-replayed']).toBe('true');

    expect(await paymentsWithMemo(key)).toBe(1);
    expect((await mockStats()).submits_received - before.submits_received).toBe(1);
  });

  it.each([
    ['100.5 and "100.50"', { amount: 100.5 }, { amount: '100.50' }],
    ['"100.5" and 100.50', { amount: '100.5' }, { amount: 100.5 }],
    ['100 and "100.00"', { amount: 100 }, { amount: '100.00' }],
    ['a null memo and no memo', { memo: null }, {}],
  ])('treats %s as the same body', async (_, firstChange, secondChange) => {
    const key = newKey();
    const first = await acme.post<PaymentResponse>('/payments', { ...body, ...firstChange }, { 'idempotency-key': key });
    const second = await acme.post<PaymentResponse>('/payments', { ...body, ...secondChange }, { 'idempotency-key': key });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.body.id).toBe(first.body.id);
  });

  it.each([
    ['another amount', { amount: '100.51' }],
    ['another receiver', { receiver_account: '33334441' }],
    ['another sender', { sender_account: '11112223' }],
    ['a memo added', { memo: 'changed' }],
  ])('answers 422 for the same key with %s, and creates and sends nothing', async (_, change) => {
    const key = newKey();
    const first = await acme.post<PaymentResponse>('/payments', body, { 'idempotency-key': key });
    expect(first.status).toBe(201);
    const before = await mockStats();
    const [{ n: countBefore }] = (await system.sql`SELECT count(*)::int AS n FROM payments`) as unknown as [{ n: number }];

    const answer = await acme.post('/payments', { ...body, ...change }, { 'idempotency-key': key });
    const problem = expectProblem(answer, 422);
    expect(fieldsOf(problem)).toEqual(['headers.idempotency-key']);
    expect(problem.detail).toMatch(/Idempotency-Key/i);

    const [{ n: countAfter }] = (await system.sql`SELECT count(*)::int AS n FROM payments`) as unknown as [{ n: number }];
    expect(countAfter).toBe(countBefore);
    expect((await mockStats()).submits_received).toBe(before.submits_received);
    // and the original still replays
    const replay = await acme.post<PaymentResponse>('/payments', body, { 'idempotency-key': key });
    expect(replay.body.id).toBe(first.body.id);
  });

  it('keeps keys per client: the same key from two clients makes two payments', async () => {
    const key = newKey();
    const payment = { ...body, memo: key };
    const a = await acme.post<PaymentResponse>('/payments', payment, { 'idempotency-key': key });
    const b = await globex.post<PaymentResponse>(
      '/payments',
      { ...payment, sender_account: '55556666' },
      { 'idempotency-key': key },
    );
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(b.headers['idempotent-replayed']).toBeUndefined();
    expect(b.body.id).not.toBe(a.body.id);
    expect(await paymentsWithMemo(key)).toBe(2);
  });

  it('treats different keys as different payments', async () => {
    const memo = newKey();
    const a = await acme.post<PaymentResponse>('/payments', { ...body, memo }, { 'idempotency-key': newKey() });
    const b = await acme.post<PaymentResponse>('/payments', { ...body, memo }, { 'idempotency-key': newKey() });
    expect(b.body.id).not.toBe(a.body.id);
    expect(await paymentsWithMemo(memo)).toBe(2);
  });

  it.each([
    ['answer at once', []],
    ['sit on each request', [{ kind: 'latency', latency_ms: 300 }]],
  ])('50 concurrent identical requests while the gateway and we %s: one payment, one submission', async (_, faults) => {
    await putFaults(faults);
    const key = newKey();
    const payment = { ...body, memo: key };
    const before = await mockStats();

    const answers = await Promise.all(
      Array.from({ length: 50 }, () => acme.post<PaymentResponse>('/payments', payment, { 'idempotency-key': key })),
    );

    const originals = answers.filter((a) => a.status === 201 && a.headers['idempotent-replayed'] === undefined);
    expect(originals).toHaveLength(1);
    const original = originals[0]?.body as PaymentResponse;
    for (const answer of answers) {
      if (answer.status === 409) {
        const problem = expectProblem(answer, 409);
        expect(problem.type).toMatch(/idempotency-in-progress$/);
        // when to send it again (the typed client waits that long, with the same key)
        expect(answer.headers['retry-after']).toBe('1');
      } else {
        expect(answer.status).toBe(201);
        expect(answer.body).toEqual(original);
      }
    }

    expect(await paymentsWithMemo(key)).toBe(1);
    const after = await mockStats();
    expect(after.submits_received - before.submits_received).toBe(1);
    expect(after.submits_recorded - before.submits_recorded).toBe(1);

    // once the first has finished, a retry replays it
    const retry = await acme.post<PaymentResponse>('/payments', payment, { 'idempotency-key': key });
    expect(retry.status).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.body.id).toBe(original.id);
  });
});
