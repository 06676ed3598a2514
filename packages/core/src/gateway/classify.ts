/**
 * Failure classification for POST /submit, in one place. The gateway has no idempotency key,
 * so the only safe retry is one where the request provably never reached it.
 */

export type SubmitFailureKind =
  /** provably never reached the gateway (refused, connect timeout, 429, 408): safe to retry later */
  | 'not_delivered'
  /** may have been recorded (timeout or reset after sending, any 5xx, broken 2xx body) */
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
  // 429: the gateway refused to take the request; 408: it never read it. Nothing else proves it.
  if (statusCode === 429 || statusCode === 408) return 'not_delivered';
  if (statusCode >= 400 && statusCode < 500) return 'rejected';
  // Any 5xx, 503 included: proxies and load balancers answer 502/503/504 after the upstream
  // took the request, so it may have been recorded. Anything odd (1xx, 3xx) likewise.
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
