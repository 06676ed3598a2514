import { appendFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type System, startSystem } from './harness.js';

/**
 * Property: whatever a client sends (bodies, headers, query strings, paths, keys), the API
 * never answers 5xx, every error is problem+json without internals, and every 422 names the
 * fields at fault. Requests go through the whole Fastify pipeline (app.inject) against a real
 * database and gateway-mock.
 */
const RUNS = Number(process.env.HOSTILE_RUNS ?? 400);
const counts: Record<string, number> = {};

type Answer = Awaited<ReturnType<System['app']['inject']>>;

function checkAnswer(category: string, answer: Answer): void {
  counts[category] = (counts[category] ?? 0) + 1;
  expect(answer.statusCode, answer.body).toBeLessThan(500);
  if (answer.statusCode >= 400) {
    expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
    const problem = JSON.parse(answer.body) as {
      type: string;
      title: string;
      status: number;
      detail: string;
      request_id: string;
      errors?: Array<{ field: string }>;
    };
    expect(problem.status).toBe(answer.statusCode);
    expect(problem.type && problem.title && problem.detail && problem.request_id).toBeTruthy();
    expect(answer.body).not.toMatch(/\.ts:\d+|node_modules|\n\s+at |postgres|drizzle|SELECT /i);
    if (answer.statusCode === 422) {
      expect(problem.errors?.length ?? 0).toBeGreaterThan(0);
      for (const error of problem.errors ?? []) expect(error.field).toMatch(/^(body|query|params|headers)\b/);
    }
  }
}

const jsonish = fc.oneof(
  fc.jsonValue(),
  fc.anything({ withBigInt: false, withMap: false, withSet: false, withTypedArray: false, withDate: false }),
  fc.record(
    {
      sender_account: fc.oneof(fc.string(), fc.stringMatching(/^\d{0,40}$/), fc.integer(), fc.constant(null)),
      receiver_account: fc.oneof(fc.string(), fc.stringMatching(/^\d{0,40}$/), fc.double(), fc.constant([])),
      amount: fc.oneof(
        fc.double(),
        fc.integer(),
        fc.string(),
        fc.stringMatching(/^-?\d{0,16}(\.\d{0,4})?(e\d)?$/),
        fc.constantFrom('NaN', 'Infinity', '-0', '1e3', '1,000.00', ' 1.00', '0.001', '99999999999999.99'),
      ),
      memo: fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), fc.constant(null), fc.integer()),
      extra: fc.anything(),
    },
    { requiredKeys: [] },
  ),
);

/** A JSON body as text, sometimes broken on purpose. */
const bodyText = fc.oneof(
  jsonish.map((value) => JSON.stringify(value) ?? 'null'),
  fc.string({ unit: 'binary', maxLength: 200 }),
  jsonish.map((value) => (JSON.stringify(value) ?? '').slice(0, -1)),
  fc.constantFrom(
    '',
    '{',
    '[]',
    '"x"',
    '{"__proto__":{"admin":true}}',
    '{"constructor":{"prototype":{"x":1}}}',
    '{"amount":1e400}',
    '{"amount":-0}',
  ),
);

const contentType = fc.oneof(
  fc.constant('application/json'),
  fc.constantFrom(
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/json; charset=latin1',
    'application/problem+json',
    '',
  ),
  fc.string({ maxLength: 40 }).filter((s) => !/[\r\n]/.test(s)),
);

const idSegment = fc.oneof(
  fc.uuid(),
  fc.string({ maxLength: 60 }),
  fc.constantFrom('..', '%00', '%ZZ', "1' OR '1'='1", 'null', '-1'),
);
const queryString = fc
  .array(
    fc.tuple(
      fc.oneof(fc.constantFrom('limit', 'cursor', 'status', 'refresh'), fc.string({ maxLength: 10 })),
      fc.string({ maxLength: 30 }),
    ),
    { maxLength: 5 },
  )
  .map((pairs) => pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&'));

describe('hostile input, generated: never a 5xx, always problem+json, fields named', () => {
  let system: System;
  let auth: string;
  let adminAuth: string;
  let paymentId: string;

  beforeAll(async () => {
    system = await startSystem({ startSyncer: false });
    auth = `Bearer ${await system.createClient('fuzz')}`;
    adminAuth = `Bearer ${await system.createClient('fuzz-ops', true)}`;
    const created = await system.app.inject({
      method: 'POST',
      url: '/payments',
      headers: { authorization: auth, 'content-type': 'application/json' },
      payload: { sender_account: '12345678', receiver_account: '87654321', amount: '1.00' },
    });
    paymentId = JSON.parse(created.body).id;
  });
  afterAll(async () => {
    appendFileSync(process.env.HOSTILE_REPORT ?? '/tmp/hostile-report.txt', `${JSON.stringify(counts)}\n`);
    await system?.stop();
  });

  it('POST /payments with generated bodies and content types', async () => {
    await fc.assert(
      fc.asyncProperty(bodyText, contentType, async (payload, type) => {
        const answer = await system.app.inject({
          method: 'POST',
          url: '/payments',
          headers: { authorization: auth, 'content-type': type },
          payload,
        });
        checkAnswer('post-body', answer);
      }),
      { numRuns: RUNS },
    );
  });

  it('GET routes with generated ids and query strings', async () => {
    await fc.assert(
      fc.asyncProperty(
        idSegment,
        queryString,
        fc.constantFrom('/payments/{id}', '/payments/{id}/events', '/payments', '/admin/reconciliation'),
        async (id, query, route) => {
          const path = route.replace('{id}', encodeURIComponent(id));
          const answer = await system.app.inject({
            method: 'GET',
            url: `${path}?${query}`,
            headers: { authorization: route.startsWith('/admin') ? adminAuth : auth },
          });
          checkAnswer('get-params-query', answer);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('every route with generated Authorization headers', async () => {
    const authHeader = fc.oneof(
      fc.string({ maxLength: 80 }).filter((s) => !/[\r\n]/.test(s)),
      fc.string({ maxLength: 60 }).map((s) => `Bearer ${s}`.replace(/[\r\n]/g, '')),
      fc.stringMatching(/^pt_[A-Za-z0-9]{12}_[A-Za-z0-9_-]{43}$/).map((k) => `Bearer ${k}`),
      fc.constant(auth.replace(/.$/, 'x')),
    );
    const route = fc.constantFrom(
      ['GET', '/payments'],
      ['GET', `/payments/{id}`],
      ['POST', '/payments'],
      ['GET', '/admin/reconciliation'],
      ['POST', '/admin/payments/{id}/requeue'],
    );
    await fc.assert(
      fc.asyncProperty(authHeader, route, async (authorization, [method, url]) => {
        const answer = await system.app.inject({
          method: method as 'GET',
          url: url.replace('{id}', paymentId),
          headers: { authorization, 'content-type': 'application/json' },
          payload: method === 'POST' ? '{}' : undefined,
        });
        checkAnswer('authorization', answer);
        expect(answer.statusCode).toBe(401);
      }),
      { numRuns: RUNS },
    );
  });

  it('unknown paths and methods', async () => {
    const method = fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS');
    const path = fc.oneof(
      fc.webPath(),
      fc.constantFrom(
        '/payments',
        '/payments/x/y/z',
        '/admin',
        '/admin/payments/x',
        '/%2e%2e/etc/passwd',
        '//payments',
        '/payments/',
      ),
    );
    await fc.assert(
      fc.asyncProperty(method, path, async (m, p) => {
        const answer = await system.app.inject({
          method: m as 'GET',
          url: p || '/',
          headers: { authorization: auth, 'content-type': 'application/json' },
          payload: m === 'GET' || m === 'OPTIONS' ? undefined : '{}',
        });
        checkAnswer('paths-methods', answer);
      }),
      { numRuns: RUNS },
    );
  });

  it('admin actions with generated bodies', async () => {
    await fc.assert(
      fc.asyncProperty(bodyText, fc.constantFrom('link', 'requeue'), async (payload, action) => {
        const answer = await system.app.inject({
          method: 'POST',
          url: `/admin/payments/${paymentId}/${action}`,
          headers: { authorization: adminAuth, 'content-type': 'application/json' },
          payload,
        });
        checkAnswer('admin-body', answer);
      }),
      { numRuns: RUNS },
    );
  });
});
