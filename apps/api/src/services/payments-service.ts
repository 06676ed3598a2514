import { createHash } from 'node:crypto';
import {
  type ApiClient,
  type CreatePaymentBody,
  errorCode,
  IdempotencyInProgressError,
  OutcomeUnknownError,
  type Payment,
  type PaymentResponse,
  type PaymentStatus,
  toPaymentResponse,
  ValidationError,
} from '@pt/core';
import { uuidv7 } from 'uuidv7';
import type { ApiDeps } from '../deps.js';

export interface SubmissionResult {
  statusCode: 201 | 202;
  body: PaymentResponse;
  paymentId: string;
  replayed: boolean;
}

/** 201 once the gateway took it (or refused it for good); 202 while its fate is still open. */
export function statusCodeFor(status: PaymentStatus): 201 | 202 {
  return status === 'received' || status === 'unconfirmed' ? 202 : 201;
}

/** The request as the idempotency check compares it: normalised, so 100.5 and "100.50" match. */
function requestHash(body: CreatePaymentBody): string {
  const canonical = [body.sender_account, body.receiver_account, body.amount, body.memo ?? null];
  return createHash('sha256').update(JSON.stringify(canonical)).digest('hex');
}

/**
 * Takes a payment: stores it as `received` (the outbox) before any network call, then makes
 * the first delivery attempt inline. With an Idempotency-Key, the unique index on the key
 * decides which of several identical requests creates the payment.
 */
export function createPaymentsService(
  deps: Pick<ApiDeps, 'sql' | 'payments' | 'idempotency' | 'deliver' | 'leaseMs' | 'logger' | 'careful'>,
) {
  const { sql, payments, idempotency, deliver, leaseMs, logger, careful } = deps;

  async function respond(payment: Payment, replayed = false): Promise<SubmissionResult> {
    return { statusCode: statusCodeFor(payment.status), body: toPaymentResponse(payment), paymentId: payment.id, replayed };
  }

  /**
   * The inline attempt on a payment already committed. A failure here (the database lost while
   * recording the gateway's answer) leaves the outcome unknown to us: the gateway may have
   * accepted it, so the client must read the payment, not send it again (never a 503 + Retry-After).
   */
  async function deliverInline(payment: Payment): Promise<SubmissionResult> {
    // Careful mode: stored without an open attempt, the syncer sends it (one at a time).
    if (payment.attempts === 0) return respond(payment);
    try {
      return await respond(await deliver(payment, 'api'));
    } catch (error) {
      // No account numbers: the payment's id is enough to find it; the error is scrubbed by the logger.
      logger.error({ err: error, code: errorCode(error), paymentId: payment.id }, 'inline delivery failed; outcome unknown');
      throw new OutcomeUnknownError(payment.id);
    }
  }

  return {
    async submit(client: ApiClient, body: CreatePaymentBody, idempotencyKey?: string): Promise<SubmissionResult> {
      const draft = {
        id: uuidv7(),
        clientId: client.id,
        amount: body.amount,
        senderAccount: body.sender_account,
        receiverAccount: body.receiver_account,
        memo: body.memo ?? null,
      };
      // A failure while inserting stored and sent nothing: it leaves as 503 + Retry-After.
      // While the gateway misbehaves (careful mode), nothing is sent inline: the answer is 202.
      const lease = (await careful.isCareful()) ? null : leaseMs;
      if (!idempotencyKey) return deliverInline(await payments.insertReceived(draft, lease));

      const hash = requestHash(body);
      // A sender account the client does not own throws from insertReceived, inside this
      // transaction: the claim rolls back with it and the key stays unused.
      const claimed = await sql.begin(async (tx) => {
        const claim = await idempotency.claim(client.id, idempotencyKey, hash, tx);
        if (claim.kind !== 'claimed') return claim;
        const payment = await payments.insertReceived(draft, lease, tx);
        await idempotency.attachPayment(client.id, idempotencyKey, payment.id, tx);
        return { kind: 'created' as const, payment };
      });

      switch (claimed.kind) {
        case 'created': {
          // If delivery or saving fails, the key stays in flight with the payment attached: a retry
          // answers 409 until the attempt's lease is over, then replays the stored payment.
          const result = await deliverInline(claimed.payment);
          try {
            await idempotency.saveResponse(client.id, idempotencyKey, result.statusCode, JSON.stringify(result.body));
          } catch (error) {
            // The outcome is known and stored with the payment: answer it rather than fail.
            logger.warn({ err: error, code: errorCode(error), paymentId: result.paymentId }, 'idempotent response not saved');
          }
          return result;
        }
        case 'replay':
          return {
            statusCode: claimed.status as 201 | 202,
            body: JSON.parse(claimed.body) as PaymentResponse,
            paymentId: claimed.paymentId ?? '',
            replayed: true,
          };
        case 'mismatch':
          throw new ValidationError(
            [{ field: 'headers.idempotency-key', message: 'was already used with a different request body' }],
            'This Idempotency-Key was used with different parameters; use a new key for a new payment.',
          );
        case 'in_flight': {
          // The first request died before answering: once its lease is over, answer with what is stored.
          const stale = Date.now() - claimed.createdAt.getTime() > leaseMs;
          const payment = stale && claimed.paymentId ? await payments.findById(claimed.paymentId) : null;
          if (!payment) throw new IdempotencyInProgressError();
          const result = await respond(payment, true);
          await idempotency.saveResponse(client.id, idempotencyKey, result.statusCode, JSON.stringify(result.body));
          return result;
        }
      }
    },
  };
}

export type PaymentsService = ReturnType<typeof createPaymentsService>;
