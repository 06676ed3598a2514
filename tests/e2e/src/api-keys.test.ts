import { createApiClientsRepository, parseApiKey } from '@pt/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logLines } from './delivery-helpers.js';
import { createHttpClient, eventually, type System, startSystem } from './harness.js';

/** AUTH_CACHE_TTL_MS as shipped (the harness turns the cache off): empty counts as unset. */
const DEFAULT_AUTH_CACHE = { AUTH_CACHE_TTL_MS: '' };

/** Polls until every one of `urls` answers `status` to GET /payments with `key`, for at most `withinMs`. */
function everyProcessAnswers(urls: string[], key: string, status: number, withinMs: number) {
  return eventually(
    async () => {
      const answers = await Promise.all(urls.map((url) => createHttpClient(url, key).get('/payments')));
      return answers.every((answer) => answer.status === status) ? true : undefined;
    },
    { timeoutMs: withinMs, intervalMs: 25, what: `${status} from every API process` },
  );
}

const keyIdOf = (key: string) => parseApiKey(key)?.keyId ?? '';

function present<T>(value: T | null | undefined): T {
  if (value == null) throw new Error('expected a value');
  return value;
}

describe('API keys: revocation, rotation, expiry and last use, with the auth cache as shipped', () => {
  let system: System;
  let clients: ReturnType<typeof createApiClientsRepository>;
  let urls: string[];

  beforeAll(async () => {
    system = await startSystem({ startSyncer: false, env: DEFAULT_AUTH_CACHE });
    clients = createApiClientsRepository(system.sql);
    const second = await system.startApi();
    urls = [system.apiUrl, second.url];
  });
  afterAll(() => system?.stop());

  it('refuses a revoked key within a second on every API process, though both had it cached', async () => {
    const key = await system.createClient('revoked-everywhere');
    for (const url of urls) {
      for (let i = 0; i < 3; i++) expect((await createHttpClient(url, key).get('/payments')).status).toBe(200);
    }
    expect(await clients.revokeByName('revoked-everywhere')).toBe(1);
    await everyProcessAnswers(urls, key, 401, 1000);
  });

  it('refuses an expired key, and one whose expiry passes while it is cached', async () => {
    const expired = await system.createClient('expired');
    await system.sql`UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE key_id = ${keyIdOf(expired)}`;
    const answer = await system.as(expired).get('/payments');
    expect(answer.status).toBe(401);
    expect(answer.headers['content-type']).toMatch(/application\/problem\+json/);

    const expiring = await system.createClient('expiring');
    await system.sql`UPDATE api_keys SET expires_at = now() + interval '1500 milliseconds' WHERE key_id = ${keyIdOf(expiring)}`;
    expect((await system.as(expiring).get('/payments')).status).toBe(200); // cached, with its expiry
    await everyProcessAnswers([system.apiUrl], expiring, 401, 5000);
  });

  it('rotates: a new key at once, the old one until its grace period ends', async () => {
    const old = await system.createClient('rotating');
    expect((await system.as(old).get('/payments')).status).toBe(200);

    const graced = present(await clients.rotate('rotating', 3_600_000));
    expect(graced.retired).toBe(1);
    expect((await system.as(graced.apiKey).get('/payments')).status).toBe(200);
    expect((await system.as(old).get('/payments')).status).toBe(200);
    const [row] = await system.sql<{ expires_at: Date }[]>`SELECT expires_at FROM api_keys WHERE key_id = ${keyIdOf(old)}`;
    expect(row?.expires_at.getTime()).toBe(graced.retiresAt.getTime());
    expect(graced.retiresAt.getTime()).toBeGreaterThan(Date.now() + 3_500_000);

    // A rotation without grace retires both earlier keys at once, on every process (cached or not).
    const now = present(await clients.rotate('rotating', 0));
    expect(now.retired).toBe(2);
    await everyProcessAnswers(urls, old, 401, 1000);
    await everyProcessAnswers(urls, graced.apiKey, 401, 1000);
    expect((await system.as(now.apiKey).get('/payments')).status).toBe(200);
    expect(await clients.rotate('nobody', 0)).toBeNull();
  });

  it('records when a key was last used, once a minute at most, without the request waiting for it', async () => {
    const key = await system.createClient('used');
    const lastUsed = async () =>
      (await system.sql<{ last_used_at: Date | null }[]>`SELECT last_used_at FROM api_keys WHERE key_id = ${keyIdOf(key)}`)[0]
        ?.last_used_at ?? null;
    expect(await lastUsed()).toBeNull();
    expect((await system.as(key).get('/payments')).status).toBe(200);
    const first = await eventually(async () => (await lastUsed()) ?? undefined, { what: 'last_used_at' });
    for (let i = 0; i < 5; i++) expect((await system.as(key).get('/payments')).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 200)); // room for a stray update to land
    expect(await lastUsed()).toEqual(first);
  });
});

describe('API keys: when the LISTEN connection drops', () => {
  let system: System;

  beforeAll(async () => {
    system = await startSystem({ startSyncer: false, proxyDatabase: true, env: DEFAULT_AUTH_CACHE });
  });
  afterAll(() => system?.stop());

  it('says so, forgets its cache, and refuses a key revoked meanwhile once it hears again', async () => {
    const key = await system.createClient('revoked-while-deaf');
    expect((await system.as(key).get('/payments')).status).toBe(200); // cached
    const proxy = system.dbProxy;
    if (!proxy) throw new Error('the system has no database proxy');

    proxy.cut();
    await eventually(async () => (logLines(system, 'API key revocations are not heard').length > 0 ? true : undefined), {
      what: 'the lost LISTEN to be noticed',
    });
    // The NOTIFY of this revocation reaches no API process: the proxy is cut.
    expect(await createApiClientsRepository(system.sql).revokeByName('revoked-while-deaf')).toBe(1);
    proxy.restore();

    // Heard again within a couple of seconds, with the cache forgotten: the key is looked up, not
    // served from memory for AUTH_CACHE_TTL_MS (10 s) as it was.
    await everyProcessAnswers([system.apiUrl], key, 401, 5000);
    await eventually(async () => (logLines(system, 'hearing API key revocations').length > 1 ? true : undefined), {
      timeoutMs: 5000,
      what: 'the LISTEN to be heard again',
    });
  });
});
