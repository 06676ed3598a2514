import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProblemBody } from '../expect-problem.js';
import { type System, startSystem } from '../harness.js';
import { openRaw, type RawAnswer, rawExchange } from '../raw-http.js';

/**
 * What Node's HTTP parser refuses never reaches Fastify's routes, hooks or error handler; it is
 * answered problem+json all the same. Sent over a raw socket: no HTTP client sends such bytes.
 * The other errors no single route owns: every-route.test.ts.
 */
describe('every route', () => {
  describe('errors', () => {
    describe('errors raised before routing are problem+json', () => {
      let system: System;

      beforeAll(async () => {
        system = await startSystem({ startSyncer: false });
      });
      afterAll(() => system?.stop());

      function expectRawProblem(answer: RawAnswer, status: number, type: string): ProblemBody {
        expect(answer.status, answer.body).toBe(status);
        expect(answer.headers['content-type']).toBe('application/problem+json');
        const problem = JSON.parse(answer.body) as ProblemBody;
        expect(problem).toEqual({
          type: `/problems/${type}`,
          title: answer.reason,
          status,
          detail: expect.any(String),
          request_id: answer.headers['x-request-id'],
        });
        expect(problem.request_id).toMatch(/^[\w-]{8}-[0-9a-z]+$/);
        expect(answer.headers).toMatchObject({ 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
        // After a parse error the rest of the stream cannot be read as requests.
        expect(answer.closed).toBe(true);
        return problem;
      }

      it('answers 431 to an oversized header block, and logs neither the header nor the key in it', async () => {
        const secret = `pt_${'S'.repeat(12)}_${'K'.repeat(20_000)}`;
        const answer = await rawExchange(
          system.apiUrl,
          `GET /payments HTTP/1.1\r\nHost: api\r\nAuthorization: Bearer ${secret}\r\n\r\n`,
        );
        const problem = expectRawProblem(answer, 431, 'headers-too-large');
        expect(answer.reason).toBe('Request Header Fields Too Large');

        const line = system.logs.lines
          .map((l) => JSON.parse(l) as Record<string, unknown>)
          .find((l) => l.reqId === problem.request_id);
        expect(line).toMatchObject({ msg: 'request refused before routing', statusCode: 431, code: 'HPE_HEADER_OVERFLOW' });
        expect(system.logs.text()).not.toContain('KKKKKKKKKKKKKKKK');
      });

      it.each([
        ['a request line that is not one', 'GARBAGE\r\n\r\n'],
        ['a method with a space', 'GE T /payments HTTP/1.1\r\nHost: api\r\n\r\n'],
        ['an unknown HTTP version', 'GET /payments HTTP/7.0\r\nHost: api\r\n\r\n'],
        ['a target with a space', 'GET /pay ments HTTP/1.1\r\nHost: api\r\n\r\n'],
      ])('answers 400 to a malformed request line: %s', async (_label, request) => {
        const problem = expectRawProblem(await rawExchange(system.apiUrl, request), 400, 'bad-request');
        expect(problem.detail).toMatch(/^The request line is malformed/);
      });

      it.each([
        ['a Content-Length that is not a number', 'Content-Length: abc\r\n', /^Content-Length is malformed/],
        ['a negative Content-Length', 'Content-Length: -1\r\n', /^Content-Length is malformed/],
        ['two different Content-Lengths', 'Content-Length: 2\r\nContent-Length: 20\r\n', /^Content-Length is malformed/],
        ['the same Content-Length twice', 'Content-Length: 2\r\nContent-Length: 2\r\n', /^Content-Length is malformed/],
        [
          'a Content-Length with chunked Transfer-Encoding',
          'Content-Length: 2\r\nTransfer-Encoding: chunked\r\n',
          /^Transfer-Encoding is malformed, or sent with a Content-Length/,
        ],
        ['an escape character in a header value', 'X-Request-Id: a\u001b[31m\r\n', /^A header name or value/],
      ])('answers 400 to %s', async (_label, headers, detail) => {
        const request = `POST /payments HTTP/1.1\r\nHost: api\r\nContent-Type: application/json\r\n${headers}\r\n{}`;
        const problem = expectRawProblem(await rawExchange(system.apiUrl, request), 400, 'bad-request');
        expect(problem.detail).toMatch(detail);
      });

      it('answers 408 to a request whose headers do not arrive in time', async () => {
        const api = await system.startApi({ API_HEADERS_TIMEOUT_MS: '1000', API_REQUEST_TIMEOUT_MS: '5000' });
        const connection = await openRaw(api.url);
        try {
          // The header block never ends.
          const answer = await connection.exchange('GET /healthz HTTP/1.1\r\nHost: api\r\n', 10_000);
          expectRawProblem({ ...answer, closed: await connection.closedByServer() }, 408, 'request-timeout');
        } finally {
          connection.close();
        }
      });

      it('answers a malformed request on a connection that already carried one', async () => {
        const connection = await openRaw(system.apiUrl);
        try {
          const first = await connection.exchange('GET /healthz HTTP/1.1\r\nHost: api\r\n\r\n');
          expect(first.status).toBe(200);
          const second = await connection.exchange('GARBAGE\r\n\r\n');
          expectRawProblem({ ...second, closed: await connection.closedByServer() }, 400, 'bad-request');
        } finally {
          connection.close();
        }
      });
    });
  });
});
