import type { ProblemType } from './problem-types.js';

/** One field-level problem, as listed in a problem+json `errors` array. */
export interface FieldError {
  /** JSON-pointer-like path, e.g. "body.amount" or "query.limit". */
  field: string;
  message: string;
}

/**
 * The base of every error the apps turn into an RFC 9457 answer. `status` is the HTTP status;
 * `type` is the problem type's slug (problem-types.ts); `detail` is safe to show a client. `extensions` are extra
 * members of the problem body (RFC 9457 §3.2), as safe to show as `detail`.
 */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly type: ProblemType,
    readonly title: string,
    readonly detail: string,
    readonly errors?: FieldError[],
    readonly headers?: Record<string, string>,
    readonly extensions?: Record<string, string>,
  ) {
    super(detail);
    this.name = new.target.name;
  }
}

export class NotFoundError extends AppError {
  constructor(detail = 'The resource does not exist.') {
    super(404, 'not-found', 'Not Found', detail);
  }
}

export class UnauthorizedError extends AppError {
  constructor(detail = 'A valid API key is required: Authorization: Bearer <key>.') {
    super(401, 'unauthorized', 'Unauthorized', detail, undefined, { 'www-authenticate': 'Bearer' });
  }
}

export class ForbiddenError extends AppError {
  constructor(detail = 'This API key may not use this operation.') {
    super(403, 'forbidden', 'Forbidden', detail);
  }
}

export class ValidationError extends AppError {
  constructor(errors: FieldError[], detail = 'The request has invalid fields.') {
    super(422, 'validation-error', 'Unprocessable Content', detail, errors);
  }
}

export class ConflictError extends AppError {
  constructor(detail: string, type: ProblemType = 'conflict', headers?: Record<string, string>) {
    super(409, type, 'Conflict', detail, undefined, headers);
  }
}

/**
 * An Idempotency-Key whose first request is still being processed. Retry-After says when to
 * send the same request again (same key): it then answers what the first request did.
 */
export class IdempotencyInProgressError extends ConflictError {
  constructor() {
    super('A request with this Idempotency-Key is still in progress; retry shortly.', 'idempotency-in-progress', {
      'retry-after': '1',
    });
  }
}

export class ServiceUnavailableError extends AppError {
  constructor(detail = 'The service is temporarily unavailable; try again shortly.') {
    super(503, 'service-unavailable', 'Service Unavailable', detail, undefined, { 'retry-after': '1' });
  }
}

/**
 * The payment is stored and may have reached the gateway, but the API could not learn or record
 * the outcome (its database failed mid-delivery). A 500 without Retry-After, naming the payment:
 * a blind retry could pay twice, so the client reads the payment instead of sending it again.
 */
export class OutcomeUnknownError extends AppError {
  constructor(readonly paymentId: string) {
    const location = `/payments/${paymentId}`;
    super(
      500,
      'outcome-unknown',
      'Outcome Unknown',
      `The payment was stored and may have been sent to the gateway, but its outcome could not be recorded. ` +
        `Do not send it again: read it at GET ${location}.`,
      undefined,
      { location },
      { payment_id: paymentId },
    );
  }
}

/**
 * POST /payments from a sender account the client does not own. The same answer whether the
 * account is registered to nobody or to another client: nothing reveals who owns what.
 */
export class SenderAccountNotAllowedError extends AppError {
  constructor() {
    super(
      403,
      'sender-account-not-allowed',
      'Forbidden',
      'This API key may not send payments from this sender_account; an administrator registers the accounts a client sends from.',
    );
  }
}

/** An admin named a client that does not exist. */
export class UnknownClientError extends NotFoundError {
  constructor() {
    super('No API client with this name.');
  }
}

/** An admin registered an account another client already owns (an account has one owner). */
export class AccountOwnedByAnotherClientError extends ConflictError {
  constructor() {
    super('This account is registered to another client; an account has one owner.', 'account-owned-by-another-client');
  }
}

/** An operator's link to a gateway entry that the syncer's last complete read does not show as unowned. */
export class GatewayEntryNotLinkableError extends ConflictError {
  constructor(detail: string) {
    super(detail, 'gateway-entry-not-linkable');
  }
}

/** An operator's re-queue that could send a payment the gateway may have recorded: needs `force`. */
export class RequeueNeedsForceError extends ConflictError {
  constructor(detail: string) {
    super(detail, 'requeue-needs-force');
  }
}
