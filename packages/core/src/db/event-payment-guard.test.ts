import { uuidv7 } from 'uuidv7';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClientDatabase, createClientDatabase } from '../testing/index.js';
import { createGatewayChangesRepository } from './gateway-changes-repository.js';
import { createPaymentsRepository } from './payments-repository.js';

/**
 * payment_events.payment_id has no foreign key (its per-row check weighed on the sync cycle's
 * apply); drizzle/0008_event_payment_guard.sql keeps what it guaranteed: an event always names a
 * payment that exists, for good.
 */
describe('every event names a payment that exists (without a foreign key)', () => {
  let db: ClientDatabase['db'];
  let clientId: string;
  let close: ClientDatabase['close'];

  beforeAll(async () => {
    ({ db, clientId, close } = await createClientDatabase('event_guard'));
  });
  afterAll(() => close?.());

  async function storedPayment(): Promise<string> {
    const id = uuidv7();
    await createPaymentsRepository(db.sql).insertReceived(
      { id, clientId, amount: '10.00', senderAccount: '12345678', receiverAccount: '87654320', memo: null },
      5000,
    );
    return id;
  }

  it('refuses an event for a payment that does not exist, alone or among events that are fine', async () => {
    const real = await storedPayment();
    const missing = uuidv7();
    await expect(
      db.sql`INSERT INTO payment_events (payment_id, from_status, to_status, source) VALUES (${missing}, 'pending', 'pending', 'api')`,
    ).rejects.toMatchObject({ code: '23503' });
    await expect(
      db.sql`INSERT INTO payment_events (payment_id, from_status, to_status, source)
             SELECT id, 'pending', 'pending', 'api' FROM unnest(${[real, missing]}::uuid[]) AS id`,
    ).rejects.toMatchObject({ code: '23503' });
    expect(
      await db.sql`SELECT 1 FROM payment_events WHERE payment_id IN (${real}, ${missing}) AND source = 'api' AND to_status = 'pending'`,
    ).toHaveLength(0);
  });

  it('refuses moving an event to a payment that does not exist', async () => {
    const real = await storedPayment();
    await expect(db.sql`UPDATE payment_events SET payment_id = ${uuidv7()} WHERE payment_id = ${real}`).rejects.toMatchObject({
      code: '23503',
    });
  });

  it('refuses deleting or truncating payments, so an event never outlives its payment', async () => {
    const id = await storedPayment();
    await expect(db.sql`DELETE FROM payments WHERE id = ${id}`).rejects.toMatchObject({ code: '23001' });
    await expect(db.sql`TRUNCATE payments CASCADE`).rejects.toMatchObject({ code: '23001' });
    expect(await db.sql`SELECT 1 FROM payments WHERE id = ${id}`).toHaveLength(1);
    expect(await db.sql`SELECT 1 FROM payment_events WHERE payment_id = ${id}`).toHaveLength(1);
  });

  it('lets the bulk apply write its events (the check passes for payments that exist)', async () => {
    const id = await storedPayment();
    await db.sql`UPDATE payments SET status = 'pending', confirmation_id = ${`c-${id}`}, event_seq = event_seq + 1 WHERE id = ${id}`;
    const changed = await createGatewayChangesRepository(db.sql).applyGatewayChanges(
      [{ confirmationId: `c-${id}`, from: 'pending', status: 'settled', updatedAt: new Date() }],
      new Date(),
    );
    expect(changed).toBe(1);
    expect(
      (await db.sql`SELECT to_status FROM payment_events WHERE payment_id = ${id} ORDER BY id`).map((r) => r.to_status),
    ).toEqual(['received', 'settled']);
  });
});
