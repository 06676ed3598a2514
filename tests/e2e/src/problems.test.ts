import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem } from './expect-problem.js';
import { type System, startSystem } from './harness.js';

type Client = ReturnType<System['as']>;

const valid = JSON.stringify({ sender_account: '11112222', receiver_account: '33334440', amount: '10.00' });

describe('protocol-level errors are problem+json', () => {
  let system: System;
  let client: Client;
  let anonymous: Client;

  beforeAll(async () => {
    system = await startSystem({ startSyncer: false, env: { BODY_LIMIT_BYTES: '2048' } });
    client = system.as(await system.createClient('acme'));
    anonymous = system.as(null);
  });
  afterAll(() => system?.stop());

  async function paymentCount(): Promise<number> {
    const [row] = await system.sql`SELECT count(*)::int AS n FROM payments`;
    return row?.n as number;
  }

  it.each([
    ['a truncated object', '{"sender_account": "11112222", '],
    ['a trailing comma', '{"amount": "1.00",}'],
    ['single quotes', "{'amount': '1.00'}"],
    ['plain text', 'hello'],
    ['a lone brace', '{'],
  ])('answers 400 for unparseable JSON: %s', async (_, raw) => {
    const problem = expectProblem(
      await client.call('POST', '/payments', { body: raw, headers: { 'content-type': 'application/json' } }),
      400,
    );
    expect(problem.detail).toMatch(/JSON/);
    // the body is not echoed back
    if (raw.length > 3) expect(JSON.stringify(problem)).not.toContain(raw);
  });

  it('answers 400 for an empty JSON body', async () => {
    expectProblem(await client.call('POST', '/payments', { body: '', headers: { 'content-type': 'application/json' } }), 400);
  });

  it.each([
    ['text/plain', { 'content-type': 'text/plain' }],
    ['form-urlencoded', { 'content-type': 'application/x-www-form-urlencoded' }],
    ['xml', { 'content-type': 'application/xml' }],
    ['a missing content-type', {}],
  ])('answers 415 for a body sent as %s, and stores nothing', async (_, headers) => {
    const before = await paymentCount();
    const problem = expectProblem(await client.call('POST', '/payments', { body: valid, headers }), 415);
    expect(problem.detail).toMatch(/application\/json/);
    expect(await paymentCount()).toBe(before);
  });

  it('accepts application/json with a charset parameter', async () => {
    const answer = await client.call('POST', '/payments', {
      body: valid,
      headers: { 'content-type': 'application/json; charset=utf-8' },
    });
    expect(answer.status).toBe(201);
  });

  it('answers 413 for a body over the configured limit, and stores nothing', async () => {
    const before = await paymentCount();
    const big = JSON.stringify({ ...JSON.parse(valid), memo: 'x'.repeat(4096) });
    expectProblem(await client.call('POST', '/payments', { body: big, headers: { 'content-type': 'application/json' } }), 413);
    expect(await paymentCount()).toBe(before);
  });

  it.each([
    ['GET', '/nope'],
    ['GET', '/payments/0190a0b0-0000-7000-8000-000000000000/nope'],
    ['POST', '/submit'],
    ['GET', '/status'],
  ])('answers 404 problem for the unknown route %s %s', async (method, path) => {
    for (const caller of [client, anonymous]) {
      const problem = expectProblem(await caller.call(method, path), 404);
      expect(problem.type).toMatch(/not-found$/);
    }
  });

  it.each([
    ['DELETE', '/payments/0190a0b0-0000-7000-8000-000000000000', 'GET'],
    ['PUT', '/payments', 'GET, POST'],
    ['PATCH', '/payments/0190a0b0-0000-7000-8000-000000000000', 'GET'],
    ['POST', '/payments/0190a0b0-0000-7000-8000-000000000000/events', 'GET'],
    ['POST', '/healthz', 'GET'],
  ])('answers the wrong method %s %s with 405 and Allow: %s', async (method, path, allow) => {
    for (const caller of [client, anonymous]) {
      const answer = await caller.call(method, path);
      expectProblem(answer, 405);
      expect(
        String(answer.headers.allow)
          .split(/,\s*/)
          .filter((m) => m !== 'HEAD')
          .join(', '),
      ).toBe(allow);
    }
  });

  it('keeps a client-supplied request id and echoes it in the problem', async () => {
    const answer = await client.call('GET', '/payments?limit=abc', { headers: { 'x-request-id': 'trace-abc.123' } });
    const problem = expectProblem(answer, 422);
    expect(problem.request_id).toBe('trace-abc.123');
  });

  it('replaces an unsafe client request id with its own', async () => {
    const unsafe = 'x'.repeat(65);
    const answer = await client.call('GET', '/payments?limit=abc', { headers: { 'x-request-id': unsafe } });
    const problem = expectProblem(answer, 422);
    expect(problem.request_id).not.toBe(unsafe);
    expect(answer.text).not.toContain(unsafe);
  });
});
