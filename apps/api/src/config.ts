import { envFlag, envInt, envUrl, parseEnv, requiredUrl, sharedEnvSchema, toCents, webhookEnvSchema } from '@pt/core';
import { z } from 'zod';

/** Named ranges @fastify/proxy-addr knows. */
const PROXY_PRESETS = ['loopback', 'linklocal', 'uniquelocal'];
const ADDRESS_OR_CIDR = [z.ipv4(), z.ipv6(), z.cidrv4(), z.cidrv6()];
const isProxyEntry = (entry: string) =>
  PROXY_PRESETS.includes(entry) || ADDRESS_OR_CIDR.some((schema) => schema.safeParse(entry).success);

/**
 * TRUST_PROXY: comma-separated addresses, CIDRs or presets (Fastify's `trustProxy`). A hop count
 * is refused: it cannot tell the balancer from a client that reaches the API directly and sends
 * its own X-Forwarded-For (Fastify 5 ignores hop counts for that reason).
 */
const trustProxy = z.preprocess(
  (value) => (typeof value === 'string' && value.trim() !== '' ? value.split(',').map((s) => s.trim()) : undefined),
  z
    .array(z.string())
    .optional()
    .refine((entries) => entries?.every(isProxyEntry) ?? true, {
      error: 'must be addresses or CIDRs (or loopback, linklocal, uniquelocal), comma-separated; not a hop count',
    }),
);

export const apiEnvSchema = sharedEnvSchema
  .extend({
    DATABASE_URL: requiredUrl(),
    GATEWAY_URL: requiredUrl(),
    API_PORT: envInt(8000, 0, 65_535),
    API_HOST: z.string().default('127.0.0.1'),
    /** Largest amount one payment may carry, a decimal string. */
    MAX_PAYMENT_AMOUNT: z
      .string()
      .regex(/^\d{1,12}(\.\d{1,2})?$/, 'must be a decimal such as 1000000.00')
      .default('1000000.00'),
    /**
     * Where the API LISTENs for key revocations: a direct connection, never through a
     * transaction-mode pooler (which hands the session to others and drops the LISTEN). Unset: DATABASE_URL.
     */
    DATABASE_LISTEN_URL: envUrl(),
    /**
     * How long an answer about an API key is remembered while revocations cannot be heard (the
     * LISTEN connection is down); while they are heard, a valid key is kept until revoked. 0 = no cache.
     */
    AUTH_CACHE_TTL_MS: envInt(10_000, 0, 600_000),
    /** The proxies (load balancers) whose X-Forwarded-For is believed: addresses, CIDRs or presets. */
    TRUST_PROXY: trustProxy,
    /** Longest time to receive a whole request (headers and body). */
    API_REQUEST_TIMEOUT_MS: envInt(30_000, 1000, 600_000),
    /** Longest time to receive a request's headers (a slow sender is cut off with 408). */
    API_HEADERS_TIMEOUT_MS: envInt(10_000, 500, 600_000),
    /** How long an idle keep-alive connection stays open (above a load balancer's idle timeout). */
    API_KEEP_ALIVE_TIMEOUT_MS: envInt(72_000, 1000, 600_000),
    /** Most connections open at once; past it new ones are closed at once. */
    API_MAX_CONNECTIONS: envInt(1000, 1, 1_000_000),
    /** Postgres statement_timeout for the API's sessions; 0 leaves the server's (or role's) setting. */
    DB_STATEMENT_TIMEOUT_MS: envInt(10_000, 0, 3_600_000),
    /** Payments read per statement by a CSV export of GET /payments (each batch is its own short statement). */
    EXPORT_BATCH_SIZE: envInt(1000, 1, 10_000),
    /** Largest request body accepted, in bytes. */
    BODY_LIMIT_BYTES: envInt(16_384, 1024, 1_048_576),
    /** A pending payment older than this is listed for operators (the real gateway resolves in ~60 s). */
    ADMIN_STALE_PENDING_MS: envInt(600_000, 1000, 30 * 86_400_000),
    /** A payment still `received` this long after it was stored is listed for an operator. */
    ADMIN_STUCK_RECEIVED_MS: envInt(600_000, 1000, 30 * 86_400_000),
    /** How long a console session (/console, signed in with an admin key) lasts; then the operator signs in again. */
    CONSOLE_SESSION_TTL_MS: envInt(1_800_000, 1000, 12 * 3_600_000),
    /** Requests per RATE_LIMIT_WINDOW_MS allowed per API key (per address without one); 0 = no limits at all. */
    RATE_LIMIT_MAX: envInt(6000, 0, 10_000_000),
    RATE_LIMIT_WINDOW_MS: envInt(60_000, 1000, 3_600_000),
    /** Look-ups of unknown API keys that may fail per address per window (each costs a query). */
    RATE_LIMIT_AUTH_FAILURES: envInt(30, 1, 1_000_000),
    /** `?refresh=true` requests per key per window (each may cost the syncer a read of the gateway's list). */
    RATE_LIMIT_REFRESH_MAX: envInt(60, 1, 1_000_000),
    /** How long ?refresh=true waits for a fresher sync. */
    REFRESH_WAIT_MS: envInt(3000, 0, 30_000),
    /** Serve GET /metrics and time every request for it; `false` for comparing the cost (the bench). */
    METRICS_ENABLED: envFlag(true),
    ...webhookEnvSchema.shape,
  })
  .refine((env) => env.API_HEADERS_TIMEOUT_MS <= env.API_REQUEST_TIMEOUT_MS, {
    path: ['API_HEADERS_TIMEOUT_MS'],
    error: 'must not exceed API_REQUEST_TIMEOUT_MS (the headers are part of the request)',
  });
export type ApiConfig = z.output<typeof apiEnvSchema> & { maxAmountCents: bigint };

/** Reads the API's configuration; throws a ConfigError naming every bad variable. */
export function loadApiConfig(env: NodeJS.ProcessEnv = process.env): ApiConfig {
  const parsed = parseEnv(apiEnvSchema, env);
  return { ...parsed, maxAmountCents: toCents(parsed.MAX_PAYMENT_AMOUNT) };
}
