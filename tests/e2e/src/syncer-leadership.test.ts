import { SYNC_LOCK_KEY } from '@pt/syncer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FINAL_STATUSES,
  finalStatusFor,
  logLines,
  mockStats,
  paymentsOutOfStepWithEvents,
  postPayment,
  readGatewayStatus,
  recordedWithMemo,
  setFaults,
  storedEvents,
  uniqueMemo,
  waitForStatus,
} from './delivery-helpers.js';
import { eventually, type RunningSyncer, type System, startSystem } from './harness.js';

const RECONCILED = 'reconciled with gateway';

describe('several syncers at once', () => {
  let system: System;
  let client: ReturnType<System['as']>;
  const running: RunningSyncer[] = [];

  beforeAll(async () => {
    system = await startSystem({ delaySeconds: 0.3, startSyncer: false });
    client = system.as(await system.createClient('acme', false, { accounts: ['11112222'] }));
  });
  afterAll(() => system?.stop());

  /** Backends holding the sync lock in this test's database (other files share the server). */
  async function lockHolders(): Promise<number[]> {
    const rows = await system.sql<{ pid: number }[]>`
      SELECT l.pid FROM pg_locks l JOIN pg_database d ON d.oid = l.database
      WHERE l.locktype = 'advisory' AND l.granted AND d.datname = current_database()
        AND ((l.classid::int8 << 32) | l.objid::int8) = ${SYNC_LOCK_KEY.toString()}::int8`;
    return rows.map((row) => row.pid);
  }

  const newHolder = (not: number[] = []) =>
    eventually(
      async () => {
        const holders = await lockHolders();
        return holders.length === 1 && holders[0] !== undefined && !not.includes(holders[0]) ? holders[0] : undefined;
      },
      { what: 'a syncer to take the lock' },
    );

  /** Submits payments and checks each resolves once, with exactly received → pending → final. */
  async function submitAndResolve(count: number) {
    const memos = Array.from({ length: count }, (_, i) => uniqueMemo(`leadership ${i}`));
    const answers = await Promise.all(memos.map((memo, i) => postPayment(client, memo, i)));
    for (const [i, answer] of answers.entries()) {
      expect(answer.status).toBe(201);
      await waitForStatus(system, answer.body.id, FINAL_STATUSES);
      const events = await storedEvents(system, answer.body.id);
      expect(events.map((e) => e.to_status)).toEqual(['received', 'pending', finalStatusFor(i)]);
      expect(await recordedWithMemo(system, memos[i] ?? '')).toHaveLength(1);
    }
  }

  it('only one holds the advisory lock and polls; payments resolve once each; stopping it hands over', async () => {
    running.push(await system.startSyncer());
    const first = await newHolder();
    running.push(await system.startSyncer());
    await submitAndResolve(5);
    expect(await lockHolders()).toEqual([first]);
    expect(logLines(system, 'took the sync lock: this syncer polls the gateway')).toHaveLength(1);

    await running.shift()?.stop();
    const second = await newHolder([first]);
    await submitAndResolve(5);
    expect(await lockHolders()).toEqual([second]);
    expect(await paymentsOutOfStepWithEvents(system)).toEqual([]);
  });

  it('a leader whose database session dies (as when its process is killed) loses the lock to a live session', async () => {
    running.push(await system.startSyncer());
    const [leader] = await lockHolders();
    expect(leader).toBeDefined();
    await system.sql`SELECT pg_terminate_backend(${leader ?? 0})`;
    await newHolder([leader ?? 0]);
    await submitAndResolve(3);
    expect(await paymentsOutOfStepWithEvents(system)).toEqual([]);
  });

  it('stop() in the middle of a cycle waits for it: what the cycle read is applied whole, with its events', async () => {
    await Promise.all(running.splice(0).map((syncer) => syncer.stop()));
    expect(await lockHolders()).toEqual([]);
    const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => postPayment(client, uniqueMemo(`stop ${i}`), i)));
    await eventually(async () => {
      await readGatewayStatus(system);
      return (await mockStats(system)).pending === 0 ? true : undefined;
    });

    // The next /status is slow to answer, so stop() lands while the cycle waits on it.
    await setFaults(system, { status: [{ kind: 'latency', latency_ms: 500, count: 1 }] });
    const requestsBefore = (await mockStats(system)).status_requests;
    const reconciledBefore = logLines(system, RECONCILED).length;
    const syncer = await system.startSyncer({ SYNC_BATCH_SIZE: '2' });
    await eventually(async () => ((await mockStats(system)).status_requests > requestsBefore ? true : undefined), {
      intervalMs: 10,
    });
    expect(logLines(system, RECONCILED)).toHaveLength(reconciledBefore);
    await syncer.stop();
    // Checked the moment stop() returns: the cycle it interrupted had already finished.
    const reconciled = logLines(system, RECONCILED);
    expect(reconciled).toHaveLength(reconciledBefore + 1);
    expect(reconciled.at(-1)?.changed).toBe(6);

    for (const [i, answer] of answers.entries()) {
      const events = await storedEvents(system, answer.body.id);
      expect(events.map((e) => e.to_status)).toEqual(['received', 'pending', finalStatusFor(i)]);
    }
    expect(await paymentsOutOfStepWithEvents(system)).toEqual([]);
  });
});
