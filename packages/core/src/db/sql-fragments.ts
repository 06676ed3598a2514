import { allowedTransitions, canTransition, type PaymentStatus, TERMINAL_STATUSES } from '../payments/status.js';

/**
 * SQL generated from the status machine, so statements enforce exactly the transitions
 * `payments/status.ts` allows. Built once at import from constants, never from input.
 */
export const ALLOWED_TRANSITIONS_VALUES = allowedTransitions()
  .map(([from, to]) => `('${from}', '${to}')`)
  .join(', ');

export const TERMINAL_LIST = TERMINAL_STATUSES.map((s) => `'${s}'`).join(', ');

/**
 * The status change one statement makes, checked against the machine where the statement is
 * declared (when its module loads): a statement the machine forbids fails at startup and in
 * every test, never silently in production. Returns both statuses as SQL literals.
 */
export function transitionSql(from: PaymentStatus, to: PaymentStatus): { from: string; to: string } {
  if (!canTransition(from, to)) throw new Error(`the status machine forbids ${from} -> ${to}`);
  return { from: `'${from}'`, to: `'${to}'` };
}

/** The columns of a Payment, with freshness from the last full sync for open payments. */
export const PAYMENT_COLUMNS = `
  p.id, p.client_id, p.status, p.amount::text AS amount, p.sender_account, p.receiver_account, p.memo,
  p.confirmation_id, p.attempts, p.last_error, p.created_at, p.submitted_at, p.resolved_at, p.updated_at,
  CASE WHEN p.status IN ('pending', 'unconfirmed') AND s.last_synced_at >= COALESCE(p.submitted_at, p.created_at)
       THEN s.last_synced_at ELSE p.last_synced_at END AS last_synced_at`;

export const PAYMENT_FROM = `payments p LEFT JOIN sync_state s ON s.name = 'gateway'`;
