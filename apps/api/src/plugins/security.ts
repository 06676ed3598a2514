import type { IncomingMessage, ServerResponse } from 'node:http';
import rateLimit from '@fastify/rate-limit';
import { AppError } from '@pt/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import helmet, { type HelmetOptions } from 'helmet';

class RateLimitedError extends AppError {
  constructor(retryAfterSeconds: number) {
    super(429, 'rate-limited', 'Too Many Requests', `Too many requests; retry in ${retryAfterSeconds} s.`, undefined, {
      'retry-after': String(retryAfterSeconds),
    });
  }
}

/**
 * Who a request counts against: a key already proven valid counts against itself (by its public
 * key id, never the secret); anything else against its address, so inventing fresh tokens does
 * not buy fresh allowances.
 */
function rateLimitKey(request: FastifyRequest, verifiedKeyId: (header: string | undefined) => string | undefined): string {
  const keyId = verifiedKeyId(request.headers.authorization);
  return keyId ? `key:${keyId}` : `ip:${request.ip}`;
}

const HELMET_OPTIONS: HelmetOptions = {
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
};

/**
 * helmet's headers, computed once. They depend on nothing in the request, and running helmet's
 * middleware per request (as @fastify/helmet does) rebuilt its CSP every time: measurable at
 * thousands of requests a second.
 */
export function securityHeaders(options: HelmetOptions = HELMET_OPTIONS): Record<string, string> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: string | number | readonly string[]) => {
      headers[name.toLowerCase()] = String(value);
    },
    removeHeader: (name: string) => {
      delete headers[name.toLowerCase()];
    },
  };
  helmet(options)({} as IncomingMessage, response as unknown as ServerResponse, () => {});
  return headers;
}

/**
 * Security headers on every answer (helmet; its CSP still lets /docs load its own assets) and
 * per-key rate limiting (RATE_LIMIT_MAX requests per RATE_LIMIT_WINDOW_MS; 0 turns it off).
 */
export const securityPlugin = fp(async (app: FastifyInstance) => {
  const { config } = app.deps;
  const headers = securityHeaders();
  app.addHook('onRequest', (request, reply, done) => {
    reply.headers(headers);
    reply.header('x-request-id', request.id);
    done();
  });
  if (config.RATE_LIMIT_MAX > 0) {
    await app.register(rateLimit, {
      max: config.RATE_LIMIT_MAX,
      timeWindow: config.RATE_LIMIT_WINDOW_MS,
      keyGenerator: (request) => rateLimitKey(request, (header) => app.verifiedKeyId(header)),
      errorResponseBuilder: (_request, context) => new RateLimitedError(Math.max(1, Math.ceil(context.ttl / 1000))),
    });
  }
});
