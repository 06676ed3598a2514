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
