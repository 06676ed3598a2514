import fc from 'fast-check';
import { expect } from 'vitest';
import type { System } from './harness.js';

/**
 * Property: whatever a client sends (bodies, headers, query strings, paths, keys), the API
 * never answers 5xx, every error is problem+json without internals, and every 422 names the
 * fields at fault. Requests go through the whole Fastify pipeline (app.inject) against a real
 * database and gateway-mock. The properties run with their routes (routes/*.test.ts); each
 * file appends its counts to HOSTILE_REPORT.
 */
export const RUNS = Number(process.env.HOSTILE_RUNS ?? 400);
export const counts: Record<string, number> = {};

type Answer = Awaited<ReturnType<System['app']['inject']>>;

export function checkAnswer(category: string, answer: Answer): void {
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
export const bodyText = fc.oneof(
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

export const contentType = fc.oneof(
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

export const idSegment = fc.oneof(
  fc.uuid(),
  fc.string({ maxLength: 60 }),
  fc.constantFrom('..', '%00', '%ZZ', "1' OR '1'='1", 'null', '-1'),
);
export const queryString = fc
  .array(
    fc.tuple(
      fc.oneof(fc.constantFrom('limit', 'cursor', 'status', 'refresh'), fc.string({ maxLength: 10 })),
      fc.string({ maxLength: 30 }),
    ),
    { maxLength: 5 },
  )
  .map((pairs) => pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&'));
