import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem } from './expect-problem.js';
import { createHttpClient, type System, startSystem } from './harness.js';

describe('rate limiting per API key, and security headers', () => {
  let system: System;
  let keyA: string;
  let keyB: string;

  beforeAll(async () => {
    system = await startSystem({
      startSyncer: false,
      env: { RATE_LIMIT_MAX: '5', RATE_LIMIT_WINDOW_MS: '60000', AUTH_CACHE_TTL_MS: '60000' },
    });
    keyA = await system.createClient('limited-a');
    keyB = await system.createClient('limited-b');
  });
  afterAll(() => system?.stop());

  it('answers 429 problem+json with Retry-After once a key spends its allowance, other keys unaffected', async () => {
    const a = system.as(keyA);
    // every request of a valid key counts against the key, the first (looked up) one included:
    // 5 allowed, the 6th refused
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await a.get('/payments')).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    // any route counts, and a refused answer says so in its headers too
    const overLimit = await a.get('/healthz');
    expect(overLimit.status).toBe(429);
    expect(overLimit.headers).toMatchObject({ 'x-ratelimit-limit': '5', 'x-ratelimit-remaining': '0' });
    expect(Number(overLimit.headers['x-ratelimit-reset'])).toBeGreaterThan(0);
    const limited = await a.get('/payments');
    expect(limited.status).toBe(429);
    expect(limited.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect((limited.body as { type: string }).type).toMatch(/rate-limited/);

    // B has its own allowance
    expect((await system.as(keyB).get('/payments')).status).toBe(200);
    const second = await system.as(keyB).get('/payments');
    expect(second.status).toBe(200);
    expect(second.headers).toMatchObject({ 'x-ratelimit-limit': '5', 'x-ratelimit-remaining': '3' });
  });

  it('counts invented tokens against the address, so fresh tokens buy no fresh allowance', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      const token = `pt_${'x'.repeat(12)}_${String(i).padStart(43, 'y')}`;
      statuses.push((await system.as(token).get('/payments')).status);
    }
    expect(statuses).toContain(429);
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(5);
  });

  it('sets the REST security headers on data answers, errors and refusals included', async () => {
    for (const answer of [
      await system.as(null).get('/healthz'),
      await system.as(null).get('/nope'),
      await system.as(null).get('/payments'),
      await system.as(null).get('/docsnot'),
      await system.as(keyA).get('/payments'),
      await system.as(null).get('/openapi.json'),
    ]) {
      expect(answer.headers).toMatchObject({
        'cache-control': 'no-store',
        'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'DENY',
        'strict-transport-security': expect.stringMatching(/^max-age=\d+/),
        'x-request-id': expect.any(String),
      });
    }
  });

  it('sets helmet’s headers on the HTML docs, whose CSP lets them load their own assets', async () => {
    for (const path of ['/docs', '/docs/', '/docs/static/index.html']) {
      const answer = await system.as(null).get(path);
      expect(answer.headers['content-security-policy']).toMatch(/default-src 'self'/);
      expect(answer.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
      expect(answer.headers).toMatchObject({ 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' });
      expect(answer.headers['cache-control']).not.toBe('no-store');
    }
  });
});

describe('rate limiting cannot lock out a tenant', () => {
  let system: System;
  /** Well-formed keys nobody issued, each different (so no cache answers them). */
  const madeUpKey = (label: string, i: number) => `pt_${label.padEnd(12, 'x').slice(0, 12)}_${String(i).padStart(43, 'z')}`;
  const forwardedFor = (apiUrl: string, key: string | null, address: string) => {
    const client = createHttpClient(apiUrl, key);
    return (path: string) => client.get(path, { 'x-forwarded-for': address });
  };

  beforeAll(async () => {
    system = await startSystem({
      startSyncer: false,
      env: { RATE_LIMIT_MAX: '5', RATE_LIMIT_WINDOW_MS: '60000', AUTH_CACHE_TTL_MS: '60000', RATE_LIMIT_AUTH_FAILURES: '10' },
    });
  });
  afterAll(() => system?.stop());

  it('a made-up key hammered from one address does not get a valid, not-yet-used key from there refused', async () => {
    const madeUp = system.as(madeUpKey('madeup', 0));
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) statuses.push((await madeUp.get('/payments')).status);
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(new Set(statuses.slice(5))).toEqual(new Set([429])); // the address spent its allowance

    const fresh = await system.as(await system.createClient('fresh-tenant')).get('/payments');
    expect(fresh.status).toBe(200);
    expect(fresh.headers).toMatchObject({ 'x-ratelimit-limit': '5', 'x-ratelimit-remaining': '4' }); // its own
  });

  it('a valid key first seen on 50 connections at once is looked up once, and none of them is refused', async () => {
    const api = await system.startApi({ RATE_LIMIT_MAX: '1000' });
    const client = createHttpClient(api.url, await system.createClient('many-connections'));
    const answers = await Promise.all(Array.from({ length: 50 }, () => client.get('/payments')));
    expect(answers.map((answer) => answer.status)).toEqual(Array(50).fill(200));
  });

  it('bounds the look-ups unknown keys cause: past RATE_LIMIT_AUTH_FAILURES an address gets 429 without one', async () => {
    const api = await system.startApi({ RATE_LIMIT_MAX: '1000' });
    const cachedKey = await system.createClient('cached-before-the-flood');
    expect((await createHttpClient(api.url, cachedKey).get('/payments')).status).toBe(200);

    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) statuses.push((await createHttpClient(api.url, madeUpKey('flood', i)).get('/payments')).status);
    // each 401 is a look-up that found nothing; a 429 here is refused before any look-up
    expect(statuses).toEqual([...Array(10).fill(401), ...Array(30).fill(429)]);
    const refused = await createHttpClient(api.url, madeUpKey('flood', 99)).get('/payments');
    const problem = expectProblem(refused, 429);
    expect(problem.type).toMatch(/rate-limited/);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);

    // a key this process already verified is not held up by its address's failures
    expect((await createHttpClient(api.url, cachedKey).get('/payments')).status).toBe(200);
  });

  it('behind TRUST_PROXY, limits each client by its forwarded address, not the balancer’s', async () => {
    const api = await system.startApi({ TRUST_PROXY: '127.0.0.1', RATE_LIMIT_MAX: '3' });
    const first = forwardedFor(api.url, null, '198.51.100.1');
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await first('/healthz')).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect((await forwardedFor(api.url, null, '198.51.100.2')('/healthz')).status).toBe(200);

    // another client flooding unknown keys through the same balancer leaves a new tenant alone
    for (let i = 0; i < 15; i++) await forwardedFor(api.url, madeUpKey('proxied', i), '198.51.100.66')('/payments');
    expect((await forwardedFor(api.url, madeUpKey('proxied', 99), '198.51.100.66')('/payments')).status).toBe(429);
    const tenant = await system.createClient('behind-the-balancer');
    expect((await forwardedFor(api.url, tenant, '198.51.100.7')('/payments')).status).toBe(200);
  });

  it('without TRUST_PROXY, X-Forwarded-For buys no fresh allowance', async () => {
    const api = await system.startApi({ RATE_LIMIT_MAX: '3' });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await forwardedFor(api.url, null, `203.0.113.${i}`)('/healthz')).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
  });
});
