import type { PaymentResponse } from '@pt/core';
import { afterAll, describe, expect, it } from 'vitest';
import {
  clearFaults,
  FINAL_STATUSES,
  logLines,
  mockPayments,
  mockStats,
  postPayment,
  storedEvents,
  storedPayment,
  uniqueMemo,
  waitForStatus,
  waitForSyncAfter,
} from './delivery-helpers.js';
import { eventually, type System, startSystem } from './harness.js';

describe('a gateway that never takes the payment', () => {
  let system: System;
  afterAll(() => system?.stop());

  it('rejects it after RESUBMIT_MAX_ATTEMPTS attempts, with the reason, and never sends it again', async () => {
    // Every answer a 429: each attempt provably never reached the gateway (a 503 would not prove
    // that, and would leave the payment unconfirmed rather than retried).
    system = await startSystem({
      delaySeconds: 0.3,
      faults: { submit: [{ kind: 'rate_limit', retry_after_s: 0 }] },
      env: { RESUBMIT_MAX_ATTEMPTS: '3' },
    });
    const client = system.as(await system.createClient('acme', false, { accounts: ['11112222'] }));
    const answer = await postPayment(client, uniqueMemo('always 429'), 1);
    expect(answer.status).toBe(202);
    expect(answer.body.status).toBe('received');

    const rejected = await waitForStatus(system, answer.body.id, ['rejected']);
    expect(rejected.attempts).toBe(3);
    expect(rejected.last_error).toMatch(/after 3 attempts/);
    const read = await client.get<PaymentResponse>(`/payments/${answer.body.id}`);
    expect(read.body.status).toBe('rejected');
    expect(read.body.failure_reason).toMatch(/gateway unavailable after 3 attempts \(last: gateway answered 429\)/);
    expect((await storedEvents(system, answer.body.id)).map((e) => [e.to_status, e.source])).toEqual([
      ['received', 'api'],
      ['rejected', 'syncer'],
    ]);
    const rejections = logLines(system, 'payment rejected', answer.body.id);
    expect(rejections).toHaveLength(1);
    expect(rejections[0]?.attempt).toBe(3);
    expect(rejections[0]?.reason).toMatch(/gateway unavailable after 3 attempts/);

    // Later cycles leave it alone: still exactly three submissions, none recorded.
    await waitForSyncAfter(system, new Date());
    await waitForSyncAfter(system, new Date());
    const stats = await mockStats(system);
    expect(stats.submits_received).toBe(3);
    expect(stats.faults_injected.submit.rate_limit).toBe(3);
    expect(stats.payments).toBe(0);
  });
});

describe('a queue of payments shared by several syncers', () => {
  let system: System;
  afterAll(() => system?.stop());

  it('submits each of 50 queued payments exactly once when the gateway comes back, with 3 syncers claiming', async () => {
    system = await startSystem({
      delaySeconds: 0.3,
      startSyncer: false,
      // 429s: turned away, provably not taken, so each is retried (a 503 would leave it unconfirmed).
      faults: { submit: [{ kind: 'rate_limit', retry_after_s: 0 }] },
      // Small claims so all three syncers take their share of the queue at once.
      env: { RESUBMIT_MAX_ATTEMPTS: '100', RESUBMIT_BATCH_SIZE: '5' },
    });
    const client = system.as(await system.createClient('acme', false, { accounts: ['11112222'] }));
    const memos = Array.from({ length: 50 }, (_, i) => uniqueMemo(`queued ${i}`));
    const answers = await Promise.all(memos.map((memo, i) => postPayment(client, memo, i % 10)));
    for (const answer of answers) {
      expect(answer.status).toBe(202);
      expect(answer.body.status).toBe('received');
    }

    await Promise.all([system.startSyncer(), system.startSyncer(), system.startSyncer()]);
    // Let the syncers retry against the failing gateway for a while (every payment re-tried).
    await eventually(
      async () => {
        const [row] = await system.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM payments WHERE attempts >= 2`;
        return row?.n === 50 ? true : undefined;
      },
      { what: 'every payment to have been re-tried' },
    );
    await clearFaults(system);

    for (const answer of answers) await waitForStatus(system, answer.body.id, FINAL_STATUSES);
    const recorded = await mockPayments(system);
    expect(recorded).toHaveLength(50);
    expect(new Set(recorded.map((p) => p.memo))).toEqual(new Set(memos));
    expect((await mockStats(system)).submits_recorded).toBe(50);
    for (const answer of answers) {
      const row = await storedPayment(system, answer.body.id);
      expect(recorded.filter((p) => p.confirmation_id === row.confirmation_id)).toHaveLength(1);
      const trail = (await storedEvents(system, answer.body.id)).map((e) => e.to_status);
      expect(trail.slice(0, 2)).toEqual(['received', 'pending']);
      expect(trail).toHaveLength(3);
    }
  });
});
