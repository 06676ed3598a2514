import { type ApiClient, ForbiddenError, parseApiKey, UnauthorizedError } from '@pt/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated API client, set by `authenticate`. */
    client: ApiClient | null;
  }
}

interface CacheEntry {
  client: ApiClient | null;
  /** The key's public id, when the key is valid (what rate limiting counts against). */
  keyId: string | undefined;
  expiresAt: number;
}

const MAX_CACHE = 10_000;

/** The key in `Authorization: Bearer <key>`, if the header has that form. */
function bearerKey(header: string | undefined): string | undefined {
  return header ? /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] : undefined;
}

/**
 * Bearer API keys. Verified keys (and unknown ones, so a flood of bad keys cannot hammer the
 * database) are remembered for AUTH_CACHE_TTL_MS, by the whole Authorization header: a request
 * with a remembered header is answered by one Map lookup, no parsing. Route plugins opt in with
 * `requireApiKey(app)`.
 */
export const authPlugin = fp(async (app: FastifyInstance) => {
  const { clients, config } = app.deps;
  const cache = new Map<string, CacheEntry>();

  /** The fresh cache entry for an Authorization header, if there is one. */
  function cached(header: string | undefined): CacheEntry | undefined {
    if (header === undefined) return undefined;
    const hit = cache.get(header);
    return hit && hit.expiresAt > Date.now() ? hit : undefined;
  }

  async function lookup(header: string, key: string): Promise<ApiClient | null> {
    const client = await clients.authenticate(key);
    if (config.AUTH_CACHE_TTL_MS > 0) {
      if (cache.size >= MAX_CACHE) cache.clear();
      const keyId = client ? parseApiKey(key)?.keyId : undefined;
      cache.set(header, { client, keyId, expiresAt: Date.now() + config.AUTH_CACHE_TTL_MS });
    }
    return client;
  }

  function accept(request: FastifyRequest, client: ApiClient | null): void {
    if (!client) throw new UnauthorizedError('The API key is unknown or revoked.');
    request.client = client;
  }

  app.decorateRequest('client', null);
  app.decorate('verifiedKeyId', (header: string | undefined) => cached(header)?.keyId);
  // Synchronous when the header's answer is cached (the common case): no promise per request.
  app.decorate('authenticate', (request: FastifyRequest): void | Promise<void> => {
    const header = request.headers.authorization;
    const known = cached(header);
    if (known) return accept(request, known.client);
    const key = bearerKey(header);
    if (!header || !key) throw new UnauthorizedError();
    return lookup(header, key).then((client) => accept(request, client));
  });
  app.decorate('requireAdmin', (request: FastifyRequest) => {
    if (!request.client?.isAdmin) throw new ForbiddenError('This operation needs an admin API key.');
  });
});

declare module 'fastify' {
  interface FastifyInstance {
    authenticate(request: FastifyRequest): void | Promise<void>;
    requireAdmin(request: FastifyRequest): void;
    /** The public id of the key in this Authorization header, if it was verified recently (cached). */
    verifiedKeyId(header: string | undefined): string | undefined;
  }
}

/**
 * Puts every route of a plugin behind an API key (and the admin flag, if asked). The check runs
 * at preParsing, after the onRequest hooks, so rate limiting counts a request before a bad key
 * is refused, and before the body is read, so nobody unauthenticated learns what it should be.
 */
export function requireApiKey(app: FastifyInstance, options: { admin?: boolean } = {}): void {
  app.addHook('preParsing', (request, _reply, payload, done) => {
    const finish = () => {
      if (options.admin) app.requireAdmin(request);
      done(null, payload);
    };
    try {
      const pending = app.authenticate(request);
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
