import { uuidv7 } from 'uuidv7';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClientDatabase, createClientDatabase } from '../testing/index.js';
import { createAttemptsRepository } from './attempts-repository.js';
import { createGatewayChangesRepository } from './gateway-changes-repository.js';
import { createPaymentsRepository } from './payments-repository.js';

interface OutboxRow {
  seq: number | null;
  to_status: string;
  snapshot: Record<string, unknown> | null;
}

/** payment_events is the webhooks' outbox: each status change carries its sequence and snapshot. */
describe('payment_events as the outbox', () => {
  let db: ClientDatabase['db'];
  let clientId: string;
  let close: ClientDatabase['close'];

  beforeAll(async () => {
    ({ db, clientId, close } = await createClientDatabase('outbox'));
  });
  afterAll(() => close?.());

  const newPayment = () => ({
    id: uuidv7(),
    clientId,
    amount: '10.00',
    senderAccount: '12345678',
    receiverAccount: '87654320',
    memo: null,
  });
  const outbox = (paymentId: string) =>
    db.sql<OutboxRow[]>`SELECT seq, to_status, snapshot FROM payment_events WHERE payment_id = ${paymentId} ORDER BY id`;

  it('leaves no event behind when the change is rolled back', async () => {
    const payment = newPayment();
    const forced = new Error('forced rollback');
    await expect(
      db.sql.begin(async (tx) => {
        await createPaymentsRepository(db.sql).insertReceived(payment, 5000, tx);
        expect(await tx`SELECT 1 FROM payment_events WHERE payment_id = ${payment.id}`).toHaveLength(1);
        throw forced;
      }),
    ).rejects.toBe(forced);
    expect(await outbox(payment.id)).toEqual([]);
  });

  it('numbers a payment’s changes 1, 2, 3 with the payment as each change left it', async () => {
    const payment = newPayment();
    const payments = createPaymentsRepository(db.sql);
    await payments.insertReceived(payment, 5000);
    const confirmationId = `c-${payment.id}`;
    const accepted = await createAttemptsRepository(db.sql).recordOutcome(
      payment.id,
      1,
      { record: 'accepted', confirmationId, gatewayCreatedAt: new Date() },
      'api',
    );
    expect(accepted.kind).toBe('applied');
    const changed = await createGatewayChangesRepository(db.sql).applyGatewayChanges(
      [{ confirmationId, from: 'pending', status: 'settled', updatedAt: new Date(Date.now() + 1000) }],
      new Date(),
    );
    expect(changed).toBe(1);

    const rows = await outbox(payment.id);
    expect(rows.map((row) => [row.seq, row.to_status])).toEqual([
      [1, 'received'],
      [2, 'pending'],
      [3, 'settled'],
    ]);
    expect(rows[0]?.snapshot).toMatchObject({ confirmation_id: null, resolved_at: null });
    expect(rows[1]?.snapshot).toMatchObject({ confirmation_id: confirmationId, resolved_at: null });
    expect(rows[2]?.snapshot).toMatchObject({ confirmation_id: confirmationId, resolved_at: expect.any(String) });
    const [stored] = await db.sql<Array<{ event_seq: number }>>`SELECT event_seq FROM payments WHERE id = ${payment.id}`;
    expect(stored?.event_seq).toBe(3);
  });

  it('refuses a status change written without its sequence number', async () => {
    const payment = newPayment();
    await createPaymentsRepository(db.sql).insertReceived(payment, 5000);
    await expect(
      db.sql`INSERT INTO payment_events (payment_id, from_status, to_status, source) VALUES (${payment.id}, 'received', 'rejected', 'api')`,
    ).rejects.toMatchObject({ constraint_name: 'payment_events_change_has_seq' });
  });

  it('gives an event that changes no status no sequence number', async () => {
    const payment = newPayment();
    await createPaymentsRepository(db.sql).insertReceived(payment, 5000);
    await createAttemptsRepository(db.sql).noteLateAnswer(payment.id, 1, 'accepted', 'syncer');
    expect((await outbox(payment.id)).map((row) => row.seq)).toEqual([1, null]);
  });
});
