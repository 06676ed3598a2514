/** The typed client of the payment tracker's API (README: Typed client). */
export {
  createPaymentTrackerClient,
  type Payment,
  type PaymentTrackerClient,
  type PaymentTrackerClientOptions,
  type Problem,
  type WebhookEvent,
} from './client.js';
export type { components, operations, paths, webhooks } from './generated/api-schema.js';
export {
  DEFAULT_RETRY_OPTIONS,
  IDEMPOTENCY_IN_PROGRESS,
  IDEMPOTENT_POST_PATHS,
  isReplayable,
  type RetryOptions,
  retryAfterMs,
  retryDelayMs,
  shouldRetry,
} from './retry-policy.js';
export { createRetryingFetch, IDEMPOTENCY_KEY_HEADER, type RetryInfo, type RetryingFetchOptions } from './retrying-fetch.js';
