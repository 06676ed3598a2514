import type postgres from 'postgres';
import { SenderAccountNotAllowedError } from '../errors.js';
import type { NewPayment, Payment, PaymentEvent } from '../payments/payment.js';
import type { PaymentFilter } from '../payments/payment-filter.js';
import { prepared, type Tx } from './client.js';
import { senderOwnedSql } from './client-accounts-repository.js';
import { paymentFilterSql } from './payment-filter-sql.js';
import {
  firstPayment,
  PAYMENT_COLUMNS,
  PAYMENT_FROM,
  type PaymentEventRow,
  type PaymentRow,
  toPayment,
  toPaymentEvent,
} from './payment-rows.js';
import { EVENT_OUTBOX_COLUMNS, eventOutboxValues, STATUS_SQL } from './sql-fragments.js';

export interface PaymentPageQuery {
  limit: number;
  /** The id of the last payment of the previous page (ids are time-ordered UUIDv7). */
  afterId?: string | undefined;
  filter?: PaymentFilter | undefined;
}

/**
 * Every SQL statement about payments. A statement that changes a status is one complete
 * statement per operation: it moves the row only out of the status its transition starts from
 * (checked against the machine, see transitionSql) and writes its event in the same statement.
 * Methods take the executor (`tx`) last so callers own transactions.
 */
export function createPaymentsRepository(sql: postgres.Sql) {
  return {
    /**
     * Inserts a payment as `received` with its first event, if its client owns its sender account;
     * otherwise stores nothing and throws SenderAccountNotAllowedError (the check is part of this
     * statement: no round trip of its own, and an account removed a moment ago is refused at once).
     * With `leaseMs`, its first attempt is opened in the same statement (number 1, start and lease
     * stored before the request leaves); without (careful mode), it is queued for the syncer.
     */
    async insertReceived(payment: NewPayment, leaseMs: number | null, tx: Tx = sql): Promise<Payment> {
      const [row] = await prepared<PaymentRow>(
        tx,
        `WITH p AS (
           INSERT INTO payments (id, client_id, status, amount, sender_account, receiver_account, memo, event_seq,
                                 attempts, attempt_started_at, next_attempt_at)
           SELECT $1::uuid, $2::uuid, ${STATUS_SQL.received}, $3::numeric, $4::text, $5::text, $6::text, 1,
                  CASE WHEN $7::int IS NULL THEN 0 ELSE 1 END,
                  CASE WHEN $7::int IS NULL THEN NULL ELSE clock_timestamp() END,
                  clock_timestamp() + COALESCE($7::int, 0) * interval '1 millisecond'
           WHERE ${senderOwnedSql('$2::uuid', '$4::text')}
           RETURNING *
         ), ev AS (
           INSERT INTO payment_events (payment_id, from_status, to_status, source, ${EVENT_OUTBOX_COLUMNS})
           SELECT id, NULL, ${STATUS_SQL.received}, 'api', ${eventOutboxValues('p')} FROM p
         ), a AS (
           INSERT INTO payment_attempts (payment_id, attempt, started_at, lease_until)
           SELECT id, 1, attempt_started_at, next_attempt_at FROM p WHERE attempt_started_at IS NOT NULL
         )
         SELECT ${PAYMENT_COLUMNS} FROM p LEFT JOIN sync_state s ON s.name = 'gateway'`,
        [payment.id, payment.clientId, payment.amount, payment.senderAccount, payment.receiverAccount, payment.memo, leaseMs],
      );
      if (!row) throw new SenderAccountNotAllowedError();
      return toPayment(row);
    },

    async findForClient(clientId: string, id: string, tx: Tx = sql): Promise<Payment | null> {
      const text = `SELECT ${PAYMENT_COLUMNS} FROM ${PAYMENT_FROM} WHERE p.id = $1 AND p.client_id = $2`;
      return firstPayment(await prepared<PaymentRow>(tx, text, [id, clientId]));
    },

    async findById(id: string, tx: Tx = sql): Promise<Payment | null> {
      return firstPayment(await prepared<PaymentRow>(tx, `SELECT ${PAYMENT_COLUMNS} FROM ${PAYMENT_FROM} WHERE p.id = $1`, [id]));
    },

    /**
     * A page of a client's payments (every client's, for the operator console, when `clientId` is
     * null) narrowed by a filter, newest first, after `afterId`; fetches one extra row to know if
     * more follow. GET /payments, its CSV export (one short statement per batch) and the console's
     * search read through here.
     */
    async listForClient(
      clientId: string | null,
      query: PaymentPageQuery,
      tx: Tx = sql,
    ): Promise<{ items: Payment[]; hasMore: boolean }> {
      const { text, params, planWithValues } = listStatement(clientId, query);
      const rows = planWithValues ? await tx.unsafe<PaymentRow[]>(text, params) : await prepared<PaymentRow>(tx, text, params);
      const items = rows.slice(0, query.limit).map(toPayment);
      return { items, hasMore: rows.length > query.limit };
    },

    /** EXPLAIN (ANALYZE, BUFFERS) of listForClient's statement, for the bench and scripts/explain-plans.ts. */
    async explainListForClient(clientId: string | null, query: PaymentPageQuery, tx: Tx = sql): Promise<string[]> {
      const { text, params } = listStatement(clientId, query);
      const rows = await tx.unsafe<{ 'QUERY PLAN': string }[]>(`EXPLAIN (ANALYZE, BUFFERS) ${text}`, params);
      return rows.map((row) => row['QUERY PLAN']);
    },

    async listEvents(paymentId: string, tx: Tx = sql): Promise<PaymentEvent[]> {
      const rows = await tx<PaymentEventRow[]>`
        SELECT id, from_status, to_status, source, reason, actor, at FROM payment_events
        WHERE payment_id = ${paymentId} ORDER BY id`;
      return rows.map(toPaymentEvent);
    },
  };
}

/** listForClient's statement: one row more than the page, to know if more follow. */
function listStatement(clientId: string | null, query: PaymentPageQuery) {
  const { where, params, planWithValues } = paymentFilterSql(clientId, query.filter ?? {}, query.afterId, [query.limit + 1]);
  const text = `SELECT ${PAYMENT_COLUMNS} FROM ${PAYMENT_FROM} WHERE ${where} ORDER BY p.id DESC LIMIT $1`;
  return { text, params, planWithValues };
}

export type PaymentsRepository = ReturnType<typeof createPaymentsRepository>;
