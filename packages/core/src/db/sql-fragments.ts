import {
  allowedTransitions,
  canTransition,
  PAYMENT_STATUSES,
  type PaymentStatus,
  SYNCED_STATUSES,
  TERMINAL_STATUSES,
} from '../payments/status.js';

/**
 * Statuses as SQL text, from payments/status.ts: statements name a status or a set of statuses
 * through these, never as a literal of their own. They go into the statement's text (not as
 * parameters), so the planner still matches the partial indexes over open payments. Built once
 * at import from constants, never from input.
 */

/** Each status as an SQL string literal (its name in single quotes): STATUS_SQL.pending. */
export const STATUS_SQL = Object.fromEntries(PAYMENT_STATUSES.map((status) => [status, `'${status}'`])) as Readonly<
  Record<PaymentStatus, string>
>;

/** A set of statuses as an SQL list, for `IN (…)`. */
export function statusListSql(statuses: readonly PaymentStatus[]): string {
  return statuses.map((status) => STATUS_SQL[status]).join(', ');
}

/**
 * Whether the machine allows `from` -> `to` (two SQL expressions), as one filter on the row a
 * statement already found: `from || '>' || to` among the allowed pairs so written. A join to
 * the pairs as a VALUES list instead let the planner join them first and look the payment up once
 * per pair (bench/README.md, the apply statement).
 */
export function allowedTransitionSql(from: string, to: string): string {
  const pairs = allowedTransitions().map(([f, t]) => `'${f}>${t}'`);
  return `(${from} || '>' || ${to}) IN (${pairs.join(', ')})`;
}

export const TERMINAL_LIST = statusListSql(TERMINAL_STATUSES);
export const SYNCED_LIST = statusListSql(SYNCED_STATUSES);

/**
 * The status change one statement makes, checked against the machine where the statement is
 * declared (when its module loads): a statement the machine forbids fails at startup and in
 * every test, never silently in production. Returns both statuses as SQL literals.
 */
export function transitionSql(from: PaymentStatus, to: PaymentStatus): { from: string; to: string } {
  if (!canTransition(from, to)) throw new Error(`the status machine forbids ${from} -> ${to}`);
  return { from: STATUS_SQL[from], to: STATUS_SQL[to] };
}

/**
 * Like transitionSql, for a statement whose new status is a parameter, one of `targets` (a
 * gateway's status): every one is checked against the machine. Returns `from` as an SQL literal.
 */
export function transitionFromSql(from: PaymentStatus, targets: readonly PaymentStatus[]): string {
  for (const to of targets) transitionSql(from, to);
  return STATUS_SQL[from];
}

/**
 * The outbox columns of a status change's event (payment_events: seq, snapshot), filled from the
 * changed row `alias` (a statement's RETURNING): its bumped event_seq, and the fields the change
 * may have moved, as it left them. The webhooks' payload is the payment at that change: these,
 * its status (the event's to_status) and the fields a payment never changes.
 */
export const EVENT_OUTBOX_COLUMNS = 'seq, snapshot';
export function eventOutboxValues(alias: string): string {
  return `${alias}.event_seq, ${eventSnapshotSql(alias)}`;
}

/** The snapshot alone (see eventOutboxValues), for a RETURNING list. */
export function eventSnapshotSql(alias: string): string {
  return `jsonb_build_object('confirmation_id', ${alias}.confirmation_id, 'last_error', ${alias}.last_error,
    'submitted_at', ${alias}.submitted_at, 'resolved_at', ${alias}.resolved_at, 'updated_at', ${alias}.updated_at,
    'last_synced_at', ${alias}.last_synced_at)`;
}

/** The SET item every statement that changes a payment's status carries (the table aliased p). */
export const NEXT_EVENT_SEQ = 'event_seq = p.event_seq + 1';
