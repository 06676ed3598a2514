import { randomUUID } from 'node:crypto';
import type { PaymentTrackerClient } from '@pt/client';
import type { Payment } from '@pt/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  clearFaults,
  clientId,
  mockStats,
  recordedWithMemo,
  setFaults,
  storedEvents,
  storedPayment,
  uniqueMemo,
} from './delivery-helpers.js';
import { type System, startSystem } from './harness.js';

/**
 * Issue 10, path 3: an outcome is applied only while its attempt is still the current one. Here
 * the answer of attempt 1 arrives after that attempt was fenced off (its lease ran out, and
 * perhaps attempt 2 was opened): against real Postgres and the real gateway-mock over HTTP, with
 * no syncer running, so the test takes each step itself. Each test asserts what an unfenced
 * outcome write would have changed (the payment row, the event written, the attempt's `late`).
 */

interface AttemptRow {
  outcome: string | null;
  late: number;
  confirmation_id: string | null;
  ended_at: Date | null;
}

interface OrphanRow {
  confirmation_id: string;
  kind: string;
  payment_id: string | null;
}

describe('the answer of an attempt that is no longer the current one', () => {
  let system: System;
  /** The operator, through the typed client. */
  let admin: PaymentTrackerClient;
  let acme: string;

  beforeAll(async () => {
    system = await startSystem({ delaySeconds: 5, startSyncer: false });
    await system.createClient('acme', false, { accounts: ['11112222'] });
    acme = await clientId(system, 'acme');
    admin = system.client(await system.createClient('ops', true));
  });
  afterAll(() => system?.stop());

  /** A payment inserted as the API does before its inline send: `received`, attempt 1 open. */
  async function openFirstAttempt(label: string): Promise<{ first: Payment; memo: string }> {
    const memo = uniqueMemo(label);
    const { payments, leaseMs } = system.apiDeps;
    const first = await payments.insertReceived(
      { id: randomUUID(), clientId: acme, amount: '12.34', senderAccount: '11112222', receiverAccount: '44445551', memo },
      leaseMs,
    );
    expect(first).toMatchObject({ status: 'received', attempts: 1 });
    return { first, memo };
  }

  /** The process that opened the attempt stalled: its lease runs out and the attempt is expired. */
  async function expireLease(id: string): Promise<void> {
    await system.sql`UPDATE payments SET next_attempt_at = now() - interval '1 second' WHERE id = ${id}`;
    expect(await system.apiDeps.attempts.expireInterruptedAttempts()).toBe(1);
    expect((await storedPayment(system, id)).status).toBe('unconfirmed');
    expect((await attemptRow(id, 1)).outcome).toBe('interrupted');
  }

  /** What a later cycle does once the list proved attempt 1 unrecorded: re-queue, then attempt 2. */
  async function openSecondAttempt(id: string): Promise<Payment> {
    const { unconfirmed, attempts, leaseMs } = system.apiDeps;
    expect(await unconfirmed.requeue(id, 1, 'syncer', 'test: attempt 1 proven unrecorded')).not.toBeNull();
    const second = await attempts.claimNext(leaseMs);
    expect(second).toMatchObject({ id, status: 'received', attempts: 2 });
    return second as Payment;
  }

  async function attemptRow(id: string, attempt: number): Promise<AttemptRow> {
    const [row] = await system.sql<AttemptRow[]>`
      SELECT outcome, late, confirmation_id, ended_at FROM payment_attempts WHERE payment_id = ${id} AND attempt = ${attempt}`;
    if (!row) throw new Error(`no attempt ${attempt} for payment ${id}`);
    return row;
  }

  async function orphansOf(id: string): Promise<OrphanRow[]> {
    return system.sql<OrphanRow[]>`SELECT confirmation_id, kind, payment_id FROM gateway_orphans WHERE payment_id = ${id}`;
  }

  /** Every column the outcome statements write, to show a fenced answer wrote none of them. */
  async function fullRow(id: string): Promise<Record<string, unknown>> {
    const [row] = await system.sql`SELECT * FROM payments WHERE id = ${id}`;
    if (!row) throw new Error(`no payment ${id}`);
    return row;
  }

  it('links a late acceptance when no newer attempt exists', async () => {
    const { first, memo } = await openFirstAttempt('late accept, nothing newer');
    await expireLease(first.id);

    // Attempt 1's send goes out only now (the stalled process resumes): the gateway accepts it,
    // but attempt 1 is no longer open, so the answer is fenced and judged as a late outcome.
    const result = await system.apiDeps.deliver(first, 'api');

    const recorded = await recordedWithMemo(system, memo);
    expect(recorded).toHaveLength(1);
    const confirmationId = recorded[0]?.confirmation_id;
    expect(result).toMatchObject({ id: first.id, status: 'pending', confirmationId, attempts: 1 });
    const stored = await storedPayment(system, first.id);
    expect(stored).toMatchObject({ status: 'pending', confirmation_id: confirmationId, attempts: 1 });
    expect(stored.unconfirmed_from).toBeNull();
    expect(stored.unconfirmed_until).toBeNull();

    // The attempt's own row has the answer, marked late: an unfenced write would have taken the
    // answer as current (late = 0) and moved the payment from `received`.
    expect(await attemptRow(first.id, 1)).toMatchObject({ outcome: 'accepted', late: 1, confirmation_id: confirmationId });
    const events = await storedEvents(system, first.id);
    expect(events.map((e) => [e.from_status, e.to_status])).toEqual([
      [null, 'received'],
      ['received', 'unconfirmed'],
      ['unconfirmed', 'pending'],
    ]);
    expect(events.at(-1)?.reason).toMatch(/^late answer to attempt 1: accepted by the gateway/);
    expect(events.at(-1)?.source).toBe('api'); // the process that got the answer, not always the syncer
    // Linked, not alarmed: nothing newer was sent.
    expect(await orphansOf(first.id)).toEqual([]);
  });

  it('raises the double-send alarm for a late acceptance after a newer attempt was opened', async () => {
    const { first, memo } = await openFirstAttempt('late accept after attempt 2');
    await expireLease(first.id);
    const second = await openSecondAttempt(first.id);
    const before = await fullRow(first.id);
    const eventsBefore = await storedEvents(system, first.id);

    // Attempt 1's late send: the gateway accepts it while attempt 2 is the open one.
    await system.apiDeps.deliver(first, 'api');

    const [lateEntry, ...others] = await recordedWithMemo(system, memo);
    expect(others).toEqual([]);
    // The payment is attempt 2's, untouched: with the outcome write not fenced by the attempt
    // number it would be `pending` with attempt 1's confirmation_id, and attempt 2's own answer
    // would then be the one turned away.
    expect(await fullRow(first.id)).toEqual(before);
    expect(before).toMatchObject({ status: 'received', attempts: 2, confirmation_id: null });
    expect(before.attempt_started_at).not.toBeNull();
    expect(await attemptRow(first.id, 1)).toMatchObject({
      outcome: 'accepted',
      late: 1,
      confirmation_id: lateEntry?.confirmation_id,
    });
    expect(await attemptRow(first.id, 2)).toMatchObject({ outcome: null, ended_at: null });

    // The alarm: kept for an operator, as an event on the payment, and in the admin report.
    expect(await orphansOf(first.id)).toEqual([
      { confirmation_id: lateEntry?.confirmation_id, kind: 'late_accept', payment_id: first.id },
    ]);
    const events = await storedEvents(system, first.id);
    expect(events).toHaveLength(eventsBefore.length + 1);
    expect(events.at(-1)).toMatchObject({ from_status: 'received', to_status: 'received' });
    expect(events.at(-1)?.reason).toMatch(/^alarm: attempt 1 was accepted after attempt 2 was sent/);
    const report = await admin.GET('/admin/reconciliation');
    expect(report.response.status).toBe(200);
    expect(report.data?.gateway.double_send_alarms).toBeGreaterThanOrEqual(1);
    expect(report.data?.orphans).toContainEqual(
      expect.objectContaining({
        confirmation_id: lateEntry?.confirmation_id,
        kind: 'late_accept',
        payment_id: first.id,
        acknowledged_at: null,
      }),
    );

    // Attempt 2 goes out as it was always going to: it is applied (it is the current attempt)
    // and the gateway now holds the payment twice, which is exactly what the alarm says.
    const delivered = await system.apiDeps.deliver(second, 'syncer');
    const recorded = await recordedWithMemo(system, memo);
    expect(recorded).toHaveLength(2);
    const newEntry = recorded.find((p) => p.confirmation_id !== lateEntry?.confirmation_id);
    expect(delivered).toMatchObject({ status: 'pending', attempts: 2, confirmationId: newEntry?.confirmation_id });
    expect(await attemptRow(first.id, 2)).toMatchObject({
      outcome: 'accepted',
      late: 0,
      confirmation_id: newEntry?.confirmation_id,
    });
    expect((await storedEvents(system, first.id)).at(-1)).toMatchObject({ from_status: 'received', to_status: 'pending' });
  });

  it.each([
    { answer: '429', fault: { kind: 'rate_limit' as const, retry_after_s: 0, count: 1 }, outcome: 'not_delivered' },
    { answer: '503', fault: { kind: 'error' as const, status_code: 503 as const, count: 1 }, outcome: 'ambiguous' },
  ])('never applies a late $answer over the newer attempt', async ({ answer, fault, outcome }) => {
    const { first, memo } = await openFirstAttempt(`late ${answer} after attempt 2`);
    await expireLease(first.id);
    const second = await openSecondAttempt(first.id);
    const before = await fullRow(first.id);
    const eventsBefore = await storedEvents(system, first.id);
    const submitsBefore = (await mockStats(system)).submits_received;

    await setFaults(system, { submit: [fault] });
    try {
      await system.apiDeps.deliver(first, 'api');
    } finally {
      await clearFaults(system);
    }
    expect((await mockStats(system)).submits_received).toBe(submitsBefore + 1);

    // Attempt 2's state stands, to the column: an unfenced 429 would have closed attempt 2's
    // lease and queued the payment for a retry (a third send while the second is in flight); an
    // unfenced 503 would have made it `unconfirmed` with attempt 2's window.
    expect(await fullRow(first.id)).toEqual(before);
    expect(before).toMatchObject({ status: 'received', attempts: 2, confirmation_id: null });
    expect(before.attempt_started_at).not.toBeNull();
    // The late answer is recorded, not applied: an event that changes no status (an unfenced
    // 503 would have written received -> unconfirmed), and attempt 1's row, marked late.
    const events = await storedEvents(system, first.id);
    expect(events.slice(0, eventsBefore.length)).toEqual(eventsBefore);
    expect(events.slice(eventsBefore.length)).toEqual([
      expect.objectContaining({
        from_status: 'received',
        to_status: 'received',
        reason: `late answer to attempt 1: ${outcome}, not applied`,
      }),
    ]);
    expect(await attemptRow(first.id, 1)).toMatchObject({ outcome, late: 1, confirmation_id: null });
    expect((await attemptRow(first.id, 1)).ended_at).not.toBeNull();
    expect(await attemptRow(first.id, 2)).toMatchObject({ outcome: null, ended_at: null });
    expect(await orphansOf(first.id)).toEqual([]);

    // Attempt 2's own answer is still applied.
    const delivered = await system.apiDeps.deliver(second, 'syncer');
    const recorded = await recordedWithMemo(system, memo);
    expect(recorded).toHaveLength(1);
    expect(delivered).toMatchObject({ status: 'pending', attempts: 2, confirmationId: recorded[0]?.confirmation_id });
  });
});
