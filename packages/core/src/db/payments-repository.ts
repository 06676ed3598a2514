import type postgres from 'postgres';
import type { NewPayment, Payment, PaymentEvent } from '../payments/payment.js';
import type { PaymentStatus } from '../payments/status.js';
import { prepared } from './client.js';
import { PAYMENT_COLUMNS, PAYMENT_FROM, transitionSql } from './sql-fragments.js';

type Sql = postgres.Sql | postgres.TransactionSql;
type Row = Record<string, unknown>;

export interface ListPaymentsQuery {
  limit: number;
  /** The id of the last payment of the previous page (ids are time-ordered UUIDv7). */
  afterId?: string | undefined;
  status?: PaymentStatus | undefined;
}

/** An operator's link: unconfirmed to pending (checked against the machine at load). */
const operatorLink = transitionSql('unconfirmed', 'pending');

/**
 * Every SQL statement about payments. A statement that changes a status is one complete
 * statement per operation: it moves the row only out of the status its transition starts from
 * (checked against the machine, see transitionSql) and writes its event in the same statement.
 * Methods take the executor (`tx`) last so callers own transactions.
 */
export function createPaymentsRepository(sql: postgres.Sql) {
  /**
   * Inserts a payment as `received` with its first event. With `leaseMs`, its first attempt is
   * opened in the same statement (number 1, start and lease stored before the request leaves);
   * without (careful mode), it is queued for the syncer to send.
   */
  async function insertReceived(payment: NewPayment, leaseMs: number | null, tx: Sql = sql): Promise<Payment> {
    const [row] = await prepared(
      tx,
      `WITH p AS (
         INSERT INTO payments (id, client_id, status, amount, sender_account, receiver_account, memo,
                               attempts, attempt_started_at, next_attempt_at)
         VALUES ($1, $2, 'received', $3, $4, $5, $6,
                 CASE WHEN $7::int IS NULL THEN 0 ELSE 1 END,
                 CASE WHEN $7::int IS NULL THEN NULL ELSE clock_timestamp() END,
                 clock_timestamp() + COALESCE($7::int, 0) * interval '1 millisecond')
         RETURNING *
       ), ev AS (
         INSERT INTO payment_events (payment_id, from_status, to_status, source) SELECT id, NULL, 'received', 'api' FROM p
       ), a AS (
         INSERT INTO payment_attempts (payment_id, attempt, started_at, lease_until)
         SELECT id, 1, attempt_started_at, next_attempt_at FROM p WHERE attempt_started_at IS NOT NULL
       )
       SELECT ${PAYMENT_COLUMNS} FROM p LEFT JOIN sync_state s ON s.name = 'gateway'`,
      [payment.id, payment.clientId, payment.amount, payment.senderAccount, payment.receiverAccount, payment.memo, leaseMs],
    );
    return toPayment(row as Row);
  }

  return {
    insertReceived,

    /**
     * An operator identified the gateway entry: the unconfirmed payment becomes pending with
     * that id, and the next sync brings the gateway's status. Null when it is not unconfirmed.
     */
    async linkByOperator(id: string, confirmationId: string, reason: string, tx: Sql = sql): Promise<Payment | null> {
      const rows = await prepared(
        tx,
        `WITH cur AS (
           SELECT id FROM payments WHERE id = $1 AND status = ${operatorLink.from} FOR UPDATE
         ), p AS (
           UPDATE payments p SET status = ${operatorLink.to}, confirmation_id = $2,
             submitted_at = COALESCE(p.submitted_at, p.unconfirmed_from), unconfirmed_from = NULL, unconfirmed_until = NULL,
             last_error = NULL, updated_at = now()
           FROM cur WHERE p.id = cur.id RETURNING p.*
         ), ev AS (
           INSERT INTO payment_events (payment_id, from_status, to_status, source, reason)
           SELECT id, ${operatorLink.from}, ${operatorLink.to}, 'operator', $3 FROM p
         )
         SELECT ${PAYMENT_COLUMNS} FROM p LEFT JOIN sync_state s ON s.name = 'gateway'`,
        [id, confirmationId, reason],
      );
      return rows[0] ? toPayment(rows[0] as Row) : null;
    },

    async findForClient(clientId: string, id: string, tx: Sql = sql): Promise<Payment | null> {
      const rows = await prepared(tx, `SELECT ${PAYMENT_COLUMNS} FROM ${PAYMENT_FROM} WHERE p.id = $1 AND p.client_id = $2`, [
        id,
        clientId,
      ]);
      return rows[0] ? toPayment(rows[0] as Row) : null;
    },

    async findById(id: string, tx: Sql = sql): Promise<Payment | null> {
      const rows = await prepared(tx, `SELECT ${PAYMENT_COLUMNS} FROM ${PAYMENT_FROM} WHERE p.id = $1`, [id]);
      return rows[0] ? toPayment(rows[0] as Row) : null;
    },

    /** A page of a client's payments, newest first; fetches one extra row to know if more follow. */
    async listForClient(
      clientId: string,
      query: ListPaymentsQuery,
      tx: Sql = sql,
    ): Promise<{ items: Payment[]; hasMore: boolean }> {
      const params: unknown[] = [clientId, query.limit + 1];
      let where = 'p.client_id = $1';
      if (query.status) {
        params.push(query.status);
        where += ` AND p.status = $${params.length}`;
      }
      if (query.afterId) {
        params.push(query.afterId);
        where += ` AND p.id < $${params.length}`;
      }
      const rows = await prepared(
        tx,
        `SELECT ${PAYMENT_COLUMNS} FROM ${PAYMENT_FROM} WHERE ${where} ORDER BY p.id DESC LIMIT $2`,
        params as never[],
      );
      const items = rows.slice(0, query.limit).map((row) => toPayment(row as Row));
      return { items, hasMore: rows.length > query.limit };
    },

    async listEvents(paymentId: string, tx: Sql = sql): Promise<PaymentEvent[]> {
      const rows = await tx`
        SELECT id, from_status, to_status, source, reason, at FROM payment_events
        WHERE payment_id = ${paymentId} ORDER BY id`;
      return rows.map((row) => ({
        id: Number(row.id),
        fromStatus: row.from_status as PaymentStatus | null,
        toStatus: row.to_status as PaymentStatus,
        source: row.source as string,
        reason: row.reason as string | null,
        at: row.at as Date,
      }));
    },
  };
}

export type PaymentsRepository = ReturnType<typeof createPaymentsRepository>;

export function toPayment(row: Row): Payment {
  return {
    id: row.id as string,
    clientId: row.client_id as string,
    status: row.status as PaymentStatus,
    amount: row.amount as string,
    senderAccount: row.sender_account as string,
    receiverAccount: row.receiver_account as string,
    memo: (row.memo as string | null) ?? null,
    confirmationId: (row.confirmation_id as string | null) ?? null,
    attempts: row.attempts as number,
    lastError: (row.last_error as string | null) ?? null,
    createdAt: row.created_at as Date,
    submittedAt: (row.submitted_at as Date | null) ?? null,
    resolvedAt: (row.resolved_at as Date | null) ?? null,
    updatedAt: row.updated_at as Date,
    lastSyncedAt: (row.last_synced_at as Date | null) ?? null,
  };
}
