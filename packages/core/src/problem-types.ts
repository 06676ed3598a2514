/**
 * Every problem type the API can answer (RFC 9457 `type`): one list for the URIs the answers
 * carry and for the pages the API serves at those URIs (GET /problems/<type>). An error names
 * its type by slug (`ProblemType`), so a type missing here does not compile.
 */

export interface ProblemTypeDoc {
  /** The usual HTTP status (a type may come with another, e.g. 404 for an unknown admin client). */
  status: number;
  title: string;
  /** What happened, in a sentence or two. */
  meaning: string;
  /** What a client should do about it. */
  action: string;
}

export const PROBLEM_TYPES = {
  'validation-error': {
    status: 422,
    title: 'Unprocessable Content',
    meaning:
      'One or more fields of the request are invalid. `errors` lists every bad field (`body.amount`, `query.limit`, `headers.idempotency-key`…) with what is wrong with it.',
    action:
      'Fix every field named in `errors` and send the request again. Sending it unchanged will fail the same way. An Idempotency-Key reused with a different body is reported here too: use a new key for a new payment.',
  },
  'bad-request': {
    status: 400,
    title: 'Bad Request',
    meaning: 'The request is not well-formed HTTP, or could not be processed as sent.',
    action: 'Fix the request as `detail` says; do not retry it unchanged.',
  },
  'invalid-json': {
    status: 400,
    title: 'Bad Request',
    meaning: 'The body is empty or is not valid JSON.',
    action: 'Send a JSON object as the body, with `Content-Type: application/json`.',
  },
  'duplicate-key': {
    status: 400,
    title: 'Bad Request',
    meaning:
      'The JSON body repeats a key. JSON readers disagree on which value counts, so such a body is refused; `errors` names each repeated key.',
    action: 'Send each key once.',
  },
  unauthorized: {
    status: 401,
    title: 'Unauthorized',
    meaning: 'The request has no API key, or its key is unknown, revoked or expired.',
    action: 'Send `Authorization: Bearer <api key>` with a valid key; ask an administrator for a new one if yours was revoked.',
  },
  forbidden: {
    status: 403,
    title: 'Forbidden',
    meaning: 'The API key is valid but may not use this operation (for example an admin operation with a client key).',
    action: 'Use a key that has the right, or do not call this operation.',
  },
  'console-forbidden': {
    status: 403,
    title: 'Forbidden',
    meaning:
      'The operator console refused the request: no valid session (signed out, expired or revoked), a missing or wrong CSRF token, or a request that did not come from a console page (its Origin).',
    action: 'Sign in again at `/console/sign-in` with an admin key and repeat the action from the console’s own page.',
  },
  'sender-account-not-allowed': {
    status: 403,
    title: 'Forbidden',
    meaning:
      'The payment names a `sender_account` that is not registered to your client. Nothing was stored or sent, and the Idempotency-Key stays unused.',
    action: 'Send from an account registered to you, or ask an administrator to register this one.',
  },
  'not-found': {
    status: 404,
    title: 'Not Found',
    meaning: 'There is no such resource for your client (another client’s payment is not found either), or no such route.',
    action: 'Check the id or the path; do not retry unchanged.',
  },
  'method-not-allowed': {
    status: 405,
    title: 'Method Not Allowed',
    meaning: 'The path exists but not with this method; the `Allow` header lists the methods it takes.',
    action: 'Use one of the methods in `Allow`.',
  },
  'request-timeout': {
    status: 408,
    title: 'Request Timeout',
    meaning: 'The request (its headers or its body) did not arrive in time, and the connection was closed.',
    action: 'Send the request again, whole and promptly; with an Idempotency-Key a payment is safe to send again.',
  },
  conflict: {
    status: 409,
    title: 'Conflict',
    meaning:
      'The request conflicts with the resource’s current state (for example acting on a payment no longer in the state the action needs).',
    action: 'Read the resource again and decide from its current state; do not retry unchanged.',
  },
  'idempotency-in-progress': {
    status: 409,
    title: 'Conflict',
    meaning: 'An earlier request with the same Idempotency-Key is still being processed; nothing new was done for this one.',
    action:
      'Retry the same request with the same Idempotency-Key after `Retry-After` seconds: it then answers what the first request did. Never switch to a new key, which could make a second payment.',
  },
  'account-owned-by-another-client': {
    status: 409,
    title: 'Conflict',
    meaning: 'The account is already registered to another client; an account has one owner.',
    action: 'Remove it from the other client first, if it really changed hands.',
  },
  'gateway-entry-not-linkable': {
    status: 409,
    title: 'Conflict',
    meaning: 'The gateway entry named is not an unowned entry in the syncer’s last complete read of the gateway.',
    action: 'Read the unconfirmed report again and pick one of the payment’s candidates.',
  },
  'requeue-needs-force': {
    status: 409,
    title: 'Conflict',
    meaning: 'Sending this payment again could pay it twice: the gateway may have recorded an earlier attempt.',
    action: 'Check the gateway first; re-queue with `force` and a reason only when you know it did not record it.',
  },
  'body-too-large': {
    status: 413,
    title: 'Content Too Large',
    meaning: 'The request body is larger than the API accepts.',
    action: 'Send a smaller body; no field of this API needs a large one.',
  },
  'uri-too-long': {
    status: 414,
    title: 'URI Too Long',
    meaning: 'A path segment is longer than any id this API uses.',
    action: 'Check the URL you built.',
  },
  'unsupported-media-type': {
    status: 415,
    title: 'Unsupported Media Type',
    meaning: 'The body is not declared as JSON, or has no Content-Type.',
    action: 'Send the body as JSON with `Content-Type: application/json`.',
  },
  'rate-limited': {
    status: 429,
    title: 'Too Many Requests',
    meaning:
      'Your key (or address) sent more requests than its limit allows in the current window. The request was not processed.',
    action: 'Wait the `Retry-After` seconds, then send the same request again (with the same Idempotency-Key for a payment).',
  },
  'headers-too-large': {
    status: 431,
    title: 'Request Header Fields Too Large',
    meaning: 'The request headers are larger than the API accepts.',
    action: 'Send fewer or shorter headers.',
  },
  'internal-error': {
    status: 500,
    title: 'Internal Server Error',
    meaning: 'Something unexpected failed on our side; it was logged with the `request_id`.',
    action:
      'For a read, retry later. For a payment, read it before sending it again, or send it again with the same Idempotency-Key. Quote the `request_id` when you report it.',
  },
  'outcome-unknown': {
    status: 500,
    title: 'Outcome Unknown',
    meaning:
      'The payment was stored and may have reached the gateway, but its outcome could not be recorded. `payment_id` and the `Location` header name it.',
    action:
      'Do not send the payment again: read it at `GET /payments/{payment_id}` until it has a status (the syncer settles it).',
  },
  'service-unavailable': {
    status: 503,
    title: 'Service Unavailable',
    meaning: 'The service (usually its database) is briefly unavailable; nothing was done.',
    action: 'Retry after the `Retry-After` seconds, with the same Idempotency-Key for a payment.',
  },
} as const satisfies Record<string, ProblemTypeDoc>;

export type ProblemType = keyof typeof PROBLEM_TYPES;

/** Where the API serves a problem type's page. */
export const PROBLEM_PAGES_PREFIX = '/problems';

/**
 * A problem's `type`: a reference to its page on the API that answered. Relative (RFC 9457 §3.1.1
 * resolves it against the request's URL), so one type keeps one identifier in every deployment.
 */
export function problemTypeUri(type: ProblemType): string {
  return `${PROBLEM_PAGES_PREFIX}/${type}`;
}

export function isProblemType(slug: string): slug is ProblemType {
  return Object.hasOwn(PROBLEM_TYPES, slug);
}
