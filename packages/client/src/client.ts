import createClient, { type Client } from 'openapi-fetch';
import type { components, paths } from './generated/api-schema.js';
import { DEFAULT_RETRY_OPTIONS, type RetryOptions } from './retry-policy.js';
import { createRetryingFetch, type RetryInfo } from './retrying-fetch.js';

export type PaymentTrackerClient = Client<paths>;
export type Payment = components['schemas']['Payment'];
export type Problem = components['schemas']['Problem'];
export type WebhookEvent = components['schemas']['WebhookEvent'];

export interface PaymentTrackerClientOptions {
  /** Where the API is, e.g. http://127.0.0.1:8000. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <apiKey>`; null for the public routes. */
  apiKey: string | null;
  /** Retry settings (retry-policy.ts); `false` sends each request once. */
  retry?: Partial<RetryOptions> | false;
  onRetry?: (info: RetryInfo) => void;
  /** The fetch to send with (default: the global one). */
  fetch?: (request: Request) => Promise<Response>;
  /** Headers sent with every request. */
  headers?: Record<string, string>;
}

/**
 * createPaymentTrackerClient({ baseUrl, apiKey }) → a typed client of the API (openapi-fetch
 * over the generated types): `client.POST('/payments', { body })`, `client.GET('/payments/{id}',
 * { params: { path: { id } } })`. Every POST carries an Idempotency-Key (a random UUID unless
 * `params.header['idempotency-key']` is given), and a request that is safe to send again is
 * retried on a network error, 409 idempotency-in-progress, 429 or 503, with the same key.
 */
export function createPaymentTrackerClient(options: PaymentTrackerClientOptions): PaymentTrackerClient {
  const retry = options.retry === false ? { retries: 0 } : options.retry;
  return createClient<paths>({
    baseUrl: options.baseUrl,
    headers: { ...options.headers, ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}) },
    fetch: createRetryingFetch({
      ...DEFAULT_RETRY_OPTIONS,
      ...retry,
      baseUrl: options.baseUrl,
      ...(options.fetch ? { fetch: options.fetch } : {}),
      ...(options.onRetry ? { onRetry: options.onRetry } : {}),
    }),
  });
}
