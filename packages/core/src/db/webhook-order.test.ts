import { uuidv7 } from 'uuidv7';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClientDatabase, createClientDatabase } from '../testing/index.js';
import { createPaymentsRepository } from './payments-repository.js';
import { createWebhookDeliveriesRepository } from './webhook-deliveries-repository.js';

/**
 * Transaction ids are handed out at a transaction's first write, not at its commit: a payment's
 * later event can carry a smaller id than its earlier one, and be fanned out first while a third
 * transaction holds the watermark between them.
 */
describe('webhook deliveries keep a payment’s order when transaction ids do not', () => {
  let db: ClientDatabase['db'];
  let clientId: string;
  let close: ClientDatabase['close'];

  beforeAll(async () => {
    ({ db, clientId, close } = await createClientDatabase('order', 4));
  });
  afterAll(() => close?.());

  it('holds a later event fanned out before its earlier one until the earlier one is fanned out and delivered', async () => {
    const deliveries = createWebhookDeliveriesRepository(db.sql);
    await db.sql`
      INSERT INTO webhook_endpoints (id, client_id, url, event_types, secret)
      VALUES (${uuidv7()}, ${clientId}, 'https://example.invalid/hook',
              ${['payment.received', 'payment.pending', 'payment.settled']}, 'whsec_dGVzdA==')`;
    const payment = {
      id: uuidv7(),
      clientId,
      amount: '10.00',
      senderAccount: '12345678',
      receiverAccount: '87654320',
      memo: null,
    };
    await createPaymentsRepository(db.sql).insertReceived(payment, 5000);
    // The watermark is the whole server's oldest open transaction: other test files' databases
    // on the same server may hold it back for a moment, so fan-out is repeated until it moves.
    const fannedOut = async (seqs: number[]) => {
      for (let tries = 0; tries < 200; tries++) {
        await deliveries.fanOut(60_000);
        const rows = await db.sql<
          { seq: number }[]
        >`SELECT seq FROM webhook_deliveries WHERE payment_id = ${payment.id} ORDER BY seq`;
        if (rows.length >= seqs.length) return rows.map((row) => row.seq);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error(`never fanned out ${seqs.join(', ')}`);
    };
    expect(await fannedOut([1])).toEqual([1]);
    expect((await deliveries.claimDue(10, 60_000)).map((d) => d.seq)).toEqual([1]);
    await db.sql`UPDATE webhook_deliveries SET state = 'delivered' WHERE payment_id = ${payment.id}`;

    const later = await db.sql.reserve(); // takes its transaction id first, writes seq 3 last
    const watermark = await db.sql.reserve(); // a transaction between them, still open at fan-out
    const earlier = await db.sql.reserve(); // takes its id last, writes seq 2 first
    try {
      await later`BEGIN`;
      await later`SELECT pg_current_xact_id()`;
      await watermark`BEGIN`;
      await watermark`SELECT pg_current_xact_id()`;
      await earlier`BEGIN`;
      await earlier`SELECT pg_current_xact_id()`;
      await earlier`INSERT INTO payment_events (payment_id, from_status, to_status, source, seq) VALUES (${payment.id}, 'received', 'pending', 'test', 2)`;
      await earlier`COMMIT`;
      await later`INSERT INTO payment_events (payment_id, from_status, to_status, source, seq) VALUES (${payment.id}, 'pending', 'settled', 'test', 3)`;
      await later`COMMIT`;

      // Only seq 3 is below the open transaction between them: fanned out alone, it must wait for seq 2.
      expect(await fannedOut([1, 3])).toEqual([1, 3]);
      expect(await deliveries.claimDue(10, 60_000)).toEqual([]);

      await watermark`COMMIT`;
      expect(await fannedOut([1, 2, 3])).toEqual([1, 2, 3]);
      expect((await deliveries.claimDue(10, 60_000)).map((d) => d.seq)).toEqual([2]);
      await db.sql`UPDATE webhook_deliveries SET state = 'delivered' WHERE payment_id = ${payment.id} AND seq = 2`;
      expect((await deliveries.claimDue(10, 60_000)).map((d) => d.seq)).toEqual([3]);
    } finally {
      later.release();
      watermark.release();
      earlier.release();
    }
  });
});
