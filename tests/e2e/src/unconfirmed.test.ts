import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  clientId,
  confirmGatewayClockAfter,
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
  waitForJudgement,
  waitForStatus,
  waitForSyncAfter,
  waitForWindowClosed,
  waitReasons,
} from './delivery-helpers.js';
import { eventually, type System, startSystem } from './harness.js';

const AMBIGUOUS = 'unconfirmed payment is ambiguous; left for an operator';

describe('unconfirmed payments settled from the status list', () => {
  let system: System;
  let client: ReturnType<System['as']>;
  let owner: string;

  beforeAll(async () => {
    // A submit timeout long enough that an answer held back by the gateway (accept_then_hang)
    // outlasts the window of an unknown outcome just before it (300 ms recording delay + margins).
    system = await startSystem({ delaySeconds: 0.3, env: { GATEWAY_SUBMIT_TIMEOUT_MS: '4000' } });
    client = system.as(await system.createClient('acme', false, { accounts: ['11112222'] }));
    owner = await clientId(system, 'acme');
    await measureGatewayClock(client);
  });
  afterAll(() => system?.stop());

  /**
   * A process that died between sending and recording leaves a `received` row with its attempt
   * still open, and its attempt logged as started; once the attempt's lease (next_attempt_at)
   * has run out, the syncer takes over.
   */
  async function insertInterruptedAttempt(memo: string, attemptStartedAt: Date): Promise<string> {
    const id = randomUUID();
    // One statement, so the syncer never sees the row without its first event and attempt.
    await system.sql`
      WITH p AS (
        INSERT INTO payments (id, client_id, status, amount, sender_account, receiver_account, memo,
                              attempts, attempt_started_at, next_attempt_at, created_at, updated_at, event_seq)
        VALUES (${id}, ${owner}, 'received', '12.34', '11112222', '44445551', ${memo},
                1, ${attemptStartedAt}, now(), ${attemptStartedAt}, ${attemptStartedAt}, 1)
        RETURNING id, attempts, attempt_started_at, next_attempt_at
      ), a AS (
        INSERT INTO payment_attempts (payment_id, attempt, started_at, lease_until)
        SELECT id, attempts, attempt_started_at, next_attempt_at FROM p
      )
      INSERT INTO payment_events (payment_id, from_status, to_status, source, at, seq)
      SELECT id, NULL, 'received', 'api', ${attemptStartedAt}, 1 FROM p`;
    return id;
  }

  async function attemptOutcomes(id: string): Promise<Array<[number, string | null]>> {
    const rows = await system.sql<{ attempt: number; outcome: string | null }[]>`
      SELECT attempt, outcome FROM payment_attempts WHERE payment_id = ${id} ORDER BY attempt`;
    return rows.map((row) => [row.attempt, row.outcome]);
  }

  it('an attempt interrupted before the gateway got it: unconfirmed first, re-queued, then sent exactly once', async () => {
    const before = await mockStats(system);
    const memo = uniqueMemo('interrupted, never sent');
    // The dead process began its attempt half a second ago, after the clock sample of beforeAll:
    // one answered before the attempt began, which confirms the near side of its window.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const id = await insertInterruptedAttempt(memo, new Date(Date.now() - 500));
    // Its lease ran out: unconfirmed. The next accepted payment confirms the clock around it.
    await waitForStatus(system, id, ['unconfirmed']);
    await confirmGatewayClockAfter(system, client, id);

    const final = await waitForStatus(system, id, FINAL_STATUSES);
    expect(final.status).toBe('settled');
    const recorded = await recordedWithMemo(system, memo);
    expect(recorded).toHaveLength(1);
    expect(final.confirmation_id).toBe(recorded[0]?.confirmation_id);
    // Sent once (by the syncer), and the payment that confirmed the clock.
    expect((await mockStats(system)).submits_received - before.submits_received).toBe(1 + 1);
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
    // The attempt log: the dead process's attempt, then the one that got through.
    expect(await attemptOutcomes(id)).toEqual([
      [1, 'interrupted'],
      [2, 'accepted'],
    ]);
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
    // Its lease ran out: unconfirmed. The next accepted payment confirms the clock around it.
    await waitForStatus(system, id, ['unconfirmed']);
    await confirmGatewayClockAfter(system, client, id);

    const final = await waitForStatus(system, id, FINAL_STATUSES);
    expect(final.status).toBe('settled');
    expect(final.confirmation_id).toBe(sent.confirmation_id);
    expect(await recordedWithMemo(system, memo)).toHaveLength(1);
    // Never sent by us: the only submission is the payment that confirmed the clock.
    expect((await mockStats(system)).submits_received - before.submits_received).toBe(0 + 1);
    const trail = (await storedEvents(system, id)).map((e) => e.to_status);
    expect([
      ['received', 'unconfirmed', 'pending', 'settled'],
      ['received', 'unconfirmed', 'settled'],
    ]).toContainEqual(trail);
    expect(await attemptOutcomes(id)).toEqual([[1, 'interrupted']]);
  });

  it('never links an unconfirmed payment to the entry of another payment still in flight', async () => {
    // A fails with a 500 before the gateway records it; B is recorded right after A gave up
    // (inside A's window, which reaches past that by the recording delay and the clock margin)
    // but its answer hangs, so for a while its entry is an orphan that A's window alone would claim.
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
    // The next accepted payment (B's answer still outstanding) confirms the clock around A's
    // window; then a list fetched after that window closed, while B's answer is still outstanding.
    await confirmGatewayClockAfter(system, client, a.body.id);
    await waitForWindowClosed(system, a.body.id);
    // ...and closed as the syncer measures it (a slow clock sample widens its margin).
    await waitForJudgement(system, a.body.id);
    const bStillOut = await system.sql<{ n: number }[]>`
      SELECT count(*)::int AS n FROM payments WHERE memo = ${memoB} AND status = 'received' AND attempt_started_at IS NOT NULL`;
    expect(bStillOut[0]?.n).toBe(1);
    const meanwhile = await storedPayment(system, a.body.id);
    expect(meanwhile.confirmation_id).toBeNull();
    expect(meanwhile.status).toBe('unconfirmed');
    // Its decision, logged when it changed: it waits for the attempt in flight.
    expect(waitReasons(system, a.body.id).at(-1)).toBe('in_flight');

    const b = await pendingB;
    expect(b.body.status).toBe('unconfirmed');
    await confirmGatewayClockAfter(system, client, b.body.id);
    await waitForWindowClosed(system, b.body.id);
    for (const id of [a.body.id, b.body.id]) await waitForJudgement(system, id);
    await waitForSyncAfter(system, new Date());

    // B's entry lies in both windows: neither is linked to it, neither is re-sent.
    for (const id of [a.body.id, b.body.id]) {
      const row = await storedPayment(system, id);
      expect(row.status).toBe('unconfirmed');
      expect(row.confirmation_id).toBeNull();
    }
    expect(await recordedWithMemo(system, memoA)).toHaveLength(0);
    expect((await recordedWithMemo(system, memoB)).map((p) => p.confirmation_id)).toEqual([entryB?.confirmation_id]);
    // A and B once each, and the two payments that confirmed the clock.
    expect((await mockStats(system)).submits_received - before.submits_received).toBe(2 + 2);
    // Left for an operator, said once per payment (decisions are logged when they change).
    for (const id of [a.body.id, b.body.id]) {
      const lines = logLines(system, AMBIGUOUS, id);
      expect(lines).toHaveLength(1);
      expect(lines[0]?.candidates).toEqual([entryB?.confirmation_id]);
    }
  });

  it('two payments unconfirmed in overlapping windows, two orphans of different final statuses: neither linked, both left for an operator', async () => {
    // Both are recorded, both answers are 500s; the added latency keeps both requests at the
    // gateway at once, so their windows overlap and each holds both orphans. The gateway resolves
    // them differently (returned, failed), so not even the group's outcome is known.
    await setFaults(system, { submit: [{ kind: 'accept_then_error', count: 2, latency_ms: 300 }] });
    const before = await mockStats(system);
    const memos = [uniqueMemo('ambiguous one'), uniqueMemo('ambiguous two')];
    const answers = await Promise.all(memos.map((memo, i) => postPayment(client, memo, i === 0 ? 4 : 8)));
    for (const answer of answers) expect(answer.body.status).toBe('unconfirmed');
    // The next accepted payment after each window confirms the clock around it.
    for (const answer of answers) await confirmGatewayClockAfter(system, client, answer.body.id);

    for (const answer of answers) {
      await eventually(async () => (logLines(system, AMBIGUOUS, answer.body.id).length > 0 ? true : undefined), {
        what: 'the ambiguity to be logged',
      });
    }
    for (const answer of answers) await waitForWindowClosed(system, answer.body.id);
    await waitForSyncAfter(system, new Date());

    const entries = (await Promise.all(memos.map((memo) => recordedWithMemo(system, memo)))).flat();
    expect(entries).toHaveLength(2);
    for (const answer of answers) {
      const row = await storedPayment(system, answer.body.id);
      expect(row.status).toBe('unconfirmed');
      expect(row.confirmation_id).toBeNull();
      expect((await storedEvents(system, answer.body.id)).map((e) => e.to_status)).toEqual(['received', 'unconfirmed']);
      // Once, with both entries as its candidates.
      const lines = logLines(system, AMBIGUOUS, answer.body.id);
      expect(lines).toHaveLength(1);
      expect(new Set(lines[0]?.candidates as string[])).toEqual(new Set(entries.map((e) => e.confirmation_id)));
    }
    // Both once, and the two payments that confirmed the clock.
    expect((await mockStats(system)).submits_received - before.submits_received).toBe(2 + 2);
  });

  it('two payments unconfirmed in overlapping windows, two orphans of the same final status: resolved as a group, never re-sent', async () => {
    // As above, but the gateway resolves both entries alike (returned): k payments and exactly k
    // entries only they can own were all delivered, and all took that status.
    await setFaults(system, { submit: [{ kind: 'accept_then_error', count: 2, latency_ms: 300 }] });
    const before = await mockStats(system);
    const memos = [uniqueMemo('group one'), uniqueMemo('group two')];
    const answers = await Promise.all(memos.map((memo) => postPayment(client, memo, 4)));
    for (const answer of answers) expect(answer.body.status).toBe('unconfirmed');
    // The next accepted payment after each window confirms the clock around it.
    for (const answer of answers) await confirmGatewayClockAfter(system, client, answer.body.id);

    const entries = (await Promise.all(memos.map((memo) => recordedWithMemo(system, memo)))).flat();
    expect(entries).toHaveLength(2);
    for (const answer of answers) {
      const final = await waitForStatus(system, answer.body.id, FINAL_STATUSES);
      expect(final.status).toBe('returned');
      // Which entry is whose is unknown: it holds none alone, and keeps the group's.
      expect(final.confirmation_id).toBeNull();
      const [group] = await system.sql<{ ids: string[] }[]>`
        SELECT group_confirmation_ids AS ids FROM payments WHERE id = ${answer.body.id}`;
      expect(new Set(group?.ids)).toEqual(new Set(entries.map((e) => e.confirmation_id)));
      const events = await storedEvents(system, answer.body.id);
      expect(events.map((e) => [e.to_status, e.source])).toEqual([
        ['received', 'api'],
        ['unconfirmed', 'api'],
        ['returned', 'syncer'],
      ]);
      expect(events[2]?.reason).toMatch(/resolved as a group of 2/);
    }
    await waitForSyncAfter(system, new Date());
    // Both once, and the two payments that confirmed the clock.
    expect((await mockStats(system)).submits_received - before.submits_received).toBe(2 + 2);
  });
});
