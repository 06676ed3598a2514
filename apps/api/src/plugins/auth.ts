import { type ApiClient, createKeyChangesListener, ForbiddenError, UnauthorizedError, type VerifiedKey } from '@pt/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { AuthCache } from './auth-cache.js';
import { KeyUsageRecorder } from './key-usage.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated API client, set by `authenticate` (or earlier, when its key is cached). */
    client: ApiClient | null;
  }
  interface FastifyInstance {
    authenticate(request: FastifyRequest, reply: FastifyReply): void | Promise<void>;
    requireAdmin(request: FastifyRequest): void;
    /** The client of this request's Authorization header when it is cached as valid (no I/O). */
    knownClient(request: FastifyRequest): ApiClient | undefined;
  }
}

const UNKNOWN_KEY = 'The API key is unknown, revoked or expired.';

/** The key in `Authorization: Bearer <key>`, if the header has that form. */
function bearerKey(header: string | undefined): string | undefined {
  return header ? /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] : undefined;
}

/**
 * Bearer API keys. Answers are cached by the whole Authorization header (auth-cache.ts): a
 * request with a cached valid header costs one LRU look-up, no parsing and no promise. Each API
 * process LISTENs for revocations and rotations on a dedicated connection to DATABASE_LISTEN_URL
 * and forgets those keys at once. Route plugins opt in with `requireApiKey(app)`.
 */
export const authPlugin = fp(async (app: FastifyInstance) => {
  const { clients, config, logger } = app.deps;
  const cache = new AuthCache({ ttlMs: config.AUTH_CACHE_TTL_MS });
  const usage = new KeyUsageRecorder((keyIds) => clients.touch(keyIds), logger);

  if (cache.enabled) {
    const listener = createKeyChangesListener(
      config.DATABASE_LISTEN_URL ?? config.DATABASE_URL,
      {
        onChanged: (keyIds) => cache.forgetKeys(keyIds),
        onListening: () => cache.setHeard(true),
        onLost: () => cache.setHeard(false),
      },
      { logger, applicationName: 'payment-tracker-api-listen' },
    );
    app.addHook('onReady', () => listener.start());
    app.addHook('onClose', () => listener.close());
  }

  function accept(request: FastifyRequest, client: ApiClient): void {
    request.client = client;
    usage.used(client.keyId);
  }

  function knownClient(request: FastifyRequest): ApiClient | undefined {
    if (request.client) return request.client;
    const client = cache.validClient(request.headers.authorization);
    if (client) accept(request, client);
    return client;
  }

  /**
   * Look-ups in flight, by Authorization header: requests that arrive with the same uncached
   * header while its look-up runs share it (a client opening many connections at once makes
   * one look-up, and spends one of its address's look-up allowance, not one per connection).
   */
  const inFlight = new Map<string, Promise<VerifiedKey | null>>();

  function verifyOnce(request: FastifyRequest, header: string, key: string): Promise<VerifiedKey | null> {
    const pending = inFlight.get(header);
    if (pending) return pending;
    const settle = app.limits.beginLookup(request);
    const verification = clients.verify(key).then(
      (verified) => {
        settle(verified !== null);
        return verified;
      },
      (error: unknown) => {
        settle(true); // the database failed, not the key
        throw error;
      },
    );
    inFlight.set(header, verification);
    void verification.then(
      () => inFlight.delete(header),
      () => inFlight.delete(header),
    );
    return verification;
  }

  /** An unknown key: looked up (within the address's failed look-ups), then charged to whoever it proved to be. */
  async function lookup(request: FastifyRequest, reply: FastifyReply, header: string, key: string): Promise<void> {
    const epoch = cache.epoch;
    const verified = await verifyOnce(request, header, key);
    if (!verified) {
      cache.rememberRefused(header);
      app.limits.chargeAddress(request, reply);
      throw new UnauthorizedError(UNKNOWN_KEY);
    }
    cache.rememberValid(header, verified.client, verified.expiresAt, epoch);
    app.limits.chargeKey(reply, verified.client.keyId);
    accept(request, verified.client);
  }

  app.decorateRequest('client', null);
  app.decorate('knownClient', knownClient);
  // Synchronous when the header's answer is cached (the common case): no promise per request.
  app.decorate('authenticate', (request: FastifyRequest, reply: FastifyReply): void | Promise<void> => {
    if (knownClient(request)) return;
    const header = request.headers.authorization;
    const key = bearerKey(header);
    if (!header || !key) {
      app.limits.chargeAddress(request, reply);
      throw new UnauthorizedError();
    }
    if (cache.isRefused(header)) {
      app.limits.chargeAddress(request, reply);
      throw new UnauthorizedError(UNKNOWN_KEY);
    }
    return lookup(request, reply, header, key);
  });
  app.decorate('requireAdmin', (request: FastifyRequest) => {
    if (!request.client?.isAdmin) throw new ForbiddenError('This operation needs an admin API key.');
  });
});

/**
 * Puts every route of a plugin behind an API key (and the admin flag, if asked). The check runs
 * at preParsing, before the body is read, so nobody unauthenticated learns what it should be.
 * The routes are marked (`config.apiKey`) so rate limiting leaves their charge to this check.
 */
export function requireApiKey(app: FastifyInstance, options: { admin?: boolean } = {}): void {
  app.addHook('onRoute', (route) => {
    route.config = { ...route.config, apiKey: true };
  });
  app.addHook('preParsing', (request, reply, payload, done) => {
    const finish = () => {
      if (options.admin) app.requireAdmin(request);
      done(null, payload);
    };
    try {
      const pending = app.authenticate(request, reply);
      if (pending) pending.then(finish).catch(done);
      else finish();
    } catch (error) {
      done(error as Error);
    }
  });
}

/** The authenticated client; routes behind `authenticate` always have one. */
export function clientOf(request: FastifyRequest): ApiClient {
  if (!request.client) throw new UnauthorizedError();
  return request.client;
}
