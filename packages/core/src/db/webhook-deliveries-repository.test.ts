import { uuidv7 } from 'uuidv7';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type ClientDatabase, createClientDatabase } from '../testing/index.js';
import { createPaymentsRepository } from './payments-repository.js';
import type { AttemptRecord, ClaimedDelivery } from './webhook-deliveries-repository.js';
import { createWebhookDeliveriesRepository } from './webhook-deliveries-repository.js';
import { createWebhookEndpointsRepository } from './webhook-endpoints-repository.js';

const DAY_MS = 86_400_000;

/** recordAttempts: a batch of attempts written in one statement, as the dispatcher sends them. */
describe('webhook deliveries: recording a batch of attempts', () => {
  let db: ClientDatabase['db'];
  let clientId: string;
  let close: ClientDatabase['close'];
  let endpointId: string;

  beforeAll(async () => {
    ({ db, clientId, close } = await createClientDatabase('hooks'));
  });
  afterAll(() => close?.());
  beforeEach(async () => {
    await db.sql`DELETE FROM webhook_endpoints`;
    const endpoint = await createWebhookEndpointsRepository(db.sql).create({
      clientId,
      url: 'https://hooks.example/in',
      eventTypes: ['payment.received'],
      enabled: true,
      description: null,
      secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    });
    endpointId = endpoint.id;
  });

  /** `count` new payments, each with its `received` event, claimed as deliveries to the endpoint. */
  async function claimNew(count: number): Promise<ClaimedDelivery[]> {
    const payments = createPaymentsRepository(db.sql);
    for (let i = 0; i < count; i++) {
      await payments.insertReceived(
        {
          id: uuidv7(),
          clientId,
          amount: '10.00',
          senderAccount: '12345678',
          receiverAccount: '87654320',
          memo: null,
        },
        5000,
      );
    }
    // The fan-out takes events below the oldest running transaction of the whole server: another
    // test file's open transaction may hold it back for a moment.
    const deliveries = createWebhookDeliveriesRepository(db.sql);
    const claimed: ClaimedDelivery[] = [];
    for (const deadline = Date.now() + 15_000; claimed.length < count && Date.now() < deadline; ) {
      await deliveries.fanOut(3 * DAY_MS);
      claimed.push(...(await deliveries.claimDue(100, 60_000)));
      if (claimed.length < count) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return claimed;
  }

  const outcome = (delivered: boolean, startedAt = new Date()): AttemptRecord => ({
    startedAt,
    durationMs: 3,
    httpStatus: delivered ? 200 : 500,
    responseExcerpt: delivered ? 'ok' : null,
    error: delivered ? null : 'HTTP 500',
    delivered,
    retryInMs: 2500.5,
  });

  const states = async (deliveries: ClaimedDelivery[]) => {
    const rows = await db.sql<Array<{ endpoint_id: string; event_id: string; state: string }>>`
      SELECT endpoint_id, event_id, state FROM webhook_deliveries`;
    const byKey = new Map(rows.map((row) => [`${row.endpoint_id}/${row.event_id}`, row.state]));
    return deliveries.map((delivery) => byKey.get(`${delivery.endpointId}/${delivery.eventId}`));
  };
  const endpoint = async () => {
    const [row] = await db.sql<Array<{ failing_since: Date | null; enabled: boolean; disabled_reason: string | null }>>`
      SELECT failing_since, enabled, disabled_reason FROM webhook_endpoints WHERE id = ${endpointId}`;
    return row;
  };

  it('records every attempt and each delivery’s outcome in one call', async () => {
    await db.sql`DELETE FROM webhook_attempts`;
    await db.sql`DELETE FROM webhook_deliveries`;
    const claimed = await claimNew(3);
    expect(claimed).toHaveLength(3);
    const [first, second, third] = claimed as [ClaimedDelivery, ClaimedDelivery, ClaimedDelivery];
    await createWebhookDeliveriesRepository(db.sql).recordAttempts(
      [
        { delivery: first, record: outcome(true) },
        { delivery: second, record: outcome(false) },
        { delivery: third, record: outcome(true) },
      ],
      DAY_MS,
    );
    expect(await states([first, second, third])).toEqual(['delivered', 'pending', 'delivered']);
    const attempts = await db.sql<Array<{ event_id: string; http_status: number | null; error: string | null }>>`
      SELECT event_id, http_status, error FROM webhook_attempts ORDER BY id`;
    expect(attempts.map((a) => [Number(a.event_id), a.http_status, a.error])).toEqual([
      [first.eventId, 200, null],
      [second.eventId, 500, 'HTTP 500'],
      [third.eventId, 200, null],
    ]);
    // the batch ended with a success: no failure streak
    expect((await endpoint())?.failing_since).toBeNull();
  });

  it('records what no Postgres text holds as it came: a NUL, half a surrogate pair', async () => {
    await db.sql`DELETE FROM webhook_attempts`;
    await db.sql`DELETE FROM webhook_deliveries`;
    const [answered, cut] = (await claimNew(2)) as [ClaimedDelivery, ClaimedDelivery];
    // an error text cut at its limit in the middle of an emoji keeps only its first half
    const cutError = 'ECONNRESET peer said \u{1F645}'.slice(0, -1);
    await createWebhookDeliveriesRepository(db.sql).recordAttempts(
      [
        { delivery: answered, record: { ...outcome(false), responseExcerpt: 'no\0way' } },
        { delivery: cut, record: { ...outcome(false), httpStatus: null, error: cutError } },
      ],
      DAY_MS,
    );
    const attempts = await db.sql<Array<{ response_excerpt: string | null; error: string | null }>>`
      SELECT response_excerpt, error FROM webhook_attempts ORDER BY id`;
    expect(attempts).toEqual([
      { response_excerpt: 'no\uFFFDway', error: 'HTTP 500' },
      { response_excerpt: null, error: 'ECONNRESET peer said \uFFFD' },
    ]);
    expect(await states([answered, cut])).toEqual(['pending', 'pending']);
  });

  it('starts the failure streak at the first failure after the batch’s last success', async () => {
    const claimed = await claimNew(3);
    const [first, second, third] = claimed as [ClaimedDelivery, ClaimedDelivery, ClaimedDelivery];
    const base = Date.now() - 10_000;
    const t = (ms: number) => new Date(base + ms);
    await createWebhookDeliveriesRepository(db.sql).recordAttempts(
      [
        { delivery: first, record: outcome(false, t(0)) },
        { delivery: second, record: outcome(true, t(10)) },
        { delivery: third, record: outcome(false, t(20)) },
      ],
      DAY_MS,
    );
    expect((await endpoint())?.failing_since?.getTime()).toBe(t(20).getTime());
  });

  it('disables an endpoint whose failures go back further than disableAfterMs, saying why', async () => {
    const [delivery] = (await claimNew(1)) as [ClaimedDelivery];
    const longAgo = new Date(Date.now() - 2 * DAY_MS);
    await db.sql`UPDATE webhook_endpoints SET failing_since = ${longAgo} WHERE id = ${endpointId}`;
    await createWebhookDeliveriesRepository(db.sql).recordAttempts([{ delivery, record: outcome(false) }], DAY_MS);
    const row = await endpoint();
    expect(row?.enabled).toBe(false);
    expect(row?.failing_since?.getTime()).toBe(longAgo.getTime());
    expect(row?.disabled_reason).toMatch(/^every attempt failed since \S+Z; last: HTTP 500$/);
  });

  it('ignores an attempt that is no longer its delivery’s current one', async () => {
    await db.sql`DELETE FROM webhook_attempts`;
    await db.sql`DELETE FROM webhook_deliveries`;
    const [delivery] = (await claimNew(1)) as [ClaimedDelivery];
    await db.sql`UPDATE webhook_deliveries SET attempts = attempts + 1 WHERE id = ${delivery.id}`;
    await createWebhookDeliveriesRepository(db.sql).recordAttempts([{ delivery, record: outcome(true) }], DAY_MS);
    expect(await states([delivery])).toEqual(['pending']);
    const [logged] = await db.sql<Array<{ n: number }>>`SELECT count(*)::int AS n FROM webhook_attempts`;
    expect(logged?.n).toBe(1);
  });

  it('keeps a delivery leased to its sender when a redelivery is asked for meanwhile: never sent twice at once', async () => {
    await db.sql`DELETE FROM webhook_attempts`;
    await db.sql`DELETE FROM webhook_deliveries`;
    const repository = createWebhookDeliveriesRepository(db.sql);
    const [inFlight] = (await claimNew(1)) as [ClaimedDelivery];
    expect(await repository.redeliverEvent(clientId, inFlight.eventId, DAY_MS)).toBe(1);
    // another dispatcher claims: the attempt in flight still holds the lease
    expect(await repository.claimDue(100, 60_000)).toEqual([]);

    // once it is recorded (failed), the delivery waits for its retry, then is claimed again
    await repository.recordAttempts([{ delivery: inFlight, record: { ...outcome(false), retryInMs: 0 } }], DAY_MS);
    const [again] = await repository.claimDue(100, 60_000);
    expect(again?.id).toBe(inFlight.id);
    expect(again?.attempt).toBe(inFlight.attempt + 1);
  });

  it('sends once more a delivery whose redelivery was asked for while its attempt was in flight, even if that attempt succeeded', async () => {
    await db.sql`DELETE FROM webhook_attempts`;
    await db.sql`DELETE FROM webhook_deliveries`;
    const repository = createWebhookDeliveriesRepository(db.sql);
    const [asked, unasked] = (await claimNew(2)) as [ClaimedDelivery, ClaimedDelivery];
    // the receiver may have had it before the ask: its success does not answer the ask
    expect(await repository.redeliverEvent(clientId, asked.eventId, DAY_MS)).toBe(1);
    await repository.recordAttempts(
      [
        { delivery: asked, record: outcome(true) },
        { delivery: unasked, record: outcome(true) },
      ],
      DAY_MS,
    );
    expect(await states([asked, unasked])).toEqual(['pending', 'delivered']);
    const [again, ...others] = await repository.claimDue(100, 60_000);
    expect(others).toEqual([]);
    expect(again?.id).toBe(asked.id);
    // the attempt after the ask answers it: once recorded, the delivery is done
    await repository.recordAttempts([{ delivery: again as ClaimedDelivery, record: outcome(true) }], DAY_MS);
    expect(await states([asked])).toEqual(['delivered']);
    expect(await repository.claimDue(100, 60_000)).toEqual([]);
  });
});
