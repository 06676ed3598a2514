import type { PaymentTrackerClient } from '@pt/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientAnswer, expectProblem, fieldsOf } from '../expect-problem.js';
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

const ALL = ['payment.received', 'payment.pending', 'payment.settled'] as const;

/**
 * /webhook-endpoints: success, every error, and another client's endpoints. Well-formed calls go
 * through the typed client (`acmeApi`, `globexApi`), malformed ones as raw HTTP.
 */
describe('/webhook-endpoints', () => {
  let system: System;
  let acme: Client;
  let acmeApi: PaymentTrackerClient;
  let globexApi: PaymentTrackerClient;

  beforeAll(async () => {
    // http allowed for local development, loopback allowed by the allow-list (as make run-app does)
    system = await startSystem({
      startSyncer: false,
      env: { WEBHOOK_ALLOW_HTTP: 'true', WEBHOOK_ALLOWED_CIDRS: '127.0.0.0/8' },
    });
    const acmeKey = await system.createClient('acme');
    acme = system.as(acmeKey);
    acmeApi = system.client(acmeKey);
    globexApi = system.client(await system.createClient('globex'));
  });
  afterAll(() => system?.stop());

  const create = (client: Client, body: object) => client.post<Endpoint>('/webhook-endpoints', body);
  /** A well-formed endpoint of `client`'s, through the typed client. */
  async function endpointOf(client: PaymentTrackerClient, url: string) {
    const { data, response } = await client.POST('/webhook-endpoints', { body: { url, event_types: [...ALL] } });
    expect(response.status).toBe(201);
    if (!data) throw new Error('no endpoint created');
    return data;
  }
  const byId = (id: string) => ({ params: { path: { id } } });

  it('creates an endpoint and shows its whsec_ secret once', async () => {
    const created = await acmeApi.POST('/webhook-endpoints', {
      body: { url: 'http://127.0.0.1:9/hooks', event_types: [...ALL], description: 'ledger' },
    });
    expect(created.response.status).toBe(201);
    const id = String(created.data?.id);
    expect(created.response.headers.get('location')).toBe(`/webhook-endpoints/${id}`);
    expect(created.data).toMatchObject({
      url: 'http://127.0.0.1:9/hooks',
      event_types: ALL,
      enabled: true,
      description: 'ledger',
    });
    expect(created.data?.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const read = await acmeApi.GET('/webhook-endpoints/{id}', byId(id));
    expect(read.response.status).toBe(200);
    expect(read.data).not.toHaveProperty('secret');
    expect(JSON.stringify(read.data)).not.toContain(created.data?.secret.slice(6));
    const list = await acmeApi.GET('/webhook-endpoints');
    expect(list.data?.items.map((e) => e.id)).toContain(id);
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
    const endpoint = await endpointOf(acmeApi, 'http://127.0.0.1:9/a');
    const patched = await acmeApi.PATCH('/webhook-endpoints/{id}', {
      ...byId(endpoint.id),
      body: { enabled: false, description: null, event_types: ['payment.settled'] },
    });
    expect(patched.response.status).toBe(200);
    expect(patched.data).toMatchObject({
      enabled: false,
      description: null,
      event_types: ['payment.settled'],
      url: 'http://127.0.0.1:9/a',
    });
    const refused = await acmeApi.PATCH('/webhook-endpoints/{id}', { ...byId(endpoint.id), body: { url: 'http://10.1.1.1/x' } });
    expect(fieldsOf(expectProblem(clientAnswer(refused), 422))).toEqual(['body.url']);
    expect((await acmeApi.DELETE('/webhook-endpoints/{id}', byId(endpoint.id))).response.status).toBe(204);
    expectProblem(clientAnswer(await acmeApi.GET('/webhook-endpoints/{id}', byId(endpoint.id))), 404);
  });

  it('rotates the secret with an overlap in which the previous one still signs', async () => {
    const endpoint = await endpointOf(acmeApi, 'http://127.0.0.1:9/r');
    const rotated = await acmeApi.POST('/webhook-endpoints/{id}/rotate-secret', {
      ...byId(endpoint.id),
      body: { overlap_seconds: 3600 },
    });
    expect(rotated.response.status).toBe(200);
    expect(rotated.data?.secret).toMatch(/^whsec_/);
    expect(rotated.data?.secret).not.toBe(endpoint.secret);
    const expires = Date.parse(String(rotated.data?.previous_secret_expires_at)) - Date.now();
    expect(expires).toBeGreaterThan(3500_000);
    expect(expires).toBeLessThanOrEqual(3600_000);
    const read = await acmeApi.GET('/webhook-endpoints/{id}', byId(endpoint.id));
    expect(read.data?.previous_secret_expires_at).toBe(rotated.data?.previous_secret_expires_at);
  });

  it("answers 404 for another client's endpoint, on every route, and lists only one's own", async () => {
    const endpoint = await endpointOf(acmeApi, 'http://127.0.0.1:9/t');
    const theirs = byId(endpoint.id);
    for (const answer of [
      await globexApi.GET('/webhook-endpoints/{id}', theirs),
      await globexApi.PATCH('/webhook-endpoints/{id}', { ...theirs, body: { enabled: false } }),
      await globexApi.DELETE('/webhook-endpoints/{id}', theirs),
      await globexApi.POST('/webhook-endpoints/{id}/rotate-secret', { ...theirs, body: {} }),
      await globexApi.GET('/webhook-endpoints/{id}/deliveries', theirs),
      await globexApi.POST('/webhook-endpoints/{id}/redeliver', { ...theirs, body: { since: new Date(0).toISOString() } }),
    ]) {
      expectProblem(clientAnswer(answer), 404);
    }
    expect((await globexApi.GET('/webhook-endpoints')).data?.items).toEqual([]);
    expect((await acmeApi.GET('/webhook-endpoints/{id}', theirs)).data?.enabled).toBe(true);
  });

  it('answers 401 without a key and 422 for a malformed id or event id', async () => {
    expectProblem(await system.as(null).get('/webhook-endpoints'), 401);
    expect(fieldsOf(expectProblem(await acme.get('/webhook-endpoints/nope'), 422))).toEqual(['params.id']);
    expect(fieldsOf(expectProblem(await acme.post('/events/12/redeliver', {}), 422))).toEqual(['params.id']);
    expectProblem(await acme.post('/events/evt_999999/redeliver', {}), 404);
  });
});
