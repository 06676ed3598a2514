import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  clientId,
  FINAL_STATUSES,
  logLines,
  measureGatewayClock,
  mockStats,
  postPayment,
  recordedWithMemo,
  setFaults,
  storedEvents,
  storedPayment,
  submitToGateway,
  uniqueMemo,
  waitForStatus,
  waitForSyncAfter,
} from './delivery-helpers.js';
import { eventually, type System, startSystem } from './harness.js';

const SKEW_MS = 200; // GATEWAY_CLOCK_SKEW_MS in the harness
const AMBIGUOUS = 'unconfirmed payment is ambiguous; left for an operator';
const IN_FLIGHT = 'unconfirmed payment may match a submission still in flight; deciding later';

describe('unconfirmed payments settled from the status list', () => {
  let system: System;
  let client: ReturnType<System['as']>;
  let owner: string;

  beforeAll(async () => {
    system = await startSystem({ delaySeconds: 0.3 });
    client = system.as(await system.createClient('acme'));
    owner = await clientId(system, 'acme');
    await measureGatewayClock(client);
  });
  afterAll(() => system?.stop());

  /**
   * A process that died between sending and recording leaves a `received` row with its attempt
   * still open; once the attempt's lease (next_attempt_at) has run out, the syncer takes over.
   */
  async function insertInterruptedAttempt(memo: string, attemptStartedAt: Date): Promise<string> {
    const id = randomUUID();
    // One statement, so the syncer never sees the row without its first event.
    await system.sql`
      WITH p AS (
        INSERT INTO payments (id, client_id, status, amount, sender_account, receiver_account, memo,
                              attempts, attempt_started_at, next_attempt_at, created_at, updated_at)
        VALUES (${id}, ${owner}, 'received', '12.34', '11112222', '44445551', ${memo},
                1, ${attemptStartedAt}, now(), ${attemptStartedAt}, ${attemptStartedAt})
        RETURNING id
      )
      INSERT INTO payment_events (payment_id, from_status, to_status, source, at)
      SELECT id, NULL, 'received', 'api', ${attemptStartedAt} FROM p`;
    return id;
  }

  it('an attempt interrupted before the gateway got it: unconfirmed first, re-queued, then sent exactly once', async () => {
    const before = await mockStats(system);
    const memo = uniqueMemo('interrupted, never sent');
    const id = await insertInterruptedAttempt(memo, new Date(Date.now() - 500));

    const final = await waitForStatus(system, id, FINAL_STATUSES);
    expect(final.status).toBe('settled');
    const recorded = await recordedWithMemo(system, memo);
    expect(recorded).toHaveLength(1);
    expect(final.confirmation_id).toBe(recorded[0]?.confirmation_id);
    expect((await mockStats(system)).submits_received - before.submits_received).toBe(1);
    const events = await storedEvents(system, id);
    expect(events.map((e) => [e.to_status, e.source])).toEqual([
      ['received', 'api'],
      ['unconfirmed', 'syncer'],
      ['received', 'syncer'],
      ['pending', 'syncer'],
      ['settled', 'syncer'],
    ]);
    expect(events[1]?.reason).toMatch(/interrupted/);
    expect(events[2]?.reason).toMatch(/never recorded/);
  });

  it('an attempt interrupted after the gateway recorded it: unconfirmed, then linked, never re-sent', async () => {
    const memo = uniqueMemo('interrupted, recorded');
    const startedAt = new Date(Date.now() - 50);
    // What the dead process managed to do: the gateway has it, we never learned the answer.
    const sent = await submitToGateway(system, {
      sender_account: '11112222',
      receiver_account: '44445551',
      amount: 12.34,
      memo,
    });
    const before = await mockStats(system);
    const id = await insertInterruptedAttempt(memo, startedAt);

    const final = await waitForStatus(system, id, FINAL_STATUSES);
    expect(final.status).toBe('settled');
    expect(final.confirmation_id).toBe(sent.confirmation_id);
    expect(await recordedWithMemo(system, memo)).toHaveLength(1);
    expect((await mockStats(system)).submits_received - before.submits_received).toBe(0);
    const trail = (await storedEvents(system, id)).map((e) => e.to_status);
    expect([
      ['received', 'unconfirmed', 'pending', 'settled'],
      ['received', 'unconfirmed', 'settled'],
    ]).toContainEqual(trail);
  });

  it('never links an unconfirmed payment to the entry of another payment still in flight', async () => {
    // A fails with a 500 before the gateway records it; B is recorded right after A's window
    // (inside the allowed clock skew) but its answer hangs, so for a second its entry is an
    // orphan that A's window alone would claim.
    await setFaults(system, {
      submit: [
        { kind: 'error', status_code: 500, count: 1 },
        { kind: 'accept_then_hang', count: 1 },
      ],
    });
    const before = await mockStats(system);
    const memoA = uniqueMemo('A, not recorded');
    const memoB = uniqueMemo('B, recorded, answer lost');

    const a = await postPayment(client, memoA, 1);
    expect(a.body.status).toBe('unconfirmed');
    const pendingB = postPayment(client, memoB, 1);
    const [entryB] = await eventually(async () => {
      const recorded = await recordedWithMemo(system, memoB);
      return recorded.length > 0 ? recorded : undefined;
    });
    const windowA = await storedPayment(system, a.body.id);
    const untilA = windowA.unconfirmed_until?.getTime() ?? 0;
    // A list fetched after A's window closed, while B's answer is still outstanding.
    await waitForSyncAfter(system, new Date(Math.max(Date.now(), untilA + SKEW_MS + 10)));
    const meanwhile = await storedPayment(system, a.body.id);
    expect(meanwhile.confirmation_id).toBeNull();
    expect(meanwhile.status).toBe('unconfirmed');
    expect(logLines(system, IN_FLIGHT, a.body.id).length).toBeGreaterThan(0);

    const b = await pendingB;
    expect(b.body.status).toBe('unconfirmed');
    await waitForSyncAfter(system, new Date());
    await waitForSyncAfter(system, new Date());

    // B's entry lies in both windows: neither is linked to it, neither is re-sent.
    for (const id of [a.body.id, b.body.id]) {
      const row = await storedPayment(system, id);
      expect(row.status).toBe('unconfirmed');
      expect(row.confirmation_id).toBeNull();
    }
    expect(await recordedWithMemo(system, memoA)).toHaveLength(0);
    expect((await recordedWithMemo(system, memoB)).map((p) => p.confirmation_id)).toEqual([entryB?.confirmation_id]);
    expect((await mockStats(system)).submits_received - before.submits_received).toBe(2);
    expect(logLines(system, AMBIGUOUS, a.body.id).length).toBeGreaterThan(0);
    expect(logLines(system, AMBIGUOUS, b.body.id).length).toBeGreaterThan(0);
  });

  it('two payments unconfirmed in overlapping windows with two orphans: neither linked, both left for an operator', async () => {
    // Both are recorded, both answers are 500s; the added latency keeps both requests at the
    // gateway at once, so their windows overlap and each holds both orphans.
    await setFaults(system, { submit: [{ kind: 'accept_then_error', count: 2, latency_ms: 300 }] });
    const before = await mockStats(system);
    const memos = [uniqueMemo('ambiguous one'), uniqueMemo('ambiguous two')];
    const answers = await Promise.all(memos.map((memo) => postPayment(client, memo, 4)));
    for (const answer of answers) expect(answer.body.status).toBe('unconfirmed');

    for (const answer of answers) {
      await eventually(async () => (logLines(system, AMBIGUOUS, answer.body.id).length > 0 ? true : undefined), {
        what: 'the ambiguity to be logged',
      });
    }
    const windowsClosed = Math.max(
      ...(await Promise.all(
        answers.map(async (a) => (await storedPayment(system, a.body.id)).unconfirmed_until?.getTime() ?? 0),
      )),
    );
    await waitForSyncAfter(system, new Date(Math.max(Date.now(), windowsClosed + SKEW_MS + 10)));
    await waitForSyncAfter(system, new Date());

    for (const [i, answer] of answers.entries()) {
      const row = await storedPayment(system, answer.body.id);
      expect(row.status).toBe('unconfirmed');
      expect(row.confirmation_id).toBeNull();
      expect((await storedEvents(system, answer.body.id)).map((e) => e.to_status)).toEqual(['received', 'unconfirmed']);
      expect(await recordedWithMemo(system, memos[i] ?? '')).toHaveLength(1);
    }
    expect((await mockStats(system)).submits_received - before.submits_received).toBe(2);
  });
});
