import { envInt, parseEnv, requiredUrl, sharedEnvSchema, toCents } from '@pt/core';
import { z } from 'zod';

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
    /** How long a verified API key is remembered in memory (revocation takes up to this long). */
    AUTH_CACHE_TTL_MS: envInt(10_000, 0, 600_000),
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
    /** Largest request body accepted, in bytes. */
    BODY_LIMIT_BYTES: envInt(16_384, 1024, 1_048_576),
    /** A pending payment older than this is listed for operators (the real gateway resolves in ~60 s). */
    ADMIN_STALE_PENDING_MS: envInt(600_000, 1000, 30 * 86_400_000),
    /** A payment still `received` this long after it was stored is listed for an operator. */
    ADMIN_STUCK_RECEIVED_MS: envInt(600_000, 1000, 30 * 86_400_000),
    /** Requests per RATE_LIMIT_WINDOW_MS allowed per API key (per address without one); 0 = no limit. */
    RATE_LIMIT_MAX: envInt(6000, 0, 10_000_000),
    RATE_LIMIT_WINDOW_MS: envInt(60_000, 1000, 3_600_000),
    /** How long ?refresh=true waits for a fresher sync. */
    REFRESH_WAIT_MS: envInt(3000, 0, 30_000),
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
