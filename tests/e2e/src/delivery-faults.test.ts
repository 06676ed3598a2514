import type { FaultConfig } from '@pt/gateway-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  closedPortUrl,
  confirmGatewayClockAfter,
  FINAL_STATUSES,
  finalStatusFor,
  measureGatewayClock,
  mockStats,
  postPayment,
  recordedWithMemo,
  setFaults,
  storedEvents,
  storedPayment,
  uniqueMemo,
  WINDOW_CLOSES_AFTER_MS,
  waitForStatus,
} from './delivery-helpers.js';
import { type System, startSystem } from './harness.js';

type SubmitRule = NonNullable<FaultConfig['submit']>[number];

describe('submit faults, one at a time, through the API and the syncer', () => {
  let system: System;
  let client: ReturnType<System['as']>;

  beforeAll(async () => {
    system = await startSystem({ delaySeconds: 0.3 });
    client = system.as(await system.createClient('acme', false, { accounts: ['11112222'] }));
    // Unknown outcomes are judged in the gateway's clock: one accepted submit measures it.
    await measureGatewayClock(client);
  });
  afterAll(() => system?.stop());

  // A 429 proves the gateway did not take the request (a refused connection too, below); a 503
  // does not (proxies answer it after the upstream took the request): it is among the unknowns.
  it.each<{ name: string; rule: SubmitRule }>([
    { name: 'rate_limit 429', rule: { kind: 'rate_limit', retry_after_s: 0, count: 1 } },
  ])('$name: stays received, is re-submitted by the syncer and resolves, recorded once', async ({ rule }) => {
    await setFaults(system, { submit: [rule] });
    const before = await mockStats(system);
    const memo = uniqueMemo(rule.kind);

    const answer = await postPayment(client, memo, 2);
    expect(answer.status).toBe(202);
    expect(answer.body.status).toBe('received');
    expect(answer.body.failure_reason).toMatch(/gateway answered 429/);

    const final = await waitForStatus(system, answer.body.id, FINAL_STATUSES);
    expect(final.status).toBe('settled');
    expect(final.attempts).toBe(2);
    const recorded = await recordedWithMemo(system, memo);
    expect(recorded).toHaveLength(1);
    expect(final.confirmation_id).toBe(recorded[0]?.confirmation_id);
    const after = await mockStats(system);
    expect(after.submits_received - before.submits_received).toBe(2);
    expect((await storedEvents(system, answer.body.id)).map((e) => [e.to_status, e.source])).toEqual([
      ['received', 'api'],
      ['pending', 'syncer'],
      ['settled', 'syncer'],
    ]);
  });

  it('rate_limit 429 with Retry-After: the next attempt is scheduled no sooner than the gateway asked', async () => {
    await setFaults(system, { submit: [{ kind: 'rate_limit', retry_after_s: 1, count: 1 }] });
    const answer = await postPayment(client, uniqueMemo('retry-after'), 3);
    expect(answer.status).toBe(202);
    const row = await storedPayment(system, answer.body.id);
    expect(row.status).toBe('received');
    expect(row.attempt_started_at).toBeNull();
    // Backoff alone is capped at 200 ms here (RESUBMIT_CAP_MS); only Retry-After explains a second.
    expect(row.next_attempt_at?.getTime() ?? 0).toBeGreaterThanOrEqual(row.updated_at.getTime() + 900);
    const final = await waitForStatus(system, answer.body.id, FINAL_STATUSES);
    expect(final.attempts).toBe(2);
  });

  it.each<{ name: string; rule: SubmitRule }>([
    { name: 'error 500', rule: { kind: 'error', status_code: 500, count: 1 } },
    { name: 'error 502', rule: { kind: 'error', status_code: 502, count: 1 } },
    { name: 'error 503', rule: { kind: 'error', status_code: 503, count: 1 } },
    { name: 'error 504', rule: { kind: 'error', status_code: 504, count: 1 } },
    { name: 'reset', rule: { kind: 'reset', count: 1 } },
    { name: 'hang', rule: { kind: 'hang', count: 1 } },
  ])(
    '$name (not recorded by the gateway): unconfirmed, re-queued only after a full list past its window, then sent once',
    async ({ rule }) => {
      await setFaults(system, { submit: [rule] });
      const before = await mockStats(system);
      const memo = uniqueMemo(rule.kind);

      const answer = await postPayment(client, memo, 5);
      expect(answer.status).toBe(202);
      expect(answer.body.status).toBe('unconfirmed');
      expect(answer.body.confirmation_id).toBeNull();
      const unconfirmed = await storedPayment(system, answer.body.id);
      expect(unconfirmed.unconfirmed_until).not.toBeNull();
      expect(await recordedWithMemo(system, memo)).toHaveLength(0);
      // The next accepted payment, sent after its window closed, confirms the clock it is judged in.
      await confirmGatewayClockAfter(system, client, answer.body.id);

      const final = await waitForStatus(system, answer.body.id, FINAL_STATUSES);
      expect(final.status).toBe('returned');
      const recorded = await recordedWithMemo(system, memo);
      expect(recorded).toHaveLength(1);
      expect(final.confirmation_id).toBe(recorded[0]?.confirmation_id);
      // Sent twice (the first never recorded), and the payment that confirmed the clock.
      expect((await mockStats(system)).submits_received - before.submits_received).toBe(2 + 1);

      const events = await storedEvents(system, answer.body.id);
      expect(events.map((e) => [e.to_status, e.source])).toEqual([
        ['received', 'api'],
        ['unconfirmed', 'api'],
        ['received', 'syncer'],
        ['pending', 'syncer'],
        ['returned', 'syncer'],
      ]);
      const requeue = events[2];
      expect(requeue?.reason).toMatch(/never recorded/);
      // Re-queued only on a list fetched after the window closed: past the moment we gave up by
      // the recording delay the gateway is allowed, plus the clock margin on both sides.
      const gaveUp = unconfirmed.unconfirmed_until?.getTime() ?? Number.POSITIVE_INFINITY;
      expect(requeue?.at.getTime()).toBeGreaterThan(gaveUp + WINDOW_CLOSES_AFTER_MS);
    },
  );

  it.each<{ name: string; rule: SubmitRule }>([
    { name: 'malformed body', rule: { kind: 'malformed', count: 1 } },
    { name: 'accept_then_error', rule: { kind: 'accept_then_error', count: 1 } },
    { name: 'accept_then_error 503', rule: { kind: 'accept_then_error', status_code: 503, count: 1 } },
    { name: 'accept_then_error 504', rule: { kind: 'accept_then_error', status_code: 504, count: 1 } },
    { name: 'accept_then_reset', rule: { kind: 'accept_then_reset', count: 1 } },
    { name: 'accept_then_hang', rule: { kind: 'accept_then_hang', count: 1 } },
  ])('$name (recorded by the gateway): unconfirmed, never re-sent, linked to its gateway entry', async ({ rule }) => {
    await setFaults(system, { submit: [rule] });
    const before = await mockStats(system);
    const memo = uniqueMemo(rule.kind);

    const answer = await postPayment(client, memo, 8);
    expect(answer.status).toBe(202);
    expect(answer.body.status).toBe('unconfirmed');
    expect(answer.body.confirmation_id).toBeNull();
    // The next accepted payment, sent after its window closed, confirms the clock it is judged in.
    await confirmGatewayClockAfter(system, client, answer.body.id);

    const final = await waitForStatus(system, answer.body.id, FINAL_STATUSES);
    expect(final.status).toBe(finalStatusFor(8));
    const recorded = await recordedWithMemo(system, memo);
    expect(recorded).toHaveLength(1);
    expect(final.confirmation_id).toBe(recorded[0]?.confirmation_id);
    // Sent once, and the payment that confirmed the clock.
    expect((await mockStats(system)).submits_received - before.submits_received).toBe(1 + 1);

    const events = await storedEvents(system, answer.body.id);
    const trail = events.map((e) => e.to_status);
    expect(trail.slice(0, 2)).toEqual(['received', 'unconfirmed']);
    expect([
      ['received', 'unconfirmed', 'pending', 'failed'],
      ['received', 'unconfirmed', 'failed'],
    ]).toContainEqual(trail);
    expect(events[2]?.source).toBe('syncer');
    expect(events[2]?.reason).toMatch(/only gateway entry in its window/);
  });
});

describe('a gateway that refuses connections at submission', () => {
  let system: System;
  afterAll(() => system?.stop());

  it('keeps the payment received (202), then the syncer submits it once the gateway is reachable', async () => {
    const deadUrl = await closedPortUrl();
    system = await startSystem({ delaySeconds: 0.3, startSyncer: false, env: { GATEWAY_URL: deadUrl } });
    const client = system.as(await system.createClient('acme', false, { accounts: ['11112222'] }));
    const memo = uniqueMemo('unreachable');

    const answer = await postPayment(client, memo, 0);
    expect(answer.status).toBe(202);
    expect(answer.body.status).toBe('received');
    expect(answer.body.failure_reason).toMatch(/ECONNREFUSED/);
    expect((await mockStats(system)).submits_received).toBe(0);

    await system.startSyncer({ GATEWAY_URL: system.mock.url });
    const final = await waitForStatus(system, answer.body.id, FINAL_STATUSES);
    expect(final.status).toBe('settled');
    expect(await recordedWithMemo(system, memo)).toHaveLength(1);
    expect((await storedEvents(system, answer.body.id)).map((e) => e.to_status)).toEqual(['received', 'pending', 'settled']);
  });
});
