import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem } from './expect-problem.js';
import { type System, startSystem } from './harness.js';
import { openRaw } from './raw-http.js';

/** Our own request ids: eight characters of the process, a dash, a counter in base 36. */
const OURS = /^[\w-]{8}-[0-9a-z]+$/;

/** Every captured log line, each of which must be one whole JSON object. */
function parsedLogLines(system: System): Array<Record<string, unknown>> {
  return system.logs.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('request ids', () => {
  let system: System;
  let client: ReturnType<System['as']>;

  beforeAll(async () => {
    system = await startSystem({ startSyncer: false });
    client = system.as(await system.createClient('acme'));
  });
  afterAll(() => system?.stop());

  it('keeps a client’s UUID as the request id: in the header, the problem and the log line', async () => {
    const id = randomUUID();
    const answer = await client.call('GET', '/payments?limit=abc', { headers: { 'x-request-id': id } });
    expect(expectProblem(answer, 422).request_id).toBe(id);
    expect(parsedLogLines(system).filter((line) => line.reqId === id)).toEqual([
      expect.objectContaining({ msg: 'request completed', statusCode: 422 }),
    ]);
  });

  it('never takes one of its own ids from a client: ours are sequential, so the next is guessable', async () => {
    const ours = String((await client.get('/payments')).headers['x-request-id']);
    expect(ours).toMatch(OURS);
    const [tag, counter] = [ours.slice(0, 8), Number.parseInt(ours.slice(9), 36)];
    for (const guessed of [ours, `${tag}-${(counter + 1).toString(36)}`, `${tag}-${(counter + 2).toString(36)}`]) {
      const answer = await client.get('/payments', { 'x-request-id': guessed });
      expect(answer.headers['x-request-id']).not.toBe(guessed);
      expect(answer.headers['x-request-id']).toMatch(OURS);
    }
  });

  it.each([
    ['free text', 'trace-abc.123'],
    ['a UUID without dashes', '0192f4f5c1a27c3e9a2b3c4d5e6f7a8b'],
    ['a UUID in braces', '{0192f4f5-c1a2-7c3e-9a2b-3c4d5e6f7a8b}'],
    ['a UUID with more after it', '0192f4f5-c1a2-7c3e-9a2b-3c4d5e6f7a8b-x'],
    ['a long id', 'x'.repeat(200)],
    ['an empty id', ''],
  ])('replaces %s with its own id', async (_label, given) => {
    const answer = await client.call('GET', '/payments?limit=abc', { headers: { 'x-request-id': given } });
    const problem = expectProblem(answer, 422);
    expect(problem.request_id).toMatch(OURS);
    if (given) expect(answer.text).not.toContain(given);
  });

  it('keeps hostile ids out of the logs, and every log line whole', async () => {
    // Through the whole pipeline without an HTTP parser in the way, so nothing is refused on the wire.
    const hostile = ['a"}\n{"level":60,"msg":"forged', '\u001b[31mred\u001b[0m', 'x\r\nSet-Cookie: a=b', '\\"\\u0000'];
    const before = system.logs.lines.length;
    for (const id of hostile) {
      const answer = await system.app.inject({ method: 'GET', url: '/payments?limit=abc', headers: { 'x-request-id': id } });
      expect(answer.statusCode).toBe(401);
      expect(String(answer.headers['x-request-id'])).toMatch(OURS);
      expect(answer.body).not.toContain(id);
    }
    // Over the wire, with what HTTP lets a header value hold: quotes, backslashes, braces, bytes past ASCII.
    const wireId = Buffer.from('"},{\\"msg\\":\xff', 'latin1');
    const connection = await openRaw(system.apiUrl);
    const wire = await connection.exchange(
      Buffer.concat([Buffer.from('GET /healthz HTTP/1.1\r\nHost: api\r\nX-Request-Id: '), wireId, Buffer.from('\r\n\r\n')]),
    );
    connection.close();
    expect(wire.status).toBe(200);
    expect(wire.headers['x-request-id']).toMatch(OURS);

    const lines = system.logs.lines.slice(before);
    expect(lines.length).toBeGreaterThanOrEqual(hostile.length + 1);
    for (const line of lines) {
      expect(() => JSON.parse(line)).not.toThrow();
      expect(line).not.toMatch(/forged|Set-Cookie|\\"msg/);
      expect(line).not.toContain('\u001b');
    }
    for (const line of parsedLogLines(system).slice(before)) if ('reqId' in line) expect(line.reqId).toMatch(OURS);
  });
});
