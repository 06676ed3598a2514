/**
 * The payment status machine: the only place that decides which status may follow which, and
 * the only place a status or a set of statuses is spelled out. Code names a status as
 * `STATUS.pending` and a set by its name here; SQL gets them as text from db/sql-fragments.ts.
 * Statements that change statuses are checked against `canTransition` (transitionSql) or
 * generated from `allowedTransitions` (applyGatewayChanges), so the database enforces the same
 * table as this code.
 */

export const PAYMENT_STATUSES = ['received', 'pending', 'unconfirmed', 'settled', 'returned', 'failed', 'rejected'] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

/** Each status by name: `STATUS.unconfirmed`. Renaming one here is a change the compiler follows. */
export const STATUS = {
  received: 'received',
  pending: 'pending',
  unconfirmed: 'unconfirmed',
  settled: 'settled',
  returned: 'returned',
  failed: 'failed',
  rejected: 'rejected',
} as const satisfies { readonly [S in PaymentStatus]: S };

/** What the gateway reports. */
export const GATEWAY_STATUSES = ['pending', 'settled', 'returned', 'failed'] as const;
export type GatewayStatus = (typeof GATEWAY_STATUSES)[number];

export const TERMINAL_STATUSES = ['settled', 'returned', 'failed', 'rejected'] as const satisfies readonly PaymentStatus[];
export const NON_TERMINAL_STATUSES = ['received', 'pending', 'unconfirmed'] as const satisfies readonly PaymentStatus[];

/**
 * The statuses a sync cycle may still change: accepted and tracked at the gateway, or an unknown
 * outcome it settles from the gateway's list. A payment in one is as fresh as the last sync, and
 * `?refresh=true` waits for a sync.
 */
export const SYNCED_STATUSES = ['pending', 'unconfirmed'] as const satisfies readonly PaymentStatus[];

/** The statuses of a payment that has not failed (accepted, or settled): its last error is no failure reason. */
export const NOT_FAILED_STATUSES = ['pending', 'settled'] as const satisfies readonly PaymentStatus[];

/** Who caused a transition; written to payment_events.source. */
export type TransitionSource = 'api' | 'syncer' | 'operator';

const allowed: Record<PaymentStatus, readonly PaymentStatus[]> = {
  // stored, not yet accepted: accepted, refused for good, or outcome unknown
  received: ['pending', 'rejected', 'unconfirmed'],
  // accepted by the gateway: only its resolution may follow
  pending: ['settled', 'returned', 'failed'],
  // outcome unknown: linked to a gateway entry (any gateway status), re-queued, or given up
  unconfirmed: ['pending', 'settled', 'returned', 'failed', 'received', 'rejected'],
  settled: [],
  returned: [],
  failed: [],
  rejected: [],
};

export function isTerminal(status: PaymentStatus): boolean {
  return (TERMINAL_STATUSES as readonly PaymentStatus[]).includes(status);
}

/** Whether `status` is one of `statuses` (one of the sets above). */
export function isOneOf<S extends PaymentStatus>(statuses: readonly S[], status: PaymentStatus): status is S {
  return (statuses as readonly PaymentStatus[]).includes(status);
}

export function isPaymentStatus(value: string): value is PaymentStatus {
  return (PAYMENT_STATUSES as readonly string[]).includes(value);
}

export function isGatewayStatus(value: string): value is GatewayStatus {
  return (GATEWAY_STATUSES as readonly string[]).includes(value);
}

export function canTransition(from: PaymentStatus, to: PaymentStatus): boolean {
  return allowed[from].includes(to);
}

/** Every allowed (from, to) pair, for SQL that must enforce the same machine. */
export function allowedTransitions(): Array<[PaymentStatus, PaymentStatus]> {
  return PAYMENT_STATUSES.flatMap((from) => allowed[from].map((to): [PaymentStatus, PaymentStatus] => [from, to]));
}

/** The statuses a gateway report may move a payment out of (used to pre-filter sync work). */
export const GATEWAY_TRACKED_STATUSES = ['pending'] as const satisfies readonly PaymentStatus[];

/**
 * Decides whether a gateway report should change a stored payment. A stale report (older
 * gateway `updated_at` than the one stored) or a disallowed transition changes nothing.
 */
export function decideGatewayUpdate(
  current: { status: PaymentStatus; gatewayUpdatedAt: Date | null },
  report: { status: GatewayStatus; updatedAt: Date },
): PaymentStatus | null {
  if (report.status === current.status) return null;
  if (!canTransition(current.status, report.status)) return null;
  if (current.gatewayUpdatedAt && report.updatedAt.getTime() < current.gatewayUpdatedAt.getTime()) return null;
  return report.status;
}
