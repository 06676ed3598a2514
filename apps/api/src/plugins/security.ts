import { createHash } from 'node:crypto';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import { AppError } from '@pt/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

class RateLimitedError extends AppError {
  constructor(retryAfterSeconds: number) {
    super(429, 'rate-limited', 'Too Many Requests', `Too many requests; retry in ${retryAfterSeconds} s.`, undefined, {
      'retry-after': String(retryAfterSeconds),
    });
  }
}

/**
 * Who a request counts against: a key already proven valid counts against itself (hashed,
 * never kept in clear); anything else against its address, so inventing fresh tokens does not
 * buy fresh allowances.
 */
function rateLimitKey(request: FastifyRequest, isKnownKey: (header: string) => boolean): string {
  const header = request.headers.authorization;
  if (typeof header === 'string' && isKnownKey(header)) return `key:${createHash('sha256').update(header).digest('base64url')}`;
  return `ip:${request.ip}`;
}

/**
 * Security headers on every answer (helmet; its CSP still lets /docs load its own assets) and
 * per-key rate limiting (RATE_LIMIT_MAX requests per RATE_LIMIT_WINDOW_MS; 0 turns it off).
 */
export const securityPlugin = fp(async (app: FastifyInstance) => {
  const { config } = app.deps;
  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        frameAncestors: ["'none'"],
        // Served over plain HTTP in development: do not rewrite /docs assets to https.
        upgradeInsecureRequests: null,
      },
    },
  });
  if (config.RATE_LIMIT_MAX > 0) {
    await app.register(rateLimit, {
      max: config.RATE_LIMIT_MAX,
      timeWindow: config.RATE_LIMIT_WINDOW_MS,
      keyGenerator: (request) => rateLimitKey(request, (header) => app.isKnownKey(header)),
      errorResponseBuilder: (_request, context) => new RateLimitedError(Math.max(1, Math.ceil(context.ttl / 1000))),
    });
  }
});
