import { uuidv7 } from 'uuidv7';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type ClientDatabase, createClientDatabase } from '../testing/index.js';
import { createPaymentsRepository } from './payments-repository.js';
import type { AttemptRecord, ClaimedDelivery } from './webhook-deliveries-repository.js';
import { createWebhookDeliveriesRepository } from './webhook-deliveries-repository.js';
import { createWebhookEndpointsRepository } from './webhook-endpoints-repository.js';

const DAY_MS = 86_400_000;

const outcome = (delivered: boolean): AttemptRecord => ({
  startedAt: new Date(),
  durationMs: 3,
  httpStatus: delivered ? 200 : 500,
  responseExcerpt: null,
  error: delivered ? null : 'HTTP 500',
  delivered,
  retryInMs: 0,
});

/** fanOut in pieces, its leased first attempts, and what replaced the foreign keys to endpoints. */
describe('webhook fan-out', () => {
  let db: ClientDatabase['db'];
  let clientId: string;
  let close: ClientDatabase['close'];
  let endpointId: string;

  beforeAll(async () => {
    ({ db, clientId, close } = await createClientDatabase('fanout', 3));
  });
  afterAll(() => close?.());
  beforeEach(async () => {
    await db.sql`DELETE FROM webhook_endpoints`;
    const endpoint = await createWebhookEndpointsRepository(db.sql).create({
      clientId,
      url: 'https://hooks.example/in',
      eventTypes: ['payment.received', 'payment.pending'],
      enabled: true,
      description: null,
      secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    });
    endpointId = endpoint.id;
  });

  /** `count` new payments, each with its `received` event (seq 1); their ids. */
  async function newPayments(count: number): Promise<string[]> {
    const payments = createPaymentsRepository(db.sql);
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const id = uuidv7();
      await payments.insertReceived(
        { id, clientId, amount: '10.00', senderAccount: '12345678', receiverAccount: '87654320', memo: null },
        5000,
      );
      ids.push(id);
    }
    return ids;
  }

  const eventIdsOf = async (paymentIds: string[]) =>
    (
      await db.sql<Array<{ id: string }>>`
        SELECT id FROM payment_events WHERE payment_id = ANY(${paymentIds}::uuid[]) AND seq IS NOT NULL ORDER BY id`
    ).map((row) => Number(row.id));
  const fannedEventIds = async () =>
    (
      await db.sql<Array<{ event_id: string }>>`
        SELECT event_id FROM webhook_deliveries WHERE endpoint_id = ${endpointId} ORDER BY event_id`
    ).map((row) => Number(row.event_id));

  /**
   * Calls fanOut until `count` deliveries exist for the endpoint: the watermark is the whole
   * server's oldest running transaction, which other test files' databases may hold back a moment.
   */
  async function fanOutAll(count: number, options: { limit?: number; leaseMs?: number }) {
    const calls: Array<{ fanned: number; done: boolean; leased: ClaimedDelivery[]; after: number[] }> = [];
    const leased: number[] = [];
    for (let tries = 0; tries < 300; tries++) {
      const result = await createWebhookDeliveriesRepository(db.sql).fanOut(DAY_MS, options);
      // (leased first attempts have no row until they are recorded)
      leased.push(...result.leased.filter((d) => d.endpointId === endpointId).map((d) => d.eventId));
      calls.push({ ...result, after: [...(await fannedEventIds()), ...leased].sort((a, b) => a - b) });
      if ((calls.at(-1)?.after.length ?? 0) >= count) return calls;
      if (result.done) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`only ${(await fannedEventIds()).length} of ${count} events fanned out`);
  }

  it('fans out a piece at a time, in the order events were written, each event once', async () => {
    const events = await eventIdsOf(await newPayments(25));
    const calls = await fanOutAll(25, { limit: 10 });
    expect(await fannedEventIds()).toEqual(events);
    for (const call of calls) expect(call.fanned).toBeLessThanOrEqual(10);
    expect(calls.reduce((sum, call) => sum + call.fanned, 0)).toBe(25);
    // each piece adds the next events in order: what is fanned out is always the oldest ones
    for (const call of calls) expect(call.after).toEqual(events.slice(0, call.after.length));
    // a full piece says more may follow; the pass ends with a short one
    expect(calls.some((call) => call.fanned === 10 && !call.done)).toBe(true);
    expect(calls.at(-1)?.done).toBe(true);
  });

  it('leases a piece’s first attempts to its caller, and leaves a payment’s next event for the claim', async () => {
    const [first, second] = (await newPayments(2)) as [string, string];
    await db.sql`
      INSERT INTO payment_events (payment_id, from_status, to_status, source, seq)
      VALUES (${first}, 'received', 'pending', 'test', 2)`;
    const calls = await fanOutAll(3, { limit: 100, leaseMs: 60_000 });
    const leased = calls.flatMap((call) => call.leased);
    expect(leased.map((d) => [d.payment.id, d.seq, d.attempt]).sort()).toEqual(
      [
        [first, 1, 1],
        [second, 1, 1],
      ].sort(),
    );
    expect(leased.every((d) => d.endpointId === endpointId && d.url === 'https://hooks.example/in')).toBe(true);

    // leased: no claim takes them; the payment's second event waits for its first
    const deliveries = createWebhookDeliveriesRepository(db.sql);
    expect(await deliveries.claimDue(100, 60_000)).toEqual([]);
    const firstsFirst = leased.find((d) => d.payment.id === first) as ClaimedDelivery;
    await deliveries.recordAttempts([{ delivery: firstsFirst, record: outcome(true) }], DAY_MS);
    const [next] = await deliveries.claimDue(100, 60_000);
    expect([next?.payment.id, next?.seq, next?.attempt]).toEqual([first, 2, 1]);
  });

  it('reads, when another caller held the watermark, what that caller wrote: a payment’s next event waits for the first', async () => {
    const [payment] = (await newPayments(1)) as [string];
    await db.sql`
      INSERT INTO payment_events (payment_id, from_status, to_status, source, seq)
      VALUES (${payment}, 'received', 'pending', 'test', 2)`;
    const [first, second] = (await eventIdsOf([payment])) as [number, number];
    // Another caller's piece, its transaction still open: it holds the watermark's row, leases the
    // payment's first event and moves the watermark past it.
    let waiting: Promise<{ leased: ClaimedDelivery[] }> | undefined;
    await db.sql.begin(async (other) => {
      await other`SELECT 1 FROM webhook_state WHERE name = 'webhooks' FOR UPDATE`;
      waiting = createWebhookDeliveriesRepository(db.sql).fanOut(DAY_MS, { limit: 1, leaseMs: 60_000 });
      // this caller waits for the watermark's row, behind the other's piece
      for (let blocked = false; !blocked; ) {
        const [row] = await db.sql<Array<{ n: number }>>`
          SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`;
        blocked = (row?.n ?? 0) > 0;
      }
      await other`
        INSERT INTO webhook_deliveries (endpoint_id, event_id, payment_id, seq, give_up_at, attempts, leased_until)
        VALUES (${endpointId}, ${first}, ${payment}, 1, now() + interval '1 day', 1, now() + interval '1 minute')`;
      await other`
        UPDATE webhook_state SET fanned_xmin = (SELECT txid FROM payment_events WHERE id = ${first}),
          pass_xmin = pg_current_xact_id()::text::bigint, pass_after_id = ${first}
        WHERE name = 'webhooks'`;
    });
    const { leased } = (await waiting) as { leased: ClaimedDelivery[] };
    // the second event was fanned out, and waits: its payment's first is in flight
    expect(leased).toEqual([]);
    const [row] = await db.sql<Array<{ attempts: number; state: string }>>`
      SELECT attempts, state FROM webhook_deliveries WHERE endpoint_id = ${endpointId} AND event_id = ${second}`;
    expect(row).toEqual({ attempts: 0, state: 'pending' });
  });

  it('makes a piece whose lease ran out pending again, its attempt counted; a late record of that attempt is only logged', async () => {
    await newPayments(2);
    const leased = (await fanOutAll(2, { leaseMs: 1 })).flatMap((call) => call.leased);
    expect(leased.map((d) => [d.id, d.attempt])).toEqual([
      [null, 1],
      [null, 1],
    ]);
    await new Promise((resolve) => setTimeout(resolve, 10));
    // the dispatcher that leased them stopped: the next claim takes them, as second attempts
    const deliveries = createWebhookDeliveriesRepository(db.sql);
    const again = await deliveries.claimDue(100, 60_000);
    expect(again.map((d) => [d.eventId, d.attempt, d.piece])).toEqual(leased.map((d) => [d.eventId, 2, null]));
    expect(await db.sql`SELECT 1 FROM webhook_pieces`).toHaveLength(0);
    // the first dispatcher was only slow: its record is logged and changes nothing
    await deliveries.recordAttempts(
      leased.map((delivery) => ({ delivery, record: outcome(true) })),
      DAY_MS,
    );
    const rows = await db.sql<Array<{ state: string; attempts: number; logged: number }>>`
      SELECT d.state, d.attempts, (SELECT count(*)::int FROM webhook_attempts a WHERE a.delivery_id = d.id) AS logged
      FROM webhook_deliveries d WHERE d.endpoint_id = ${endpointId} ORDER BY d.event_id`;
    expect(rows).toEqual([
      { state: 'pending', attempts: 2, logged: 1 },
      { state: 'pending', attempts: 2, logged: 1 },
    ]);
  });

  it('holds a redelivery of an event in flight in a piece until the piece is recorded, then sends it once more', async () => {
    await newPayments(1);
    const [inFlight] = (await fanOutAll(1, { leaseMs: 60_000 })).flatMap((call) => call.leased) as [ClaimedDelivery];
    const deliveries = createWebhookDeliveriesRepository(db.sql);
    expect(await deliveries.redeliverEvent(clientId, inFlight.eventId, DAY_MS)).toBe(1);
    // never sent twice at once: the redelivery waits for the attempt in flight
    expect(await deliveries.claimDue(100, 60_000)).toEqual([]);
    // that attempt succeeded, but the receiver may have had it before the ask: once more
    await deliveries.recordAttempts([{ delivery: inFlight, record: outcome(true) }], DAY_MS);
    const [again, ...others] = await deliveries.claimDue(100, 60_000);
    expect(others).toEqual([]);
    expect([again?.eventId, again?.attempt]).toEqual([inFlight.eventId, 2]);
    await deliveries.recordAttempts([{ delivery: again as ClaimedDelivery, record: outcome(true) }], DAY_MS);
    const [row] = await db.sql<Array<{ state: string; attempts: number }>>`
      SELECT state, attempts FROM webhook_deliveries WHERE endpoint_id = ${endpointId} AND event_id = ${inFlight.eventId}`;
    expect(row).toEqual({ state: 'delivered', attempts: 2 });
  });

  it('leases at most a batch, however many endpoints each event goes to', async () => {
    await createWebhookEndpointsRepository(db.sql).create({
      clientId,
      url: 'https://hooks.example/second',
      eventTypes: ['payment.received'],
      enabled: true,
      description: null,
      secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    });
    await newPayments(3);
    const calls = await fanOutAll(3, { limit: 2, leaseMs: 60_000 }); // three to the first endpoint
    // a piece of two events goes to four deliveries: two leased, the others left for a claim
    for (const call of calls) expect(call.leased.length).toBeLessThanOrEqual(2);
    const leased = calls.flatMap((call) => call.leased);
    // (the others wait while their event's piece is open: recorded, it closes)
    const deliveries = createWebhookDeliveriesRepository(db.sql);
    await deliveries.recordAttempts(
      leased.map((delivery) => ({ delivery, record: outcome(true) })),
      DAY_MS,
    );
    const claimed = await deliveries.claimDue(100, 60_000);
    expect(leased.length + claimed.length).toBe(6);
  });

  it('deletes an endpoint’s deliveries and attempts with it, and records nothing for it afterwards', async () => {
    await newPayments(1);
    const [delivery] = (await fanOutAll(1, { leaseMs: 60_000 })).flatMap((call) => call.leased) as [ClaimedDelivery];
    const deliveries = createWebhookDeliveriesRepository(db.sql);
    await deliveries.recordAttempts([{ delivery, record: outcome(false) }], DAY_MS);
    const rowsOf = async () => {
      const [row] = await db.sql<Array<{ deliveries: number; attempts: number }>>`
        SELECT (SELECT count(*)::int FROM webhook_deliveries WHERE endpoint_id = ${endpointId}) AS deliveries,
               (SELECT count(*)::int FROM webhook_attempts WHERE endpoint_id = ${endpointId}) AS attempts`;
      return row;
    };
    expect(await rowsOf()).toEqual({ deliveries: 1, attempts: 1 });

    expect(await createWebhookEndpointsRepository(db.sql).delete(clientId, endpointId)).toBe(true);
    expect(await rowsOf()).toEqual({ deliveries: 0, attempts: 0 });
    // an attempt that was in flight when its endpoint went: recorded without an error, and dropped
    await deliveries.recordAttempts([{ delivery, record: outcome(true) }], DAY_MS);
    expect(await rowsOf()).toEqual({ deliveries: 0, attempts: 0 });
  });
});
