import type { Payment, PaymentEvent } from '../payments/payment.js';
import type { PaymentStatus } from '../payments/status.js';
import { SYNCED_LIST } from './sql-fragments.js';

/** The columns of a Payment, with freshness from the last full sync for open payments. */
export const PAYMENT_COLUMNS = `
  p.id, p.client_id, p.status, p.amount::text AS amount, p.sender_account, p.receiver_account, p.memo,
  p.confirmation_id, p.attempts, p.last_error, p.created_at, p.submitted_at, p.resolved_at, p.updated_at,
  CASE WHEN p.status IN (${SYNCED_LIST}) AND s.last_synced_at >= COALESCE(p.submitted_at, p.created_at)
       THEN s.last_synced_at ELSE p.last_synced_at END AS last_synced_at`;

export const PAYMENT_FROM = `payments p LEFT JOIN sync_state s ON s.name = 'gateway'`;

/** A row of PAYMENT_COLUMNS, as postgres.js returns it. */
export interface PaymentRow {
  id: string;
  client_id: string;
  status: PaymentStatus;
  amount: string;
  sender_account: string;
  receiver_account: string;
  memo: string | null;
  confirmation_id: string | null;
  attempts: number;
  last_error: string | null;
  created_at: Date;
  submitted_at: Date | null;
  resolved_at: Date | null;
  updated_at: Date;
  last_synced_at: Date | null;
}

/** The one mapping from a payments row to a Payment. */
export function toPayment(row: PaymentRow): Payment {
  return {
    id: row.id,
    clientId: row.client_id,
    status: row.status,
    amount: row.amount,
    senderAccount: row.sender_account,
    receiverAccount: row.receiver_account,
    memo: row.memo,
    confirmationId: row.confirmation_id,
    attempts: row.attempts,
    lastError: row.last_error,
    createdAt: row.created_at,
    submittedAt: row.submitted_at,
    resolvedAt: row.resolved_at,
    updatedAt: row.updated_at,
    lastSyncedAt: row.last_synced_at,
  };
}

/** The payment a guarded statement returned, or null when its guard did not hold (no row). */
export function firstPayment(rows: readonly PaymentRow[]): Payment | null {
  const [row] = rows;
  return row ? toPayment(row) : null;
}

/** A payment_events row (bigserial ids come back as strings). */
export interface PaymentEventRow {
  id: string;
  from_status: PaymentStatus | null;
  to_status: PaymentStatus;
  source: string;
  reason: string | null;
  actor: string | null;
  at: Date;
}

export function toPaymentEvent(row: PaymentEventRow): PaymentEvent {
  return {
    id: Number(row.id),
    fromStatus: row.from_status,
    toStatus: row.to_status,
    source: row.source,
    reason: row.reason,
    actor: row.actor,
    at: row.at,
  };
}
