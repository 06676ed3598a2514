/**
 * Failure classification for POST /submit, in one place. The gateway has no idempotency key,
 * so the only safe retry is one where the request provably never reached it.
 */

export type SubmitFailureKind =
  /** never reached the gateway (refused, connect timeout, 503, 429): safe to retry later */
  | 'not_delivered'
  /** may have been recorded (timeout or reset after sending, 500/502/504, broken 2xx body) */
  | 'ambiguous'
  /** the gateway refused it for good (4xx): never retry */
  | 'rejected';

/** Error codes raised before a single byte of the request could have been processed. */
const NOT_DELIVERED_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

export function classifyStatusCode(statusCode: number): SubmitFailureKind | 'ok' {
  if (statusCode >= 200 && statusCode < 300) return 'ok';
  // 503 and 429 are the gateway saying it did not take the request; 408: it never read it.
  if (statusCode === 503 || statusCode === 429 || statusCode === 408) return 'not_delivered';
  if (statusCode >= 400 && statusCode < 500) return 'rejected';
  // 500, 502, 504, anything odd (1xx, 3xx, 5xx): it may have been recorded.
  return 'ambiguous';
}

/** A network error: refused-before-connect is safe; everything after the socket opened is not. */
export function classifyNetworkError(error: unknown): SubmitFailureKind {
  const code = errorCode(error);
  return code && NOT_DELIVERED_CODES.has(code) ? 'not_delivered' : 'ambiguous';
}

export function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  // undici wraps socket errors; walk the cause chain for the first code.
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
