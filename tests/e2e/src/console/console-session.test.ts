import { createHash, randomUUID } from 'node:crypto';
import { createApiClientsRepository } from '@pt/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type System, startSystem } from '../harness.js';
import { consoleAgent } from './console-agent.js';

const CSP =
  "default-src 'self';script-src 'none';style-src 'self';img-src 'self';object-src 'none';base-uri 'none';form-action 'self';frame-ancestors 'none'";

/**
 * The console's session over HTTP: what sign-in exchanges, the cookie and headers it sets, and
 * what ends a session (sign-out, expiry, revoking the key). The flows in a browser: console-browser.test.ts.
 */
describe('/console sessions', () => {
  let system: System;
  let opsKey: string;
  let clientKey: string;

  beforeAll(async () => {
    // Behind a trusted proxy, so a test can say the request came over HTTPS (X-Forwarded-Proto).
    system = await startSystem({ startSyncer: false, env: { TRUST_PROXY: '127.0.0.1' } });
    opsKey = await system.createClient('ops', true);
    clientKey = await system.createClient('acme', false);
  });
  afterAll(() => system?.stop());

  it('sends a visitor without a session to the sign-in form', async () => {
    const agent = consoleAgent(system.apiUrl);
    for (const path of ['/console', '/console/payments', '/console/sync']) {
      const answer = await agent.get(path);
      expect(answer.status).toBe(303);
      expect(answer.location).toBe('/console/sign-in');
    }
    const form = await agent.get('/console/sign-in');
    expect(form.status).toBe(200);
    expect(form.text).toMatch(/<label for="api_key">Admin API key/);
  });

  it('exchanges an admin key for an HttpOnly, SameSite=Strict, Path=/console cookie holding a token stored only hashed', async () => {
    const agent = consoleAgent(system.apiUrl);
    const answer = await agent.signIn(opsKey);
    expect(answer.status).toBe(303);
    expect(answer.location).toBe('/console');
    expect(answer.text).not.toContain(opsKey);
    const [cookie] = answer.setCookie;
    expect(cookie).toMatch(/^pt_console=[\w-]{43}; /);
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; SameSite=Strict/);
    expect(cookie).toMatch(/; Path=\/console/);
    expect(cookie).toMatch(/; Expires=/);
    expect(cookie).not.toMatch(/; Secure/); // plain HTTP here: a Secure cookie would never come back

    const token = agent.cookie?.split('=')[1] ?? '';
    const rows = await system.sql`SELECT token_hash, key_id FROM console_sessions`;
    expect(rows.map((r) => r.token_hash)).toContain(createHash('sha256').update(token).digest('hex'));
    expect(JSON.stringify(rows)).not.toContain(token);

    const home = await agent.get('/console');
    expect(home.status).toBe(200);
    expect(home.text).not.toContain(opsKey);
    expect(home.text).not.toMatch(/name="api_key"/);
  });

  it('marks the cookie Secure when the request came over HTTPS', async () => {
    const agent = consoleAgent(system.apiUrl, {
      origin: new URL(system.apiUrl).origin.replace('http:', 'https:'),
      headers: { 'x-forwarded-proto': 'https' },
    });
    const answer = await agent.signIn(opsKey);
    expect(answer.status).toBe(303);
    expect(answer.setCookie[0]).toMatch(/; Secure/);
  });

  it('serves every page and the stylesheet under a strict CSP, with no script and no inline style', async () => {
    const agent = consoleAgent(system.apiUrl);
    await agent.signIn(opsKey);
    for (const path of ['/console/sign-in', '/console', '/console/payments', '/console/sync', '/console/console.css']) {
      const answer = await agent.get(path);
      expect(answer.headers['content-security-policy']).toBe(CSP);
      expect(answer.headers['x-frame-options']).toBe('DENY');
      expect(answer.headers['referrer-policy']).toBe('same-origin');
      expect(answer.text).not.toMatch(/<script|\sstyle=|\son\w+=/i);
    }
  });

  it('refuses a client (non-admin) key with a clear message and no session', async () => {
    const agent = consoleAgent(system.apiUrl);
    const answer = await agent.signIn(clientKey);
    expect(answer.status).toBe(403);
    expect(answer.text).toContain('This is a client key, not an admin key');
    expect(answer.setCookie).toEqual([]);
    const unknown = await agent.signIn('pt_000000000000_0000000000000000000000000000000000000000000');
    expect(unknown.status).toBe(401);
    expect(unknown.text).toContain('unknown, revoked or expired');
  });

  it('refuses sign-in and sign-out from another origin, and sign-out without the CSRF token, keeping the session', async () => {
    const foreign = consoleAgent(system.apiUrl, { origin: 'https://evil.example' });
    expect((await foreign.signIn(opsKey)).status).toBe(403);

    const agent = consoleAgent(system.apiUrl);
    await agent.signIn(opsKey);
    const csrf = await agent.csrf();
    const cases = [
      [{}, undefined],
      [{ _csrf: 'x'.repeat(csrf.length) }, undefined],
      [{ _csrf: csrf }, { origin: 'https://evil.example' }],
      [{ _csrf: csrf }, { origin: '', referer: '' }],
    ] as const;
    for (const [form, headers] of cases) {
      const refused = await agent.post('/console/sign-out', form, headers);
      expect(refused.status).toBe(403);
      expect(refused.text).toMatch(/CSRF|Origin check/);
    }
    expect((await agent.get('/console')).status).toBe(200);

    const other = consoleAgent(system.apiUrl);
    await other.signIn(opsKey);
    expect((await agent.post('/console/sign-out', { _csrf: await other.csrf() })).status).toBe(403); // another session's token
  });

  it('signs out by deleting the session: the old cookie no longer opens anything', async () => {
    const agent = consoleAgent(system.apiUrl);
    await agent.signIn(opsKey);
    const cookie = agent.cookie;
    const before = await system.sql`SELECT count(*)::int AS n FROM console_sessions`;
    const answer = await agent.post('/console/sign-out', { _csrf: await agent.csrf() });
    expect(answer.status).toBe(303);
    expect(answer.location).toBe('/console/sign-in?signed_out=1');
    const after = await system.sql`SELECT count(*)::int AS n FROM console_sessions`;
    expect(after[0]?.n).toBe((before[0]?.n as number) - 1);
    agent.cookie = cookie; // a copy of the cookie kept from before
    const replay = await agent.get('/console');
    expect(replay.status).toBe(303);
    expect(replay.location).toBe('/console/sign-in?ended=1');
  });

  it('ends a session at its expiry', async () => {
    const agent = consoleAgent(system.apiUrl);
    await agent.signIn(opsKey);
    const token = agent.cookie?.split('=')[1] ?? '';
    const hash = createHash('sha256').update(token).digest('hex');
    const [row] = await system.sql`SELECT expires_at - created_at AS ttl FROM console_sessions WHERE token_hash = ${hash}`;
    expect(String(row?.ttl)).toBe('00:30:00'); // CONSOLE_SESSION_TTL_MS's default
    await system.sql`UPDATE console_sessions SET expires_at = now() - interval '1 second' WHERE token_hash = ${hash}`;
    const answer = await agent.get('/console/sync');
    expect(answer.status).toBe(303);
    expect(answer.location).toBe('/console/sign-in?ended=1');
    expect((await agent.post('/console/sign-out', { _csrf: 'anything' })).status).toBe(403);
  });

  it('ends the sessions of a revoked key at once, in every API process', async () => {
    const key = await system.createClient('ops-2', true);
    const agent = consoleAgent(system.apiUrl);
    await agent.signIn(key);
    const second = await system.startApi();
    const there = consoleAgent(second.url);
    there.cookie = agent.cookie;
    expect((await there.get('/console')).status).toBe(200); // the session is in Postgres, not in one process

    await createApiClientsRepository(system.sql).revokeByName('ops-2');
    const cookie = agent.cookie;
    for (const browser of [agent, there]) {
      browser.cookie = cookie;
      const answer = await browser.get('/console');
      expect(answer.status).toBe(303);
      expect(answer.location).toBe('/console/sign-in?ended=1');
    }
  });

  it('names every bad field of a search: an HTML page for a browser, problem+json for anything else', async () => {
    const agent = consoleAgent(system.apiUrl);
    await agent.signIn(opsKey);
    const path = '/console/payments?status=bogus&limit=0&colour=red';
    const page = await agent.get(path);
    expect(page.status).toBe(422);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    for (const field of ['query.status', 'query.limit', 'query.colour']) expect(page.text).toContain(field);
    const problem = await agent.get(path, { accept: 'application/json' });
    expect(problem.status).toBe(422);
    expect(problem.headers['content-type']).toMatch(/^application\/problem\+json/);
    const fields = (JSON.parse(problem.text) as { errors: Array<{ field: string }> }).errors.map((e) => e.field);
    expect(fields.sort()).toEqual(['query.colour', 'query.limit', 'query.status']);
  });

  it('names every bad field of an action form, after the CSRF check passed', async () => {
    const agent = consoleAgent(system.apiUrl);
    await agent.signIn(opsKey);
    const csrf = await agent.csrf();
    const answer = await agent.post(`/console/payments/${randomUUID()}/requeue`, {
      _csrf: csrf,
      reason: 'x',
      force: 'yes',
      colour: 'red',
    });
    expect(answer.status).toBe(422);
    for (const field of ['body.reason', 'body.force', 'body.colour']) expect(answer.text).toContain(field);
    const badId = await agent.post('/console/payments/not-a-uuid/requeue', { _csrf: csrf, reason: 'looks unsent' });
    expect(badId.status).toBe(422);
    expect(badId.text).toContain('params.id');
  });
});
