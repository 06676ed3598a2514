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

/** Characters that are not what a reader takes them for: control, bidirectional, invisible. */
const forbiddenCharacter = fc
  .oneof(
    fc.integer({ min: 0x00, max: 0x1f }),
    fc.integer({ min: 0x7f, max: 0x9f }),
    fc.constantFrom(0x061c, 0x200e, 0x200f, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069),
    fc.constantFrom(0x00ad, 0x034f, 0x180e, 0x200b, 0x200c, 0x200d, 0x2028, 0x2029, 0x2060, 0x2062, 0x3164, 0xfeff),
    // tag characters, which spell hidden ASCII
    fc.integer({ min: 0xe0020, max: 0xe007f }),
  )
  .map((codePoint) => String.fromCodePoint(codePoint));

/** A memo of ordinary text with at least one forbidden character somewhere in it. */
export const forbiddenMemo = fc
  .tuple(fc.string({ maxLength: 100 }), forbiddenCharacter, fc.string({ maxLength: 100 }))
  .map(([before, character, after]) => `${before}${character}${after}`);

/** A key as JSON text, each of its characters written as itself or as a \uXXXX escape: the same key to any reader. */
function spelledKey(key: string) {
  return fc
    .array(fc.boolean(), { minLength: key.length, maxLength: key.length })
    .map(
      (escaped) =>
        `"${[...Array(key.length).keys()]
          .map((i) =>
            escaped[i]
              ? `\\u${key.charCodeAt(i).toString(16).padStart(4, '0')}`
              : (JSON.stringify(key.charAt(i)) ?? '').slice(1, -1),
          )
          .join('')}"`,
    );
}

// Not __proto__ or constructor: Fastify's parser refuses those first (prototype poisoning), as invalid JSON.
const bodyKey = fc
  .oneof(fc.constantFrom('sender_account', 'receiver_account', 'amount', 'memo'), fc.string({ maxLength: 12 }))
  .filter((key) => key !== '__proto__' && key !== 'constructor');
const bodyValue = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.integer(), { maxLength: 3 }),
);

/** A JSON object as text in which `key` appears twice, at any places, with any values, spelled any way. */
export const repeatedKeyBody = fc
  .tuple(fc.dictionary(bodyKey, bodyValue, { maxKeys: 4 }), bodyKey, bodyValue, bodyValue, fc.nat(), fc.nat())
  .chain(([others, key, first, second, at, laterAt]) => {
    const entries: Array<[string, unknown]> = Object.entries(others).filter(([other]) => other !== key);
    entries.splice(at % (entries.length + 1), 0, [key, first]);
    entries.splice(laterAt % (entries.length + 1), 0, [key, second]);
    return fc
      .tuple(...entries.map(([name, value]) => spelledKey(name).map((spelled) => `${spelled}:${JSON.stringify(value)}`)))
      .map((members) => ({ key, text: `{${members.join(',')}}` }));
  });

/** An x-request-id as anyone might send it: a UUID (the one form kept), free text, binary, forged log lines. */
export const requestIdHeader = fc.oneof(
  fc.uuid(),
  fc.uuid().map((id) => id.toUpperCase()),
  fc.string({ maxLength: 80 }),
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.constantFrom('a"}\n{"level":60,"msg":"forged', '\u001b[2J\u001b[31m', 'x\r\nSet-Cookie: a=b', '\u202egnp.exe'),
);
