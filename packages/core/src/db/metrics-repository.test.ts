import { uuidv7 } from 'uuidv7';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_ACCOUNT, type ClientDatabase, createClientDatabase } from '../testing/index.js';
import { createMetricsRepository } from './metrics-repository.js';
import { createPaymentsRepository } from './payments-repository.js';
import { createWebhookDeliveriesRepository } from './webhook-deliveries-repository.js';

/**
 * Fan-out turns only the events of transactions that ended into deliveries, below the server's
 * oldest transaction that wrote: one left open holds every later change back. The scrape shows
 * for how long, so an operator can find it.
 */
describe('the scrape figures: webhook fan-out lag', () => {
  let db: ClientDatabase['db'];
  let clientId: string;
  let close: ClientDatabase['close'];

  beforeAll(async () => {
    ({ db, clientId, close } = await createClientDatabase('fan-out-lag', 4));
  });
  afterAll(() => close?.());

  it('grows while a transaction that wrote stays open, and is back to 0 once it ended and fan-out ran', async () => {
    const metrics = createMetricsRepository(db.sql);
    const deliveries = createWebhookDeliveriesRepository(db.sql);
    const payment = {
      id: uuidv7(),
      clientId,
      amount: '10.00',
      senderAccount: CLIENT_ACCOUNT,
      receiverAccount: '87654320',
      memo: null,
    };
    // Other test files' databases share the server and its oldest transaction: fan out until
    // this database's events are all behind the watermark.
    const fannedOutLag = async () => {
      for (let tries = 0; tries < 200; tries++) {
        await deliveries.fanOut(60_000);
        const { webhookFanOutLagSeconds } = await metrics.scrapeFigures();
        if (webhookFanOutLagSeconds === 0) return 0;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return (await metrics.scrapeFigures()).webhookFanOutLagSeconds;
    };
    await createPaymentsRepository(db.sql).insertReceived(payment, 5000);
    expect(await fannedOutLag()).toBe(0);

    const open = await db.sql.reserve();
    try {
      await open`BEGIN`;
      await open`SELECT pg_current_xact_id()`; // it has written, as far as snapshots go
      await db.sql`
        INSERT INTO payment_events (payment_id, from_status, to_status, source, seq)
        VALUES (${payment.id}, 'received', 'pending', 'test', 2)`;
      await deliveries.fanOut(60_000);
      const held = await metrics.scrapeFigures();
      expect(held.webhookFanOutLagSeconds).toBeGreaterThan(0);

      await open`COMMIT`;
      expect(await fannedOutLag()).toBe(0);
    } finally {
      open.release();
    }
  });
});
