import { AppError } from '@pt/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

class RateLimitedError extends AppError {
  constructor(retryAfterSeconds: number, what = 'Too many requests') {
    super(429, 'rate-limited', 'Too Many Requests', `${what}; retry in ${retryAfterSeconds} s.`, undefined, {
      'retry-after': String(retryAfterSeconds),
    });
  }
}

/** Whole seconds until `endsAt`, at least 1 (what Retry-After and x-ratelimit-reset say). */
const secondsUntil = (endsAt: number, now: number) => Math.max(1, Math.ceil((endsAt - now) / 1000));

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

  /** The count of `key`'s live window (0 when it has none), without counting a request. */
  count(key: string, now = Date.now()): number {
    const window = this.windows.get(key);
    return window && window.endsAt > now ? window.count : 0;
  }

  /** When `key`'s live window ends (now when it has none). */
  endsAt(key: string, now = Date.now()): number {
    const window = this.windows.get(key);
    return window && window.endsAt > now ? window.endsAt : now;
  }

  /** Takes back one request counted for `key` in its live window. */
  refund(key: string, now = Date.now()): void {
    const window = this.windows.get(key);
    if (window && window.endsAt > now && window.count > 0) window.count--;
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

declare module 'fastify' {
  interface FastifyInstance {
    /** The API's rate limits; each charge throws a 429 AppError once its allowance is spent. */
    limits: RateLimits;
  }
  interface FastifyContextConfig {
    /** Set by requireApiKey: the route authenticates, and its authentication charges the request. */
    apiKey?: boolean;
  }
}

/**
 * Who pays for a request. A request with a verified key is charged to the key; one with a
 * missing, refused or unknown key to its address (request.ip: the client's behind TRUST_PROXY),
 * and only once the key is known to fail, so a valid key is never charged for other callers'
 * failures. Looking up unknown keys costs the database a query each: the failed look-ups of an
 * address are bounded per window (a 429 before the look-up once they are spent).
 */
export interface RateLimits {
  /** A request authenticated by `keyId`. Sets the x-ratelimit headers. */
  chargeKey(reply: FastifyReply, keyId: string): void;
  /** A request without a valid key, charged to its address. Sets the x-ratelimit headers. */
  chargeAddress(request: FastifyRequest, reply: FastifyReply): void;
  /** Before looking up an unknown key: refuses when the address spent its failed look-ups; call the answer with the outcome. */
  beginLookup(request: FastifyRequest): (valid: boolean) => void;
  /** A `?refresh=true` of `keyId`: refreshes have an allowance of their own (RATE_LIMIT_REFRESH_MAX). */
  chargeRefresh(keyId: string): void;
}

const UNLIMITED: RateLimits = {
  chargeKey() {},
  chargeAddress() {},
  beginLookup: () => () => {},
  chargeRefresh() {},
};

/**
 * Per-key rate limiting (RATE_LIMIT_MAX requests per RATE_LIMIT_WINDOW_MS; 0 turns every limit
 * off). Every answer carries x-ratelimit-limit, -remaining and -reset (seconds); a refused one is
 * a 429 problem with Retry-After. Counts are per process.
 *
 * A request whose key is already verified (cached) is charged in a synchronous onRequest hook:
 * @fastify/rate-limit, used before, does the same through three awaited promises per request, a
 * measurable share of the API's CPU per GET under the bench's GET load (figures in
 * bench/README.md). Other requests to routes behind an API key are charged by the authentication
 * step (auth.ts), once it knows whom to charge; those to open routes here, to their address.
 */
export const rateLimitPlugin = fp(async (app: FastifyInstance) => {
  const { config } = app.deps;
  if (config.RATE_LIMIT_MAX === 0) {
    app.decorate('limits', UNLIMITED);
    return;
  }
  const windowMs = config.RATE_LIMIT_WINDOW_MS;
  const requests = new FixedWindowLimiter(config.RATE_LIMIT_MAX, windowMs);
  const failedLookups = new FixedWindowLimiter(config.RATE_LIMIT_AUTH_FAILURES, windowMs);
  const refreshes = new FixedWindowLimiter(config.RATE_LIMIT_REFRESH_MAX, windowMs);
  const limit = String(requests.max);

  function charge(reply: FastifyReply, who: string): RateLimitedError | undefined {
    const now = Date.now();
    const window = requests.hit(who, now);
    const resetSeconds = secondsUntil(window.endsAt, now);
    reply.header('x-ratelimit-limit', limit);
    reply.header('x-ratelimit-remaining', String(Math.max(0, requests.max - window.count)));
    reply.header('x-ratelimit-reset', String(resetSeconds));
    return window.count > requests.max ? new RateLimitedError(resetSeconds) : undefined;
  }
  const throwIf = (error: RateLimitedError | undefined) => {
    if (error) throw error;
  };

  app.decorate('limits', {
    chargeKey: (reply, keyId) => throwIf(charge(reply, `key:${keyId}`)),
    chargeAddress: (request, reply) => throwIf(charge(reply, `ip:${request.ip}`)),
    beginLookup(request) {
      const now = Date.now();
      const address = request.ip;
      if (failedLookups.count(address, now) >= failedLookups.max) {
        const retry = secondsUntil(failedLookups.endsAt(address, now), now);
        throw new RateLimitedError(retry, 'Too many unknown API keys from this address');
      }
      failedLookups.hit(address, now); // counted before the look-up, so concurrent ones are bounded too
      return (valid) => {
        if (valid) failedLookups.refund(address);
      };
    },
    chargeRefresh(keyId) {
      const now = Date.now();
      const window = refreshes.hit(keyId, now);
      if (window.count > refreshes.max)
        throw new RateLimitedError(secondsUntil(window.endsAt, now), 'Too many refresh=true requests');
    },
  } satisfies RateLimits);

  app.addHook('onRequest', (request, reply, done) => {
    const client = app.knownClient(request);
    if (client) return done(charge(reply, `key:${client.keyId}`));
    if (request.routeOptions.config?.apiKey) return done(); // its authentication charges it
    done(charge(reply, `ip:${request.ip}`));
  });
});
