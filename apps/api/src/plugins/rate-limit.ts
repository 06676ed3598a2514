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

interface Window {
  count: number;
  /** When this key's window ends (ms since the epoch). */
  endsAt: number;
}

/**
 * Fixed windows per key: `max` requests per `windowMs`, the window starting at a key's first
 * request. At most `maxKeys` keys are remembered: when full, ended windows are dropped first,
 * then the oldest (a flood of fresh addresses cannot grow it without bound).
 */
export class FixedWindowLimiter {
  private readonly windows = new Map<string, Window>();

  constructor(
    readonly max: number,
    private readonly windowMs: number,
    private readonly maxKeys = 10_000,
  ) {}

  /** Counts one request for `key`; returns its window (count so far, end). */
  hit(key: string, now = Date.now()): Readonly<Window> {
    let window = this.windows.get(key);
    if (window && window.endsAt > now) {
      window.count++;
      return window;
    }
    if (window) {
      this.windows.delete(key); // re-inserted below, as the newest
    } else if (this.windows.size >= this.maxKeys) {
      this.evict(now);
    }
    window = { count: 1, endsAt: now + this.windowMs };
    this.windows.set(key, window);
    return window;
  }

  get size(): number {
    return this.windows.size;
  }

  private evict(now: number): void {
    for (const [key, window] of this.windows) if (window.endsAt <= now) this.windows.delete(key);
    // Still full: drop the oldest tenth (a Map iterates in insertion order).
    let excess = this.windows.size - Math.floor(this.maxKeys * 0.9);
    for (const key of this.windows.keys()) {
      if (excess-- <= 0) break;
      this.windows.delete(key);
    }
  }
}

/**
 * Who a request counts against: a key already proven valid counts against itself (by its public
 * key id, never the secret); anything else against its address, so inventing fresh tokens does
 * not buy fresh allowances.
 */
function rateLimitKey(app: FastifyInstance, request: FastifyRequest): string {
  const keyId = app.verifiedKeyId(request.headers.authorization);
  return keyId ? `key:${keyId}` : `ip:${request.ip}`;
}

/**
 * Per-key rate limiting (RATE_LIMIT_MAX requests per RATE_LIMIT_WINDOW_MS; 0 turns it off), on
 * every request, before anything else reads it. Every answer carries x-ratelimit-limit,
 * -remaining and -reset (seconds); a refused one is a 429 problem with Retry-After.
 *
 * A synchronous onRequest hook. @fastify/rate-limit, used before, does the same through three
 * awaited promises per request, a measurable share of the API's CPU per GET under the bench's
 * GET load (figures in bench/README.md). Counts are per process, as they were.
 */
export const rateLimitPlugin = fp(async (app: FastifyInstance) => {
  const { config } = app.deps;
  if (config.RATE_LIMIT_MAX === 0) return;
  const limiter = new FixedWindowLimiter(config.RATE_LIMIT_MAX, config.RATE_LIMIT_WINDOW_MS);
  const limit = String(limiter.max);
  app.addHook('onRequest', (request, reply, done) => {
    const now = Date.now();
    const window = limiter.hit(rateLimitKey(app, request), now);
    const resetSeconds = Math.max(1, Math.ceil((window.endsAt - now) / 1000));
    reply.header('x-ratelimit-limit', limit);
    reply.header('x-ratelimit-remaining', String(Math.max(0, limiter.max - window.count)));
    reply.header('x-ratelimit-reset', String(resetSeconds));
    done(window.count > limiter.max ? new RateLimitedError(resetSeconds) : undefined);
  });
});
