/**
 * When the client sends a request again, and how long it waits first: one place, pure, with a
 * table-driven test (retry-policy.test.ts). retrying-fetch.ts applies it.
 */

export interface RetryOptions {
  /** Attempts after the first; 0 turns retries off. */
  retries: number;
  /** Backoff base: the wait before retry n is uniform in [0, min(maxDelayMs, baseDelayMs * 2^(n-1))). */
  baseDelayMs: number;
  /** Longest wait before a retry. A Retry-After longer than this is not waited for: the answer is returned. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY_OPTIONS: RetryOptions = { retries: 4, baseDelayMs: 200, maxDelayMs: 10_000 };

/**
 * POST routes that honour Idempotency-Key: sending one of these again with the same key returns
 * the first answer instead of acting twice. typed-client.test.ts checks this list against the
 * routes of the OpenAPI document that declare the header.
 */
export const IDEMPOTENT_POST_PATHS: readonly string[] = ['/payments'];

/** The problem type of a request whose Idempotency-Key is still being processed (409). */
export const IDEMPOTENCY_IN_PROGRESS = '/problems/idempotency-in-progress';

/** Reads. A DELETE sent again would answer 404 after the first one worked: not retried. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Whether sending the request again cannot act twice: a read, or a POST with an
 * Idempotency-Key to a route that honours it. `path` is relative to the API's base URL.
 */
export function isReplayable(method: string, path: string, hasIdempotencyKey: boolean): boolean {
  const upper = method.toUpperCase();
  if (SAFE_METHODS.has(upper)) return true;
  return upper === 'POST' && hasIdempotencyKey && IDEMPOTENT_POST_PATHS.includes(path);
}

/** What came back from one attempt. */
export type Outcome =
  | { kind: 'network-error' }
  | { kind: 'answer'; status: number; problemType?: string | undefined; retryAfter?: string | null | undefined };

/**
 * Retry or not: network errors and 503 only when the request is replayable; 429 always (the
 * API refuses before doing anything); 409 only for an Idempotency-Key still in progress;
 * never any other answer (a 4xx will fail the same way, a 500 may have acted).
 */
export function shouldRetry(outcome: Outcome, replayable: boolean): boolean {
  if (outcome.kind === 'network-error') return replayable;
  switch (outcome.status) {
    case 429:
      return true;
    case 503:
      return replayable;
    case 409:
      return outcome.problemType === IDEMPOTENCY_IN_PROGRESS;
    default:
      return false;
  }
}

/** Retry-After (delta-seconds or an HTTP-date) in ms from `now`; undefined when absent or unreadable. */
export function retryAfterMs(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // an HTTP-date names its day and month ("Wed, 02 Dec 2026 …"); Date.parse would take "-1" as a year
  const at = /^[a-z]{3}, /i.test(trimmed) ? Date.parse(trimmed) : Number.NaN;
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * The wait before retry number `retry` (1-based): full jitter over the exponential backoff, and
 * at least what Retry-After asks. undefined when Retry-After asks for more than `maxDelayMs`.
 */
export function retryDelayMs(
  retry: number,
  options: Pick<RetryOptions, 'baseDelayMs' | 'maxDelayMs'>,
  retryAfter?: number,
  random: () => number = Math.random,
): number | undefined {
  if (retryAfter !== undefined && retryAfter > options.maxDelayMs) return undefined;
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (retry - 1));
  const jittered = Math.floor(random() * ceiling);
  return Math.max(jittered, retryAfter ?? 0);
}
