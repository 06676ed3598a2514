import { type BackoffOptions, fullJitterDelayMs } from '../backoff.js';
import type { PaymentsRepository } from '../db/payments-repository.js';
import type { GatewayClient } from '../gateway/gateway-client.js';
import type { Logger } from '../logger.js';
import { toGatewayAmount } from '../money.js';
import type { Payment } from './payment.js';
import type { TransitionSource } from './status.js';

export interface DeliveryOptions {
  gateway: Pick<GatewayClient, 'submit'>;
  payments: Pick<PaymentsRepository, 'recordAccepted' | 'recordNotDelivered' | 'recordAmbiguous' | 'recordRejected' | 'findById'>;
  logger: Logger;
  maxAttempts: number;
  backoff: BackoffOptions;
}

export type Delivery = ReturnType<typeof createDelivery>;

/**
 * Submits one payment whose attempt is already open (and committed) and records the outcome.
 * Used by the API for the inline attempt and by the syncer for re-submissions, so both follow
 * the same rules: accepted → pending; provably not delivered → retry with backoff, or rejected
 * once attempts run out; unknown outcome → unconfirmed, never re-sent blindly; 4xx → rejected.
 */
export function createDelivery({ gateway, payments, logger, maxAttempts, backoff }: DeliveryOptions) {
  return async function deliver(payment: Payment, source: TransitionSource): Promise<Payment> {
    // Bindings on each line rather than a child logger: most deliveries log nothing at `info`.
    const about = { paymentId: payment.id, attempt: payment.attempts };
    const outcome = await gateway.submit({
      sender_account: payment.senderAccount,
      receiver_account: payment.receiverAccount,
      amount: toGatewayAmount(payment.amount),
      ...(payment.memo ? { memo: payment.memo } : {}),
    });

    let updated: Payment | null;
    switch (outcome.kind) {
      case 'accepted':
        logger.debug({ ...about, confirmationId: outcome.confirmationId }, 'gateway accepted payment');
        updated = await recordAcceptedOrAmbiguous(payment.id, outcome.confirmationId, outcome.gatewayCreatedAt, source);
        break;
      case 'not_delivered': {
        if (payment.attempts >= maxAttempts) {
          const reason = `gateway unavailable after ${payment.attempts} attempts (last: ${outcome.reason})`;
          logger.error({ ...about, reason }, 'giving up on payment');
          updated = await payments.recordRejected(payment.id, reason, source);
          break;
        }
        const delayMs = Math.max(outcome.retryAfterMs ?? 0, fullJitterDelayMs(payment.attempts, backoff));
        logger.warn({ ...about, reason: outcome.reason, retryInMs: delayMs }, 'gateway did not take payment; queued for retry');
        updated = await payments.recordNotDelivered(payment.id, outcome.reason, new Date(Date.now() + delayMs));
        break;
      }
      case 'ambiguous':
        logger.warn({ ...about, reason: outcome.reason }, 'submission outcome unknown; payment unconfirmed');
        updated = await payments.recordAmbiguous(payment.id, outcome.reason, source);
        break;
      case 'rejected':
        logger.warn({ ...about, reason: outcome.reason }, 'gateway rejected payment');
        updated = await payments.recordRejected(payment.id, outcome.reason, source);
        break;
    }
    // null: another actor moved the payment on meanwhile; report what is stored now.
    return updated ?? (await payments.findById(payment.id)) ?? payment;
  };

  async function recordAcceptedOrAmbiguous(id: string, confirmationId: string, createdAt: Date, source: TransitionSource) {
    try {
      return await payments.recordAccepted(id, confirmationId, createdAt, source);
    } catch (error) {
      // A confirmation_id another payment already holds: the gateway's answer cannot be trusted.
      if ((error as { code?: string }).code === '23505') {
        logger.error({ paymentId: id, confirmationId }, 'gateway returned a confirmation_id already in use');
        return payments.recordAmbiguous(id, 'gateway returned a confirmation_id already in use', source);
      }
      throw error;
    }
  }
}
