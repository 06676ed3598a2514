import type { BackoffOptions } from '../backoff.js';
import type { AttemptsRepository, OutcomeRecord } from '../db/attempts-repository.js';
import type { PaymentsRepository } from '../db/payments-repository.js';
import type { GatewayClient, SubmitOutcome } from '../gateway/gateway-client.js';
import type { Logger } from '../logging/logger.js';
import { toGatewayAmount } from '../money.js';
import type { AttemptOutcome } from '../protocol/careful-mode.js';
import { decideLateOutcome, decideOutcome } from '../protocol/outcomes.js';
import type { CarefulMode } from './careful-mode-state.js';
import type { Payment } from './payment.js';
import type { TransitionSource } from './status.js';

export interface DeliveryOptions {
  gateway: Pick<GatewayClient, 'submit'>;
  attempts: Pick<AttemptsRepository, 'recordOutcome' | 'linkLateAcceptance' | 'raiseLateAcceptanceAlarm' | 'noteLateAnswer'>;
  payments: Pick<PaymentsRepository, 'findById'>;
  careful: Pick<CarefulMode, 'noteOutcome'>;
  logger: Logger;
  maxAttempts: number;
  backoff: BackoffOptions;
  retryAfterCapMs: number;
}

export type Delivery = ReturnType<typeof createDelivery>;

const ATTEMPT_OUTCOME: Record<OutcomeRecord['record'], AttemptOutcome> = {
  accepted: 'accepted',
  retry: 'not_delivered',
  rejected: 'rejected',
  unconfirmed: 'ambiguous',
};

/**
 * Sends one payment whose attempt is already open (and committed) and records the outcome,
 * for the API's inline attempt and the syncer's re-submissions alike (rules: decideOutcome).
 * The outcome is applied only while its attempt is still the current one; an answer that comes
 * after its attempt was fenced off is handled by decideLateOutcome, never applied over a newer
 * attempt. Throws only when the outcome could not be recorded (the database failed): the
 * gateway may then hold the payment, which the caller must say.
 */
export function createDelivery(options: DeliveryOptions) {
  const { gateway, attempts, payments, careful, logger } = options;

  return async function deliver(payment: Payment, source: TransitionSource): Promise<Payment> {
    const attempt = payment.attempts;
    const about = { paymentId: payment.id, attempt };
    const outcome = await gateway.submit({
      sender_account: payment.senderAccount,
      receiver_account: payment.receiverAccount,
      amount: toGatewayAmount(payment.amount),
      ...(payment.memo ? { memo: payment.memo } : {}),
    });
    let decision: OutcomeRecord = decideOutcome(outcome, attempt, options);
    let result = await attempts.recordOutcome(payment.id, attempt, decision, source);
    if (result.kind === 'duplicate_confirmation') {
      logger.error({ ...about }, 'gateway returned a confirmation_id another payment holds; payment unconfirmed');
      const confirmationId = decision.record === 'accepted' ? decision.confirmationId : undefined;
      decision = {
        record: 'unconfirmed',
        reason: 'gateway returned a confirmation_id already in use',
        ...(confirmationId ? { confirmationId } : {}),
      };
      result = await attempts.recordOutcome(payment.id, attempt, decision, source);
    }
    logDecision(about, decision);
    await careful.noteOutcome(ATTEMPT_OUTCOME[decision.record]).catch((error: unknown) => {
      logger.warn({ err: error }, 'could not update careful mode');
    });
    if (result.kind === 'applied') return result.payment;
    if (result.kind === 'fenced') await handleLate(payment.id, attempt, outcome, source);
    return (await payments.findById(payment.id)) ?? payment;
  };

  async function handleLate(id: string, attempt: number, outcome: SubmitOutcome, source: TransitionSource): Promise<void> {
    const current = await payments.findById(id);
    if (!current) return;
    const late = decideLateOutcome(current, { attempt, outcome });
    if (outcome.kind !== 'accepted' || late.action === 'record_only') {
      logger.info({ paymentId: id, attempt, outcome: outcome.kind }, 'late answer to an expired attempt; recorded, not applied');
      await attempts.noteLateAnswer(id, attempt, `${outcome.kind}, not applied`, source);
      return;
    }
    if (late.action === 'link') {
      const linked = await attempts.linkLateAcceptance(id, attempt, outcome.confirmationId, outcome.gatewayCreatedAt, source);
      if (linked) {
        logger.warn({ paymentId: id, attempt }, 'late acceptance of an expired attempt: payment linked');
        return;
      }
    }
    const why = late.action === 'alarm' ? late.why : `attempt ${attempt} was accepted after the payment moved on`;
    logger.error(
      { paymentId: id, attempt, confirmationId: outcome.confirmationId, why },
      'ALARM: gateway may hold this payment twice',
    );
    await attempts.raiseLateAcceptanceAlarm(id, outcome.confirmationId, outcome.gatewayCreatedAt, why, source);
  }

  function logDecision(about: { paymentId: string; attempt: number }, decision: OutcomeRecord): void {
    // Bindings on each line rather than a child logger: most deliveries log nothing at `info`.
    switch (decision.record) {
      case 'accepted':
        logger.debug({ ...about, confirmationId: decision.confirmationId }, 'gateway accepted payment');
        return;
      case 'retry':
        logger.warn(
          { ...about, reason: decision.reason, retryInMs: decision.retryInMs },
          'gateway did not take payment; queued for retry',
        );
        return;
      case 'unconfirmed':
        logger.warn({ ...about, reason: decision.reason }, 'submission outcome unknown; payment unconfirmed');
        return;
      case 'rejected':
        logger.warn({ ...about, reason: decision.reason }, 'payment rejected');
        return;
    }
  }
}
