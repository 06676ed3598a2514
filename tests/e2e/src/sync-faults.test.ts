import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGatewayChangesRepository } from '@pt/core';
import type { FaultConfig } from '@pt/gateway-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  clearFaults,
  clientId,
  confirmGatewayClockAfter,
  FINAL_STATUSES,
  logLines,
  mockStats,
  postPayment,
  recordedWithMemo,
  setFaults,
  storedEvents,
  storedPayment,
  uniqueMemo,
  waitForStatus,
  waitForSyncAfter,
  windowSurelyClosedForSyncerAt,
} from './delivery-helpers.js';
import { eventually, type RunningSyncer, type System, startSystem } from './harness.js';

type StatusRule = NonNullable<FaultConfig['status']>[number];

const STATUS_FAILED = 'GET /status failed';
const CYCLE_FAILED = 'reconciliation failed; will retry next cycle';
const RECONCILED = 'reconciled with gateway';

describe('a status list that fails, and statuses that must not move', () => {
  let system: System;
  let client: ReturnType<System['as']>;
  let owner: string;
  let syncer: RunningSyncer;

  beforeAll(async () => {
    system = await startSystem({ delaySeconds: 0.3, startSyncer: false, env: { GATEWAY_STATUS_TIMEOUT_MS: '300' } });
    syncer = await system.startSyncer();
    client = system.as(await system.createClient('acme', false, { accounts: ['11112222'] }));
    owner = await clientId(system, 'acme');
  });
  afterAll(() => system?.stop());

  /**
   * With /status failing: a pending payment the gateway has already resolved (P) and an
   * unconfirmed one the gateway recorded (U, its entry among the last in the list, followed only
   * by the payment that confirmed the clock after it, so a list truncated to its first half never
   * holds it). Neither may move while the list is unusable; above all U must not be re-queued.
   * Both are set up with the syncer stopped, so it meets them only through the fault.
   */
  async function whileStatusFails(rule: StatusRule, waitForFailures: () => Promise<void>) {
    await syncer.stop();
    // The first submit (P) is accepted normally; the second (U) is recorded, then answered 500.
    await setFaults(system, {
      submit: [
        { kind: 'latency', latency_ms: 0, count: 1 },
        { kind: 'accept_then_error', count: 1 },
      ],
    });
    const before = await mockStats(system);
    const memoP = uniqueMemo(`P under ${rule.kind}`);
    const memoU = uniqueMemo(`U under ${rule.kind}`);
    // P's accepted submit also measures the gateway's clock, which U's window is placed in.
    const p = await postPayment(client, memoP, 2);
    expect(p.body.status).toBe('pending');
    const u = await postPayment(client, memoU, 6);
    expect(u.body.status).toBe('unconfirmed');
    // By the time the syncer meets the fault, U's window has closed and the next accepted payment
    // has confirmed the gateway's clock around it: only the fault holds it back.
    await confirmGatewayClockAfter(system, client, u.body.id);
    const windowClosed = await windowSurelyClosedForSyncerAt(system, u.body.id);
    // The mock resolves lazily, on a read of /status: read it until P shows resolved.
    await eventually(async () => {
      await fetch(`${system.mock.url}/status`).then((response) => response.text());
      const resolved = (await recordedWithMemo(system, memoP)).every((entry) => entry.status === 'settled');
      return resolved && Date.now() > windowClosed + 50 ? true : undefined;
    });

    await setFaults(system, { status: [rule] });
    const reconciledBefore = logLines(system, RECONCILED).length;
    syncer = await system.startSyncer();
    try {
      await waitForFailures();
      expect(logLines(system, RECONCILED).length).toBe(reconciledBefore);
      expect((await storedPayment(system, p.body.id)).status).toBe('pending');
      const stillUnconfirmed = await storedPayment(system, u.body.id);
      expect(stillUnconfirmed.status).toBe('unconfirmed');
      expect(stillUnconfirmed.confirmation_id).toBeNull();
      expect((await storedEvents(system, u.body.id)).map((e) => e.to_status)).toEqual(['received', 'unconfirmed']);
      // P and U, once each, and the payment that confirmed the clock (before the fault).
      expect((await mockStats(system)).submits_received - before.submits_received).toBe(2 + 1);
    } finally {
      await clearFaults(system);
    }

    // The fault clears: the same syncer carries on and settles both, U by linking it.
    expect((await waitForStatus(system, p.body.id, FINAL_STATUSES)).status).toBe('settled');
    const linked = await waitForStatus(system, u.body.id, FINAL_STATUSES);
    expect(linked.status).toBe('returned');
    const recordedU = await recordedWithMemo(system, memoU);
    expect(recordedU).toHaveLength(1);
    expect(linked.confirmation_id).toBe(recordedU[0]?.confirmation_id);
  }

  /** Waits until `count` more lines with this message were logged. */
  async function moreLogs(msg: string, count: number) {
    const start = logLines(system, msg).length;
    await eventually(async () => (logLines(system, msg).length >= start + count ? true : undefined), {
      what: `${count} more "${msg}" logs`,
    });
  }

  it('/status answering 500 on every try: the cycle fails, is logged and recorded, nothing is applied', async () => {
    await whileStatusFails({ kind: 'error', status_code: 500 }, async () => {
      await moreLogs(CYCLE_FAILED, 1);
      const [state] = await system.sql<{ last_error: string | null }[]>`SELECT last_error FROM sync_state WHERE name = 'gateway'`;
      expect(state?.last_error).toBe('GET /status answered 500');
    });
    // A cycle that completes clears the recorded error.
    await waitForSyncAfter(system, new Date());
    const [state] = await system.sql<{ last_error: string | null }[]>`SELECT last_error FROM sync_state WHERE name = 'gateway'`;
    expect(state?.last_error).toBeNull();
  });

  it.each<{ name: string; rule: StatusRule }>([
    { name: 'a truncated array', rule: { kind: 'truncated' } },
    { name: 'a malformed body', rule: { kind: 'malformed' } },
    { name: 'a hang past GATEWAY_STATUS_TIMEOUT_MS', rule: { kind: 'hang' } },
    { name: 'a connection reset', rule: { kind: 'reset' } },
  ])('/status answering $name: retried and logged, nothing applied, everything settles once it clears', async ({ rule }) => {
    await whileStatusFails(rule, () => moreLogs(STATUS_FAILED, 2));
  });

  it('never changes a terminal payment, whatever the gateway reports later', async () => {
    const p = await postPayment(client, uniqueMemo('terminal'), 8);
    expect(p.body.status).toBe('pending');
    // Settled here (say by an operator) before the gateway resolves it as failed.
    const updated = await system.sql`
      UPDATE payments SET status = 'settled', resolved_at = now(), updated_at = now(), event_seq = event_seq + 1
      WHERE id = ${p.body.id} AND status = 'pending'`;
    expect(updated.count).toBe(1);
    await system.sql`
      INSERT INTO payment_events (payment_id, from_status, to_status, source, seq)
      SELECT id, 'pending', 'settled', 'operator', event_seq FROM payments WHERE id = ${p.body.id}`;

    await eventually(async () =>
      (await recordedWithMemo(system, p.body.memo ?? ''))[0]?.status === 'failed' ? true : undefined,
    );
    await waitForSyncAfter(system, new Date());
    await waitForSyncAfter(system, new Date());
    expect((await storedPayment(system, p.body.id)).status).toBe('settled');
    expect((await storedEvents(system, p.body.id)).map((e) => e.to_status)).toEqual(['received', 'pending', 'settled']);
  });

  it('never lets a stale gateway report (older updated_at) overwrite a newer one', async () => {
    const p = await postPayment(client, uniqueMemo('stale'), 9);
    // As if a report newer than anything the gateway will say next had already been applied.
    await system.sql`UPDATE payments SET gateway_updated_at = now() + interval '1 hour' WHERE id = ${p.body.id}`;
    await eventually(async () =>
      (await recordedWithMemo(system, p.body.memo ?? ''))[0]?.status === 'failed' ? true : undefined,
    );
    await waitForSyncAfter(system, new Date());
    await waitForSyncAfter(system, new Date());
    expect((await storedPayment(system, p.body.id)).status).toBe('pending');
    expect((await storedEvents(system, p.body.id)).map((e) => e.to_status)).toEqual(['received', 'pending']);
  });

  it('enforces both rules in the bulk SQL itself, whatever the caller decided', async () => {
    const sync = createGatewayChangesRepository(system.sql);
    const at = new Date('2026-01-01T12:00:00Z');
    const terminal = await insertTracked('settled', at);
    const open = await insertTracked('pending', at);
    const later = new Date(at.getTime() + 1000);
    const earlier = new Date(at.getTime() - 1000);

    // A terminal payment, whether the caller knows it (a transition the machine forbids) or
    // believes it still pending (a status the row no longer has): unchanged either way.
    for (const from of ['settled', 'pending'] as const) {
      expect(
        await sync.applyGatewayChanges(
          [{ confirmationId: terminal.confirmationId, from, status: 'failed', updatedAt: later }],
          new Date(),
        ),
      ).toBe(0);
    }
    expect(
      await sync.applyGatewayChanges(
        [{ confirmationId: open.confirmationId, from: 'pending', status: 'failed', updatedAt: earlier }],
        new Date(),
      ),
    ).toBe(0);
    expect((await storedPayment(system, terminal.id)).status).toBe('settled');
    expect((await storedPayment(system, open.id)).status).toBe('pending');
    expect(await storedEvents(system, terminal.id)).toHaveLength(0);
    expect(await storedEvents(system, open.id)).toHaveLength(0);

    expect(
      await sync.applyGatewayChanges(
        [{ confirmationId: open.confirmationId, from: 'pending', status: 'failed', updatedAt: later }],
        new Date(),
      ),
    ).toBe(1);
    expect((await storedPayment(system, open.id)).status).toBe('failed');
    expect((await storedEvents(system, open.id)).map((e) => [e.from_status, e.to_status, e.source])).toEqual([
      ['pending', 'failed', 'syncer'],
    ]);
  });

  async function insertTracked(status: string, gatewayUpdatedAt: Date) {
    const id = randomUUID();
    const confirmationId = `sql-${id}`;
    await system.sql`
      INSERT INTO payments (id, client_id, status, amount, sender_account, receiver_account, confirmation_id, attempts, gateway_updated_at)
      VALUES (${id}, ${owner}, ${status}, '1.00', '11112222', '44445550', ${confirmationId}, 1, ${gatewayUpdatedAt})`;
    return { id, confirmationId };
  }

  it('skips /status entries with an unknown status, unreadable timestamps or no id, and applies the rest', async () => {
    // The mock never lists such entries, so a minimal gateway of our own serves them over HTTP.
    const ids = { good: `fake-${randomUUID()}`, badStatus: `fake-${randomUUID()}`, badTime: `fake-${randomUUID()}` };
    const old = new Date(Date.now() - 60_000);
    for (const confirmationId of Object.values(ids)) {
      await system.sql`
        INSERT INTO payments (id, client_id, status, amount, sender_account, receiver_account, confirmation_id, attempts, gateway_updated_at)
        VALUES (${randomUUID()}, ${owner}, 'pending', '1.00', '11112222', '44445550', ${confirmationId}, 1, ${old})`;
    }
    const now = new Date().toISOString().replace('Z', '000');
    const created = old.toISOString().replace('Z', '000');
    const body = JSON.stringify([
      { confirmation_id: ids.good, status: 'settled', created_at: created, updated_at: now },
      { confirmation_id: ids.badStatus, status: 'cancelled', created_at: created, updated_at: now },
      { confirmation_id: ids.badTime, status: 'failed', created_at: 'yesterday', updated_at: 'soon' },
      { status: 'settled', created_at: created },
      42,
    ]);
    const fake = await listen(
      createServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(body);
      }),
    );
    try {
      await syncer.stop();
      const skippedBefore = logLines(system, 'skipped an unusable /status entry').length;
      const other = await system.startSyncer({ GATEWAY_URL: fake.url });
      const syncedAt = await waitForSyncAfter(system, new Date());
      await other.stop();

      const status = async (confirmationId: string) =>
        (await system.sql<{ status: string }[]>`SELECT status FROM payments WHERE confirmation_id = ${confirmationId}`)[0]
          ?.status;
      expect(await status(ids.good)).toBe('settled');
      expect(await status(ids.badStatus)).toBe('pending');
      expect(await status(ids.badTime)).toBe('pending');
      expect(logLines(system, 'skipped an unusable /status entry').length - skippedBefore).toBeGreaterThanOrEqual(4);
      const [state] = await system.sql<{ last_entries: number; last_synced_at: Date; list_alarm: string | null }[]>`
        SELECT last_entries, last_synced_at, list_alarm FROM sync_state WHERE name = 'gateway'`;
      expect(state?.last_synced_at.getTime()).toBeGreaterThanOrEqual(syncedAt.getTime());
      // entries read with a confirmation_id; the two without one were skipped by the client
      expect(state?.last_entries).toBe(3);
      // A list with unreadable entries proves no absence: it is flagged, not trusted.
      expect(state?.list_alarm).toMatch(/unreadable entries/);
    } finally {
      await fake.close();
    }
  });
});

async function listen(server: Server): Promise<{ url: string; close(): Promise<void> }> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
