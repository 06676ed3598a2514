import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type System, startSystem } from './harness.js';

describe('rate limiting per API key, and security headers', () => {
  let system: System;
  let keyA: string;
  let keyB: string;

  beforeAll(async () => {
    // A verified key is remembered for AUTH_CACHE_TTL_MS; only known keys get their own allowance.
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
    // the first request authenticates the key (it counts against the address); from then on the
    // key counts against itself: 5 allowed, the 6th refused
    expect((await a.get('/payments')).status).toBe(200);
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

    // B has its own allowance (after its first, address-counted, request)
    expect((await system.as(keyB).get('/payments')).status).toBe(200);
    const second = await system.as(keyB).get('/payments');
    expect(second.status).toBe(200);
    expect(second.headers).toMatchObject({ 'x-ratelimit-limit': '5', 'x-ratelimit-remaining': '4' });
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
