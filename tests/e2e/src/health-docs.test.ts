import { createServer, type Server, Socket } from 'node:net';
import { buildApp, createApiDeps, loadApiConfig } from '@pt/api';
import { createLogger, type PaymentResponse } from '@pt/core';
import { createLogCapture } from '@pt/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem } from './expect-problem.js';
import type { HttpAnswer } from './harness.js';
import { type System, startSystem } from './harness.js';

type App = Awaited<ReturnType<typeof buildApp>>;
type OpenApi = {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema>; securitySchemes: Record<string, Record<string, unknown>> };
};
type Operation = {
  operationId?: string;
  security?: Array<Record<string, string[]>>;
  parameters?: Array<{ name: string; in: string; required?: boolean }>;
  requestBody?: unknown;
  responses: Record<string, unknown>;
};
type Schema = { type?: string | string[]; properties?: Record<string, Schema>; required?: string[] };

const HTTP_METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

/** app.inject's answer in the shape the problem assertions take. */
async function inject(app: App, method: 'GET' | 'POST', url: string, headers: Record<string, string> = {}, json?: unknown) {
  const response = await app.inject({ method, url, headers, ...(json === undefined ? {} : { payload: json as object }) });
  const type = String(response.headers['content-type'] ?? '');
  return {
    status: response.statusCode,
    headers: response.headers as HttpAnswer['headers'],
    body: type.includes('json') ? response.json() : response.body,
    text: response.body,
  } satisfies HttpAnswer;
}

/** Every `$ref` in the document, with where it was found. */
function collectRefs(node: unknown, at = '#', refs: Array<{ ref: string; at: string }> = []) {
  if (Array.isArray(node)) {
    for (const [i, item] of node.entries()) collectRefs(item, `${at}/${i}`, refs);
  } else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') refs.push({ ref: value, at });
      else collectRefs(value, `${at}/${key}`, refs);
    }
  }
  return refs;
}

function resolvePointer(document: unknown, ref: string): unknown {
  return ref
    .replace(/^#\//, '')
    .split('/')
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'))
    .reduce<unknown>(
      (node, part) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[part] : undefined),
      document,
    );
}

describe('health, readiness and docs', () => {
  let system: System;

  beforeAll(async () => {
    system = await startSystem({ startSyncer: false });
  });
  afterAll(() => system?.stop());

  it('/healthz and /readyz answer 200 without a key', async () => {
    const anonymous = system.as(null);
    for (const path of ['/healthz', '/readyz']) {
      const answer = await anonymous.get(path);
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({ status: 'ok' });
    }
  });

  it('/openapi.json is an OpenAPI 3.1 document listing every route with an operationId', async () => {
    const answer = await system.as(null).get<OpenApi>('/openapi.json');
    expect(answer.status).toBe(200);
    const doc = answer.body;
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(doc.info.title).toEqual(expect.any(String));
    expect(doc.info.version).toEqual(expect.any(String));

    const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([method]) => HTTP_METHODS.has(method))
        .map(([method, op]) => ({ path, method, op })),
    );
    const byId = new Map(operations.map((o) => [o.op.operationId, o]));
    expect(byId.size).toBe(operations.length); // every operationId present and unique
    for (const { op } of operations) {
      expect(op.operationId).toMatch(/^[A-Za-z][\w]*$/);
      expect(Object.keys(op.responses).length).toBeGreaterThan(0);
    }
    const routes = Object.fromEntries(
      operations.map(({ path, method, op }) => [op.operationId, `${method.toUpperCase()} ${path}`]),
    );
    expect(routes).toMatchObject({
      createPayment: 'POST /payments',
      listPayments: 'GET /payments',
      getPayment: 'GET /payments/{id}',
      listPaymentEvents: 'GET /payments/{id}/events',
      health: 'GET /healthz',
      ready: 'GET /readyz',
    });
    // path templates declare their parameters
    for (const { path, op } of operations) {
      for (const [, name] of path.matchAll(/\{(\w+)\}/g)) {
        expect(op.parameters).toContainEqual(expect.objectContaining({ name, in: 'path', required: true }));
      }
    }
    // every $ref points at something in the document
    for (const { ref, at } of collectRefs(doc)) {
      expect(ref, at).toMatch(/^#\//);
      expect(resolvePointer(doc, ref), `${ref} at ${at}`).toBeDefined();
    }
  });

  it('/openapi.json declares bearer auth on the payment routes and none on health', async () => {
    const doc = (await system.as(null).get<OpenApi>('/openapi.json')).body;
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    const payments = doc.paths['/payments'];
    const one = doc.paths['/payments/{id}'];
    const events = doc.paths['/payments/{id}/events'];
    for (const op of [payments?.post, payments?.get, one?.get, events?.get]) {
      expect(op?.security).toEqual([{ bearerAuth: [] }]);
      expect(Object.keys(op?.responses ?? {})).toContain('401');
    }
    expect(doc.paths['/healthz']?.get?.security ?? []).toEqual([]);
    expect(Object.keys(payments?.post?.responses ?? {})).toEqual(
      expect.arrayContaining(['201', '202', '400', '409', '413', '415', '422']),
    );
    expect(payments?.post?.requestBody).toBeDefined();
    expect(payments?.post?.parameters).toContainEqual(expect.objectContaining({ name: 'idempotency-key', in: 'header' }));
  });

  it('/openapi.json has a Payment schema with amount as a string', async () => {
    const doc = (await system.as(null).get<OpenApi>('/openapi.json')).body;
    const payment = doc.components.schemas.Payment;
    expect(payment).toBeDefined();
    expect(payment?.properties?.amount?.type).toBe('string');
    expect(payment?.properties?.status).toBeDefined();
    expect(Object.keys(payment?.properties ?? {})).toEqual(
      expect.arrayContaining(['id', 'status', 'amount', 'confirmation_id', 'created_at', 'last_synced_at']),
    );
    expect(doc.components.schemas.Problem?.properties).toHaveProperty('request_id');
    // the 201 answer of createPayment is that schema
    const created = JSON.stringify(doc.paths['/payments']?.post?.responses['201']);
    expect(created).toContain('#/components/schemas/Payment');
  });

  it('/docs/ answers 200 HTML, and its assets load', async () => {
    const anonymous = system.as(null);
    const page = await anonymous.get('/docs/');
    expect(page.status).toBe(200);
    expect(String(page.headers['content-type'])).toMatch(/^text\/html/);
    expect(page.text).toMatch(/swagger/i);
    const script = /src="\.?\/?([\w./-]+\.js)"/.exec(page.text)?.[1];
    expect(script).toBeDefined();
    const asset = await anonymous.get(`/docs/${String(script).replace(/^docs\//, '')}`);
    expect(asset.status).toBe(200);
  });
});

describe('when the database is unreachable from the start', () => {
  let app: App;
  const logs = createLogCapture();

  beforeAll(async () => {
    const config = loadApiConfig({
      DATABASE_URL: 'postgres://nobody:secret@127.0.0.1:1/none',
      GATEWAY_URL: 'http://127.0.0.1:1',
      AUTH_CACHE_TTL_MS: '0',
      RATE_LIMIT_MAX: '0',
    });
    app = await buildApp(createApiDeps(config, createLogger({ name: 'api', level: 'debug', destination: logs.stream })));
  });
  afterAll(async () => {
    await app?.close();
    await app?.deps.close();
  });

  const key = `Bearer pt_${'a'.repeat(12)}_${'b'.repeat(43)}`;

  it('/healthz still answers 200, /readyz answers 503 problem', async () => {
    expect((await inject(app, 'GET', '/healthz')).status).toBe(200);
    const ready = await inject(app, 'GET', '/readyz');
    expectProblem(ready, 503);
  });

  it.each([
    ['GET', '/payments/0190a0b0-0000-7000-8000-000000000000'],
    ['GET', '/payments/0190a0b0-0000-7000-8000-000000000000/events'],
    ['GET', '/payments'],
    ['POST', '/payments'],
  ] as const)('%s %s answers 503 problem with Retry-After, not 500 and not a hang', async (method, url) => {
    const json = method === 'POST' ? { sender_account: '11112222', receiver_account: '33334440', amount: '1.00' } : undefined;
    const answer = await inject(app, method, url, { authorization: key }, json);
    const problem = expectProblem(answer, 503);
    expect(answer.headers['retry-after']).toEqual(expect.any(String));
    expect(problem.detail).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|postgres|secret/i);
  });
});

describe('when the database accepts connections but never answers', () => {
  let app: App;
  let blackHole: Server;
  const held = new Set<Socket>();

  beforeAll(async () => {
    blackHole = createServer((socket) => {
      held.add(socket);
      socket.on('error', () => socket.destroy());
    });
    await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
    const { port } = blackHole.address() as { port: number };
    const config = loadApiConfig({
      DATABASE_URL: `postgres://nobody:secret@127.0.0.1:${port}/none`,
      GATEWAY_URL: 'http://127.0.0.1:1',
      AUTH_CACHE_TTL_MS: '0',
      RATE_LIMIT_MAX: '0',
    });
    app = await buildApp(createApiDeps(config, createLogger({ name: 'api', level: 'silent' })));
  });
  afterAll(async () => {
    for (const socket of held) socket.destroy();
    await app?.close();
    await app?.deps.close();
    await new Promise((resolve) => blackHole?.close(resolve));
  });

  it('answers 503 problem for /readyz and a payment read instead of hanging', async () => {
    const key = `Bearer pt_${'a'.repeat(12)}_${'b'.repeat(43)}`;
    // The test timeout is the bound: a request that waited on the database forever would never settle.
    const [ready, read] = await Promise.all([
      inject(app, 'GET', '/readyz'),
      inject(app, 'GET', '/payments/0190a0b0-0000-7000-8000-000000000000', { authorization: key }),
    ]);
    expectProblem(ready, 503);
    expectProblem(read, 503);
    expect(held.size).toBeGreaterThan(0); // the database was really reached, and stalled
  });
});

/** A TCP proxy in front of Postgres that the test can cut and restore. */
async function startCuttableProxy(target: { host: string; port: number }) {
  const sockets = new Set<Socket>();
  let server: Server | null = null;
  let port = 0;
  async function listen() {
    const listening = createServer((client) => {
      const upstream = new Socket();
      upstream.connect(target.port, target.host);
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        socket.on('error', () => socket.destroy());
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => listening.listen(port, '127.0.0.1', resolve));
    port = (listening.address() as { port: number }).port;
    server = listening;
  }
  await listen();
  return {
    get port() {
      return port;
    },
    async cut() {
      const closing = new Promise<void>((resolve) => server?.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closing;
    },
    restore: listen,
  };
}

describe('when the database goes away while the API runs', () => {
  let system: System;
  let app: App;
  let proxy: Awaited<ReturnType<typeof startCuttableProxy>>;
  let key: string;
  let payment: PaymentResponse;

  beforeAll(async () => {
    system = await startSystem({ startSyncer: false });
    key = await system.createClient('acme');
    payment = (
      await system.as(key).post<PaymentResponse>('/payments', {
        sender_account: '11112222',
        receiver_account: '33334440',
        amount: '1.00',
      })
    ).body;
    const url = new URL(system.database.url);
    proxy = await startCuttableProxy({ host: url.hostname, port: Number(url.port) });
    url.hostname = '127.0.0.1';
    url.port = String(proxy.port);
    const config = loadApiConfig({
      DATABASE_URL: url.toString(),
      GATEWAY_URL: system.mock.url,
      // the key stays verified in memory, so the read itself is what meets the outage
      AUTH_CACHE_TTL_MS: '600000',
      RATE_LIMIT_MAX: '0',
    });
    app = await buildApp(createApiDeps(config, createLogger({ name: 'api', level: 'silent' })));
  });
  afterAll(async () => {
    await app?.close();
    await proxy?.cut().catch(() => undefined);
    // After an outage postgres.js's end() can wait out its whole timeout for a lost connection;
    // overlap it with the rest of the teardown.
    await Promise.all([app?.deps.close(), system?.stop()]);
  });

  it('answers 503 problem for a read and /readyz during the outage, and recovers after it', async () => {
    const auth = { authorization: `Bearer ${key}` };
    expect((await inject(app, 'GET', `/payments/${payment.id}`, auth)).status).toBe(200);
    expect((await inject(app, 'GET', '/readyz')).status).toBe(200);

    await proxy.cut();
    expectProblem(await inject(app, 'GET', `/payments/${payment.id}`, auth), 503);
    expectProblem(await inject(app, 'GET', '/payments', auth), 503);
    expectProblem(await inject(app, 'GET', '/readyz'), 503);
    expect((await inject(app, 'GET', '/healthz')).status).toBe(200);

    await proxy.restore();
    const back = await inject(app, 'GET', `/payments/${payment.id}`, auth);
    expect(back.status).toBe(200);
    expect((back.body as PaymentResponse).id).toBe(payment.id);
    expect((await inject(app, 'GET', '/readyz')).status).toBe(200);
  });
});
