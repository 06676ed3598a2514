import type { PaymentResponse } from '../validators/payments.js';
import type { Payment, PaymentEvent } from './payment.js';
import { isOneOf, NOT_FAILED_STATUSES, type PaymentStatus } from './status.js';

const iso = (date: Date | null) => (date ? date.toISOString() : null);

/** The JSON a client sees for a payment. Internal fields (client, attempts) stay inside. */
export function toPaymentResponse(payment: Payment): PaymentResponse {
  return {
    id: payment.id,
    status: payment.status,
    amount: payment.amount,
    sender_account: payment.senderAccount,
    receiver_account: payment.receiverAccount,
    memo: payment.memo,
    confirmation_id: payment.confirmationId,
    failure_reason: isOneOf(NOT_FAILED_STATUSES, payment.status) ? null : payment.lastError,
    created_at: payment.createdAt.toISOString(),
    submitted_at: iso(payment.submittedAt),
    resolved_at: iso(payment.resolvedAt),
    updated_at: payment.updatedAt.toISOString(),
    last_synced_at: iso(payment.lastSyncedAt),
  };
}

/**
 * What a client reads where an operator's decision shows (an event's reason, a re-queued
 * payment's failure_reason): a fixed text, never the operator's own words, which stay in the
 * event for admins (toAdminEventResponse).
 */
export const CLIENT_TEXT_FOR_OPERATOR_LINK = 'An operator matched this payment to its record at the gateway.';
export const CLIENT_TEXT_FOR_OPERATOR_REQUEUE = 'An operator reviewed this payment and queued it to be sent again.';
const CLIENT_TEXT_FOR_OPERATOR_EVENT: Partial<Record<PaymentStatus, string>> = {
  pending: CLIENT_TEXT_FOR_OPERATOR_LINK,
  received: CLIENT_TEXT_FOR_OPERATOR_REQUEUE,
};
const CLIENT_TEXT_FOR_OPERATOR_OTHER = 'An operator reviewed this payment.';

/** An event as its client sees it: who caused it by role only, an operator's reason replaced. */
export function toEventResponse(event: PaymentEvent) {
  const reason =
    event.source === 'operator'
      ? (CLIENT_TEXT_FOR_OPERATOR_EVENT[event.toStatus] ?? CLIENT_TEXT_FOR_OPERATOR_OTHER)
      : event.reason;
  return { from_status: event.fromStatus, to_status: event.toStatus, source: event.source, reason, at: event.at.toISOString() };
}

/** An event as an admin sees it: the operator's own reason and the admin key that acted. */
export function toAdminEventResponse(event: PaymentEvent) {
  return {
    from_status: event.fromStatus,
    to_status: event.toStatus,
    source: event.source,
    reason: event.reason,
    actor: event.actor,
    at: event.at.toISOString(),
  };
}
