import pRetry from 'p-retry';
import { isReplayable, type Outcome, type RetryOptions, retryAfterMs, retryDelayMs, shouldRetry } from './retry-policy.js';

export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';

/** One retry about to happen, for a caller's log. */
export interface RetryInfo {
  method: string;
  url: string;
  /** 1 for the first retry. */
  retry: number;
  reason: 'network-error' | number;
  delayMs: number;
  idempotencyKey: string | null;
}

export interface RetryingFetchOptions extends RetryOptions {
  /** The API's base URL: paths are matched against the idempotent routes relative to it. */
  baseUrl: string;
  fetch?: (request: Request) => Promise<Response>;
  onRetry?: (info: RetryInfo) => void;
  /** Makes a new Idempotency-Key (default: a random UUID). */
  newIdempotencyKey?: () => string;
}

/** An answer worth another attempt; carried out of p-retry's loop, returned when retries run out. */
class RetryableAnswer extends Error {
  constructor(readonly response: Response) {
    super(`answered ${response.status}`);
  }
}

/** A failure before any answer (refused, reset, cut mid-answer): the request may or may not have been acted on. */
class NetworkFailure extends Error {}

async function outcomeOf(response: Response): Promise<Outcome> {
  let problemType: string | undefined;
  if (response.status === 409 && response.headers.get('content-type')?.startsWith('application/problem+json')) {
    const problem = (await response
      .clone()
      .json()
      .catch(() => undefined)) as { type?: unknown } | undefined;
    if (typeof problem?.type === 'string') problemType = problem.type;
  }
  return { kind: 'answer', status: response.status, problemType, retryAfter: response.headers.get('retry-after') };
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(done, ms);
    function done() {
      signal.removeEventListener('abort', abort);
      resolve();
    }
    function abort() {
      clearTimeout(timer);
      reject(signal.reason);
    }
    signal.addEventListener('abort', abort, { once: true });
  });

/**
 * createRetryingFetch(options) → a fetch for openapi-fetch that gives every POST an
 * Idempotency-Key (unless the caller set one) and sends a request again, with the SAME key,
 * when retry-policy.ts says it is safe: waiting the backoff with full jitter, and at least
 * Retry-After. When retries run out the last answer is returned (or the last network error thrown).
 */
export function createRetryingFetch(options: RetryingFetchOptions): (request: Request) => Promise<Response> {
  const send = options.fetch ?? ((request: Request) => fetch(request));
  const newKey = options.newIdempotencyKey ?? (() => crypto.randomUUID());
  const basePath = new URL(options.baseUrl).pathname.replace(/\/$/, '');

  return async (original) => {
    const request = original.method === 'POST' ? withIdempotencyKey(original, newKey) : original;
    const key = request.headers.get(IDEMPOTENCY_KEY_HEADER);
    const path = new URL(request.url).pathname;
    const replayable = isReplayable(request.method, path.startsWith(basePath) ? path.slice(basePath.length) : path, key !== null);
    const signal = request.signal;
    const controller = new AbortController();
    const stop = () => controller.abort(signal.reason);
    signal.addEventListener('abort', stop, { once: true });
    let last: Outcome = { kind: 'network-error' };

    try {
      return await pRetry(
        async () => {
          let response: Response;
          try {
            response = await send(request.clone());
          } catch (error) {
            if (signal.aborted) throw error;
            last = { kind: 'network-error' };
            throw new NetworkFailure('no answer', { cause: error });
          }
          last = await outcomeOf(response);
          if (shouldRetry(last, replayable)) throw new RetryableAnswer(response);
          return response;
        },
        {
          retries: options.retries,
          // the waits are retry-policy.ts's, taken in shouldRetry below
          minTimeout: 0,
          signal: controller.signal,
          shouldRetry: async ({ error, retriesConsumed }) => {
            if (!(error instanceof NetworkFailure || error instanceof RetryableAnswer)) return false;
            if (!shouldRetry(last, replayable)) return false;
            const retry = retriesConsumed + 1;
            const after = last.kind === 'answer' ? retryAfterMs(last.retryAfter) : undefined;
            const delayMs = retryDelayMs(retry, options, after);
            if (delayMs === undefined) return false;
            if (error instanceof RetryableAnswer) await error.response.body?.cancel();
            const reason = last.kind === 'answer' ? last.status : 'network-error';
            options.onRetry?.({ method: request.method, url: request.url, retry, reason, delayMs, idempotencyKey: key });
            await sleep(delayMs, controller.signal);
            return true;
          },
        },
      );
    } catch (error) {
      if (error instanceof RetryableAnswer) return error.response;
      if (error instanceof NetworkFailure) throw error.cause;
      throw error;
    } finally {
      signal.removeEventListener('abort', stop);
    }
  };
}

function withIdempotencyKey(request: Request, newKey: () => string): Request {
  if (request.headers.has(IDEMPOTENCY_KEY_HEADER)) return request;
  const headers = new Headers(request.headers);
  headers.set(IDEMPOTENCY_KEY_HEADER, newKey());
  return new Request(request, { headers });
}
