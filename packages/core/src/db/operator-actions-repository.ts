import type postgres from 'postgres';
import { ConflictError, GatewayEntryNotLinkableError, NotFoundError, RequeueNeedsForceError } from '../errors.js';
import type { Payment } from '../payments/payment.js';
import { CLIENT_TEXT_FOR_OPERATOR_REQUEUE } from '../payments/payment-view.js';
import { type PaymentStatus, STATUS } from '../payments/status.js';
import { isUniqueViolation, prepared, type Tx } from './client.js';
import { firstPayment, PAYMENT_COLUMNS, type PaymentRow } from './payment-rows.js';
import { EVENT_OUTBOX_COLUMNS, eventOutboxValues, NEXT_EVENT_SEQ, transitionSql } from './sql-fragments.js';

/** Who decided, and why: the admin key's public id, and the operator's own words (kept for admins). */
export interface OperatorDecision {
  actor: string;
  reason: string;
}

/** Each operator action's status change (checked against the machine at load). */
const operatorLink = transitionSql(STATUS.unconfirmed, STATUS.pending);
const operatorRequeue = transitionSql(STATUS.unconfirmed, STATUS.received);

/** How many of a window's entries a refused re-queue names. */
const NAMED_CANDIDATES = 10;

/**
 * What an operator does to an unconfirmed payment, each checked against what the syncer knows
 * and recorded with the admin key that did it (payment_events.actor). The operator's reason
 * stays in the event for admins; the client reads a fixed text (payments/payment-view.ts).
 */
export function createOperatorActionsRepository(sql: postgres.Sql) {
  /** Locks the payment for the action; a missing one is 404, one past `unconfirmed` a conflict. */
  async function lockUnconfirmed(tx: Tx, id: string, action: string): Promise<LockedPayment> {
    const [row] = await tx<LockedPayment[]>`
      SELECT status, window_from_gw, window_until_gw FROM payments WHERE id = ${id} FOR UPDATE`;
    if (!row) throw new NotFoundError('No payment with this id.');
    if (row.status !== STATUS.unconfirmed)
      throw new ConflictError(`Only an unconfirmed payment can be ${action}; this one is ${row.status}.`);
    return row;
  }

  return {
    /**
     * Links an unconfirmed payment to the gateway entry an operator identified: it becomes pending
     * with that confirmation_id, and the next sync brings the entry's status. Only an entry the
     * syncer's last complete read of the list showed as unowned (a `candidate` or `foreign` orphan
     * stamped with that read) that no payment holds; anything else is GatewayEntryNotLinkableError.
     */
    async link(id: string, confirmationId: string, decision: OperatorDecision): Promise<Payment> {
      const linked = await sql
        .begin(async (tx) => {
          await lockUnconfirmed(tx, id, 'linked');
          const [entry] = await tx<Array<{ held: boolean; seen: boolean }>>`
            SELECT EXISTS (SELECT 1 FROM payments WHERE confirmation_id = ${confirmationId}) AS held,
                   EXISTS (SELECT 1 FROM gateway_orphans o JOIN sync_state s ON s.name = 'gateway'
                           WHERE o.confirmation_id = ${confirmationId} AND o.kind IN ('candidate', 'foreign')
                             AND o.last_seen_at = s.last_synced_at) AS seen`;
          if (entry?.held) throw new GatewayEntryNotLinkableError('Another payment already holds this confirmation_id.');
          if (!entry?.seen)
            throw new GatewayEntryNotLinkableError(
              "The syncer's last complete read of the gateway's list did not show this confirmation_id as an entry no payment holds. Link only an entry listed under orphans in GET /admin/reconciliation and seen in the last sync.",
            );
          return prepared<PaymentRow>(
            tx,
            `WITH p AS (
               UPDATE payments p SET status = ${operatorLink.to}, confirmation_id = $2,
                 submitted_at = COALESCE(p.submitted_at, p.unconfirmed_from), unconfirmed_from = NULL, unconfirmed_until = NULL,
                 window_from_gw = NULL, window_until_gw = NULL, last_error = NULL, updated_at = clock_timestamp(), ${NEXT_EVENT_SEQ}
               WHERE p.id = $1 AND p.status = ${operatorLink.from} RETURNING p.*
             ), ev AS (
               INSERT INTO payment_events (payment_id, from_status, to_status, source, reason, actor, ${EVENT_OUTBOX_COLUMNS})
               SELECT id, ${operatorLink.from}, ${operatorLink.to}, 'operator', $3, $4, ${eventOutboxValues('p')} FROM p
             )
             SELECT ${PAYMENT_COLUMNS} FROM p LEFT JOIN sync_state s ON s.name = 'gateway'`,
            [id, confirmationId, decision.reason, decision.actor],
          );
        })
        .catch((error: unknown) => {
          // Another payment was linked to it meanwhile (the unique index on confirmation_id).
          if (isUniqueViolation(error))
            throw new GatewayEntryNotLinkableError('Another payment already holds this confirmation_id.');
          throw error;
        });
      const payment = firstPayment(linked);
      if (!payment) throw new Error(`payment ${id} was locked unconfirmed but not linked`);
      return payment;
    },

    /**
     * Each unconfirmed payment's candidate entries: those inside its window that would refuse a
     * re-queue without force (the same rule, inWindowSql), with their times, status and whether
     * the last complete read showed them (only those can be linked). Oldest entry first.
     */
    async candidates(paymentIds: readonly string[]): Promise<Map<string, CandidateEntry[]>> {
      const rows = await sql<Array<CandidateRow>>`
        SELECT q.id AS payment_id, o.confirmation_id, o.status, o.gateway_created_at, o.first_seen_at,
               o.last_seen_at = s.last_synced_at AS in_last_read
        FROM payments q JOIN gateway_orphans o ON ${inWindowSql(sql, sql`q.window_from_gw`, sql`q.window_until_gw`)}
        LEFT JOIN sync_state s ON s.name = 'gateway'
        WHERE q.id = ANY(${paymentIds as string[]}::uuid[])
        ORDER BY o.gateway_created_at`;
      const byPayment = new Map<string, CandidateEntry[]>();
      for (const row of rows) {
        const entries = byPayment.get(row.payment_id) ?? [];
        entries.push({
          confirmationId: row.confirmation_id,
          status: row.status,
          gatewayCreatedAt: row.gateway_created_at,
          firstSeenAt: row.first_seen_at,
          inLastRead: row.in_last_read === true,
        });
        byPayment.set(row.payment_id, entries);
      }
      return byPayment;
    },

    /**
     * Queues an unconfirmed payment to be sent again. Refused (RequeueNeedsForceError) while the
     * gateway may hold it: its window in the gateway's clock is not known yet, or holds entries
     * no payment holds (`candidate` or `foreign` orphans). `force` overrides both, and the event
     * says it was forced.
     */
    async requeue(id: string, decision: OperatorDecision & { force: boolean }): Promise<Payment> {
      const requeued = await sql.begin(async (tx) => {
        const locked = await lockUnconfirmed(tx, id, 're-queued');
        if (!decision.force) await refuseIfMaybeRecorded(tx, locked);
        const reason = decision.force ? `forced: ${decision.reason}` : decision.reason;
        return prepared<PaymentRow>(
          tx,
          `WITH p AS (
             UPDATE payments p SET status = ${operatorRequeue.to}, next_attempt_at = clock_timestamp(), attempt_started_at = NULL,
               unconfirmed_from = NULL, unconfirmed_until = NULL, window_from_gw = NULL, window_until_gw = NULL, last_error = $2,
               updated_at = clock_timestamp(), ${NEXT_EVENT_SEQ}
             WHERE p.id = $1 AND p.status = ${operatorRequeue.from} RETURNING p.*
           ), ev AS (
             INSERT INTO payment_events (payment_id, from_status, to_status, source, reason, actor, ${EVENT_OUTBOX_COLUMNS})
             SELECT id, ${operatorRequeue.from}, ${operatorRequeue.to}, 'operator', $3, $4, ${eventOutboxValues('p')} FROM p
           )
           SELECT ${PAYMENT_COLUMNS} FROM p LEFT JOIN sync_state s ON s.name = 'gateway'`,
          [id, CLIENT_TEXT_FOR_OPERATOR_REQUEUE, reason, decision.actor],
        );
      });
      const payment = firstPayment(requeued);
      if (!payment) throw new Error(`payment ${id} was locked unconfirmed but not re-queued`);
      return payment;
    },
  };
}

/**
 * The rule of "the gateway may hold it": an entry `o` no payment holds (a `candidate` or
 * `foreign` orphan) created inside the window, in the gateway's clock (epoch ms). A re-queue
 * without force is refused while one exists; the console lists them as the payment's candidates.
 */
function inWindowSql(tx: Tx, from: postgres.Fragment | string, until: postgres.Fragment | string) {
  return tx`o.kind IN ('candidate', 'foreign')
      AND floor(extract(epoch FROM o.gateway_created_at) * 1000) BETWEEN ${from} AND ${until}
      AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.confirmation_id = o.confirmation_id)`;
}

/** Throws RequeueNeedsForceError when the list cannot show, or shows it may hold, the payment. */
async function refuseIfMaybeRecorded(tx: Tx, payment: LockedPayment): Promise<void> {
  if (payment.window_from_gw === null || payment.window_until_gw === null)
    throw new RequeueNeedsForceError(
      "Its window in the gateway's clock is not confirmed yet, so no list can show whether the gateway recorded it; sending it again could pay twice. Wait for the syncer, or pass force: true with a reason.",
    );
  const candidates = await tx<Array<{ confirmation_id: string }>>`
    SELECT o.confirmation_id FROM gateway_orphans o
    WHERE ${inWindowSql(tx, payment.window_from_gw, payment.window_until_gw)}
    ORDER BY o.gateway_created_at LIMIT ${NAMED_CANDIDATES + 1}`;
  if (candidates.length === 0) return;
  const named = candidates.slice(0, NAMED_CANDIDATES).map((c) => c.confirmation_id);
  const more = candidates.length > NAMED_CANDIDATES ? ', …' : '';
  throw new RequeueNeedsForceError(
    `Its window holds gateway entries no payment holds (${named.join(', ')}${more}): the gateway may have recorded it, and sending it again could pay twice. Link it to its entry, or pass force: true with a reason.`,
  );
}

/** A gateway entry that may be an unconfirmed payment's own. */
export interface CandidateEntry {
  confirmationId: string;
  status: string;
  gatewayCreatedAt: Date;
  firstSeenAt: Date;
  /** The syncer's last complete read showed it: only then can it be linked. */
  inLastRead: boolean;
}

interface CandidateRow {
  payment_id: string;
  confirmation_id: string;
  status: string;
  gateway_created_at: Date;
  first_seen_at: Date;
  in_last_read: boolean | null;
}

/** The payment as an operator action locks it (window bounds are bigint: strings). */
interface LockedPayment {
  status: PaymentStatus;
  window_from_gw: string | null;
  window_until_gw: string | null;
}

export type OperatorActionsRepository = ReturnType<typeof createOperatorActionsRepository>;
