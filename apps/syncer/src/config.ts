import { envInt, parseEnv, requiredUrl, sharedEnvSchema, webhookEnvSchema } from '@pt/core';
import { z } from 'zod';

/** What a syncer process runs: everything, the sync (reconcile, re-submit, sweep), or the webhook dispatcher. */
export const SYNCER_JOBS = ['all', 'sync', 'webhooks'] as const;

export const syncerEnvSchema = sharedEnvSchema.extend({
  DATABASE_URL: requiredUrl(),
  GATEWAY_URL: requiredUrl(),
  /**
   * `sync` and `webhooks` split the syncer in two processes, each run with the V8 flags that
   * suit it (node-flags.ts), scaled on its own: `make run-app` and docker compose run both.
   */
  SYNCER_JOBS: z.enum(SYNCER_JOBS).default('all'),
  /**
   * Time between the starts of two cycles: a status is at most about one interval plus one cycle
   * old. A cycle longer than that is followed by SYNC_MIN_PAUSE_MS.
   */
  SYNC_INTERVAL_MS: envInt(5000, 10, 3_600_000),
  /**
   * Least pause between the end of one cycle and the start of the next (wake-ups included; at
   * most SYNC_INTERVAL_MS): once a cycle outlasts the interval, the gateway's list is not read
   * back to back. 1 s leaves the gateway and Postgres idle a second between reads and adds at
   * most that to a status's age.
   */
  SYNC_MIN_PAUSE_MS: envInt(1000, 0, 3_600_000),
  /**
   * Least time between the starts of two cycles when a wake-up (`?refresh=true`) asks for one,
   * so refreshes cannot keep the syncer reading the gateway's list back to back.
   */
  SYNC_REFRESH_MIN_GAP_MS: envInt(1000, 0, 3_600_000),
  /**
   * Postgres statement_timeout for the syncer's sessions: longer than the API's, as its bulk
   * statements cover every open payment. 0 leaves the server's (or role's) setting.
   */
  DB_STATEMENT_TIMEOUT_MS: envInt(60_000, 0, 3_600_000),
  /**
   * Status changes collected before a bulk statement starts (the list itself is streamed; its
   * reader stops at a full batch until the statement ahead ends). A least size, not a cap: a
   * region of the list read in one go may hold more (figures in bench/README.md).
   */
  SYNC_BATCH_SIZE: envInt(5000, 1, 100_000),
  /** Queued payments claimed per cycle, and how many are sent at once. */
  RESUBMIT_BATCH_SIZE: envInt(100, 1, 10_000),
  RESUBMIT_CONCURRENCY: envInt(8, 1, 256),
  /**
   * Extra width on each side of a window in the gateway's clock, beyond the measured offset's
   * own uncertainty: timestamps rounded by the gateway, drift between samples.
   */
  GATEWAY_CLOCK_SKEW_MS: envInt(1000, 0, 600_000),
  /** Accepted submits the gateway's clock offset is measured from (the latest ones). */
  CLOCK_SAMPLES: envInt(200, 1, 100_000),
  /** How long Idempotency-Key records are kept (at least 24 h, as promised to clients). */
  IDEMPOTENCY_TTL_HOURS: envInt(24, 24, 24 * 365),
  /** Pause between webhook dispatch runs (a run goes on while there is work). */
  WEBHOOK_INTERVAL_MS: envInt(1000, 10, 600_000),
  /** A receiver that has not answered in this long has failed this attempt. */
  WEBHOOK_TIMEOUT_MS: envInt(5000, 100, 60_000),
  /**
   * Events fanned out, or due deliveries claimed, per statement (the attempts are recorded half
   * as many at a time), and how many are sent at once. Each statement has a fixed cost, so a
   * bigger batch costs the database and the dispatcher less per delivery (bench/README.md,
   * webhooks); a claimed delivery's lease grows with it (it must outlast every send queued before it).
   */
  WEBHOOK_BATCH_SIZE: envInt(1000, 1, 10_000),
  WEBHOOK_CONCURRENCY: envInt(16, 1, 256),
  /** Backoff between attempts: full jitter over base * 2^attempt, capped. */
  WEBHOOK_BASE_MS: envInt(5000, 1, 3_600_000),
  WEBHOOK_CAP_MS: envInt(3_600_000, 1, 86_400_000),
  /** An endpoint whose every attempt failed for this long is disabled, with the reason recorded. */
  WEBHOOK_DISABLE_AFTER_MS: envInt(5 * 86_400_000, 0, 60 * 86_400_000),
  /** GET /metrics (Prometheus) on this port; 0 = off. Not behind any key: keep it on a private address. */
  SYNCER_METRICS_PORT: envInt(9464, 0, 65_535),
  /** The address the metrics port listens on (`0.0.0.0` for a scraper on another host or container). */
  SYNCER_METRICS_HOST: z.string().default('127.0.0.1'),
  ...webhookEnvSchema.shape,
});
export type SyncerConfig = z.output<typeof syncerEnvSchema>;

/** Reads the syncer's configuration; throws a ConfigError naming every bad variable. */
export function loadSyncerConfig(env: NodeJS.ProcessEnv = process.env): SyncerConfig {
  return parseEnv(syncerEnvSchema, env);
}
