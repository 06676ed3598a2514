import { z } from 'zod';
import { envInt, envUrl, logLevel } from './config.js';

/**
 * Variables both apps read. Each app extends this with its own (see each app's config.ts).
 */
export const sharedEnvSchema = z.object({
  /** Postgres to use. Unset: `make run-app` / tests start an embedded one (data under .data/). */
  DATABASE_URL: envUrl(),
  /** The payment gateway. Unset: `make run-app` starts the gateway-mock on GATEWAY_PORT. */
  GATEWAY_URL: envUrl(),
  /** Past this many ms a submit's outcome is unknown and the payment becomes `unconfirmed`. */
  GATEWAY_SUBMIT_TIMEOUT_MS: envInt(5000, 100, 120_000),
  /** Longest silence allowed while reading GET /status. */
  GATEWAY_STATUS_TIMEOUT_MS: envInt(30_000, 100, 600_000),
  /** Total submission attempts (the API's inline one included) before a payment is rejected. */
  RESUBMIT_MAX_ATTEMPTS: envInt(10, 1, 100),
  /** Backoff between re-submissions: full jitter over base * 2^attempt, capped. */
  RESUBMIT_BASE_MS: envInt(1000, 1, 3_600_000),
  RESUBMIT_CAP_MS: envInt(64_000, 1, 86_400_000),
  /**
   * How long an open submission attempt is presumed alive before the syncer concludes its
   * process died mid-attempt. Unset: twice the submit timeout plus 10 s. Never below twice the
   * submit timeout, or a live attempt could be mistaken for a dead one.
   */
  ATTEMPT_LEASE_MS: z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().int().min(100).max(3_600_000).optional()),
  /**
   * How long after we gave up on a submit the gateway (or a load balancer queueing in front of
   * it) may still record it. Windows reach this far past the moment we gave up, and "never
   * recorded" is concluded only from a list read after that. "Never sent twice" holds within
   * this bound; a later recording is detected as a foreign entry and raises an alarm.
   */
  GATEWAY_MAX_RECORDING_DELAY_MS: envInt(60_000, 0, 3_600_000),
  /** A gateway's Retry-After is honoured up to this, so a huge value cannot park a payment. */
  GATEWAY_RETRY_AFTER_CAP_MS: envInt(300_000, 0, 86_400_000),
  /** Careful mode: this many unknown outcomes within CAREFUL_WITHIN_MS switch it on... */
  CAREFUL_ENTER_AFTER: envInt(2, 1, 1000),
  CAREFUL_WITHIN_MS: envInt(60_000, 1, 86_400_000),
  /** ...and this many accepted sends in a row switch it off. */
  CAREFUL_EXIT_AFTER: envInt(3, 1, 1000),
  LOG_LEVEL: logLevel,
  DB_POOL_SIZE: envInt(10, 1, 200),
  /**
   * Postgres idle_in_transaction_session_timeout for the app's sessions: a session idle this long
   * inside a transaction is ended, so a stuck process cannot hold locks. 0 leaves the server's setting.
   */
  DB_IDLE_IN_TRANSACTION_TIMEOUT_MS: envInt(10_000, 0, 3_600_000),
});
export type SharedEnv = z.output<typeof sharedEnvSchema>;

/**
 * How long an open attempt is leased before the syncer may conclude its process died: longer
 * than any submit can take, so a live attempt is never mistaken for an interrupted one.
 */
export function attemptLeaseMs(env: Pick<SharedEnv, 'GATEWAY_SUBMIT_TIMEOUT_MS' | 'ATTEMPT_LEASE_MS'>): number {
  const floor = env.GATEWAY_SUBMIT_TIMEOUT_MS * 2;
  return Math.max(floor, env.ATTEMPT_LEASE_MS ?? floor + 10_000);
}

/** The careful-mode rule from the configuration. */
export function carefulRule(env: Pick<SharedEnv, 'CAREFUL_ENTER_AFTER' | 'CAREFUL_WITHIN_MS' | 'CAREFUL_EXIT_AFTER'>) {
  return { enterAfter: env.CAREFUL_ENTER_AFTER, withinMs: env.CAREFUL_WITHIN_MS, exitAfter: env.CAREFUL_EXIT_AFTER };
}

/** The Postgres channel on which the API asks the syncer for a sync now (`?refresh=true`). */
export const SYNC_REQUEST_CHANNEL = 'pt_sync_requested';

/**
 * The Postgres channel on which a revocation or rotation names the API keys it retired
 * (comma-separated key ids), so every API process forgets them at once.
 */
export const API_KEYS_CHANGED_CHANNEL = 'pt_api_keys_changed';
