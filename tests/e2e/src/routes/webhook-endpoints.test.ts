import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem, fieldsOf } from '../expect-problem.js';
import { type System, startSystem } from '../harness.js';

type Client = ReturnType<System['as']>;
interface Endpoint {
  id: string;
  url: string;
  event_types: string[];
  enabled: boolean;
  description: string | null;
  secret?: string;
  previous_secret_expires_at: string | null;
}

const ALL = ['payment.received', 'payment.pending', 'payment.settled'];

/** /webhook-endpoints: success, every error, and another client's endpoints. */
describe('/webhook-endpoints', () => {
  let system: System;
  let acme: Client;
  let globex: Client;

  beforeAll(async () => {
    // http allowed for local development, loopback allowed by the allow-list (as make run-app does)
    system = await startSystem({
      startSyncer: false,
      env: { WEBHOOK_ALLOW_HTTP: 'true', WEBHOOK_ALLOWED_CIDRS: '127.0.0.0/8' },
    });
    acme = system.as(await system.createClient('acme'));
    globex = system.as(await system.createClient('globex'));
  });
  afterAll(() => system?.stop());

  const create = (client: Client, body: object) => client.post<Endpoint>('/webhook-endpoints', body);

  it('creates an endpoint and shows its whsec_ secret once', async () => {
    const created = await create(acme, { url: 'http://127.0.0.1:9/hooks', event_types: ALL, description: 'ledger' });
    expect(created.status).toBe(201);
    expect(created.headers.location).toBe(`/webhook-endpoints/${created.body.id}`);
    expect(created.body).toMatchObject({
      url: 'http://127.0.0.1:9/hooks',
      event_types: ALL,
      enabled: true,
      description: 'ledger',
    });
    expect(created.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const read = await acme.get<Endpoint>(`/webhook-endpoints/${created.body.id}`);
    expect(read.status).toBe(200);
    expect(read.body).not.toHaveProperty('secret');
    expect(read.text).not.toContain(created.body.secret?.slice(6));
    const list = await acme.get<{ items: Endpoint[] }>('/webhook-endpoints');
    expect(list.body.items.map((e) => e.id)).toContain(created.body.id);
  });

  it('names every bad field in one 422', async () => {
    const answer = await create(acme, { url: 'not a url', event_types: ['payment.exploded'], enabled: 'yes', colour: 'red' });
    const problem = expectProblem(answer, 422);
    expect(fieldsOf(problem)).toEqual(['body.colour', 'body.enabled', 'body.event_types.0', 'body.url']);
  });

  it.each([
    ['http://169.254.169.254/latest/meta-data', 'metadata'],
    ['http://10.0.0.7/hooks', 'private'],
    ['http://[::1]:8080/hooks', 'loopback IPv6 (not in the allow-list)'],
    ['http://192.168.0.10/hooks', 'private'],
    ['ftp://127.0.0.1/hooks', 'not http(s)'],
  ])('refuses %s (%s) with 422 on body.url', async (url) => {
    const problem = expectProblem(await create(acme, { url, event_types: ALL }), 422);
    expect(fieldsOf(problem)).toEqual(['body.url']);
  });

  it('refuses a hostname that resolves to a loopback address unless the allow-list permits it', async () => {
    // localhost resolves to 127.0.0.1 (and ::1) through the system resolver; nothing is allowed here.
    const strict = await startSystem({ startSyncer: false, env: { WEBHOOK_ALLOW_HTTP: 'true' } });
    try {
      const client = strict.as(await strict.createClient('acme'));
      const problem = expectProblem(await create(client, { url: 'http://localhost:9/hooks', event_types: ALL }), 422);
      expect(problem.errors).toEqual([
        { field: 'body.url', message: 'must not point at a loopback, private, link-local or metadata address' },
      ]);
    } finally {
      await strict.stop();
    }
  });

  it('refuses http:// unless WEBHOOK_ALLOW_HTTP is on', async () => {
    const strict = await startSystem({ startSyncer: false, env: { WEBHOOK_ALLOWED_CIDRS: '127.0.0.0/8' } });
    try {
      const client = strict.as(await strict.createClient('acme'));
      const problem = expectProblem(await create(client, { url: 'http://127.0.0.1:9/hooks', event_types: ALL }), 422);
      expect(problem.errors).toEqual([{ field: 'body.url', message: 'must be an https URL' }]);
    } finally {
      await strict.stop();
    }
  });

  it('updates, re-checks the URL, and deletes', async () => {
    const { body: endpoint } = await create(acme, { url: 'http://127.0.0.1:9/a', event_types: ALL });
    const patched = await acme.call<Endpoint>('PATCH', `/webhook-endpoints/${endpoint.id}`, {
      json: { enabled: false, description: null, event_types: ['payment.settled'] },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      enabled: false,
      description: null,
      event_types: ['payment.settled'],
      url: 'http://127.0.0.1:9/a',
    });
    const refused = await acme.call('PATCH', `/webhook-endpoints/${endpoint.id}`, { json: { url: 'http://10.1.1.1/x' } });
    expect(fieldsOf(expectProblem(refused, 422))).toEqual(['body.url']);
    expect((await acme.call('DELETE', `/webhook-endpoints/${endpoint.id}`)).status).toBe(204);
    expectProblem(await acme.get(`/webhook-endpoints/${endpoint.id}`), 404);
  });

  it('rotates the secret with an overlap in which the previous one still signs', async () => {
    const { body: endpoint } = await create(acme, { url: 'http://127.0.0.1:9/r', event_types: ALL });
    const rotated = await acme.post<{ secret: string; previous_secret_expires_at: string }>(
      `/webhook-endpoints/${endpoint.id}/rotate-secret`,
      { overlap_seconds: 3600 },
    );
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(endpoint.secret);
    const expires = Date.parse(rotated.body.previous_secret_expires_at) - Date.now();
    expect(expires).toBeGreaterThan(3500_000);
    expect(expires).toBeLessThanOrEqual(3600_000);
    const read = await acme.get<Endpoint>(`/webhook-endpoints/${endpoint.id}`);
    expect(read.body.previous_secret_expires_at).toBe(rotated.body.previous_secret_expires_at);
  });

  it("answers 404 for another client's endpoint, on every route, and lists only one's own", async () => {
    const { body: endpoint } = await create(acme, { url: 'http://127.0.0.1:9/t', event_types: ALL });
    const path = `/webhook-endpoints/${endpoint.id}`;
    expectProblem(await globex.get(path), 404);
    expectProblem(await globex.call('PATCH', path, { json: { enabled: false } }), 404);
    expectProblem(await globex.call('DELETE', path), 404);
    expectProblem(await globex.post(`${path}/rotate-secret`, {}), 404);
    expectProblem(await globex.get(`${path}/deliveries`), 404);
    expectProblem(await globex.post(`${path}/redeliver`, { since: new Date(0).toISOString() }), 404);
    expect((await globex.get<{ items: Endpoint[] }>('/webhook-endpoints')).body.items).toEqual([]);
    expect((await acme.get<Endpoint>(path)).body.enabled).toBe(true);
  });

  it('answers 401 without a key and 422 for a malformed id or event id', async () => {
    expectProblem(await system.as(null).get('/webhook-endpoints'), 401);
    expect(fieldsOf(expectProblem(await acme.get('/webhook-endpoints/nope'), 422))).toEqual(['params.id']);
    expect(fieldsOf(expectProblem(await acme.post('/events/12/redeliver', {}), 422))).toEqual(['params.id']);
    expectProblem(await acme.post('/events/evt_999999/redeliver', {}), 404);
  });
});
