import type { PaymentResponse } from '../validators/payments.js';
import type { Payment, PaymentEvent } from './payment.js';
import { isOneOf, NOT_FAILED_STATUSES } from './status.js';

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

export function toEventResponse(event: PaymentEvent) {
  return {
    from_status: event.fromStatus,
    to_status: event.toStatus,
    source: event.source,
    reason: event.reason,
    at: event.at.toISOString(),
  };
}
