import { randomUUID } from 'node:crypto';
import { createServer, type Server, Socket } from 'node:net';
import { buildApp, createApiDeps, loadApiConfig } from '@pt/api';
import { createLogger, type PaymentResponse } from '@pt/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem } from '../expect-problem.js';
import { type System, startSystem } from '../harness.js';
import { type App, inject } from '../inject.js';
import { openRaw } from '../raw-http.js';
import { appWithoutDatabase, type Client, closeApp, startWithAcme } from './fixtures.js';

/**
 * Error answers that no single route owns: unknown routes, wrong methods, request ids, and every
 * route while the database is away. Their security counterpart: every-route-security.test.ts.
 */

/** Our own request ids: eight characters of the process, a dash, a counter in base 36. */
const OUR_REQUEST_ID = /^[\w-]{8}-[0-9a-z]+$/;

/** Every captured log line, each of which must be one whole JSON object. */
function parsedLogLines(system: System): Array<Record<string, unknown>> {
  return system.logs.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
}

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

describe('every route', () => {
  describe('errors', () => {
    describe('protocol-level errors are problem+json', () => {
      let system: System;
      let client: Client;
      let anonymous: Client;

      beforeAll(async () => {
        ({ system, client } = await startWithAcme({ env: { BODY_LIMIT_BYTES: '2048' } }));
        anonymous = system.as(null);
      });
      afterAll(() => system?.stop());

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

      it('keeps a client’s UUID as the request id: in the header, the problem and the log line', async () => {
        const id = randomUUID();
        const answer = await client.call('GET', '/payments?limit=abc', { headers: { 'x-request-id': id } });
        expect(expectProblem(answer, 422).request_id).toBe(id);
        expect(parsedLogLines(system).filter((line) => line.reqId === id)).toEqual([
          expect.objectContaining({ msg: 'request completed', statusCode: 422 }),
        ]);
      });

      it('never takes one of its own request ids from a client: ours are sequential, so the next is guessable', async () => {
        const ours = String((await client.get('/payments')).headers['x-request-id']);
        expect(ours).toMatch(OUR_REQUEST_ID);
        const [tag, counter] = [ours.slice(0, 8), Number.parseInt(ours.slice(9), 36)];
        for (const guessed of [ours, `${tag}-${(counter + 1).toString(36)}`, `${tag}-${(counter + 2).toString(36)}`]) {
          const answer = await client.get('/payments', { 'x-request-id': guessed });
          expect(answer.headers['x-request-id']).not.toBe(guessed);
          expect(answer.headers['x-request-id']).toMatch(OUR_REQUEST_ID);
        }
      });

      it.each([
        ['free text', 'trace-abc.123'],
        ['a UUID without dashes', '0192f4f5c1a27c3e9a2b3c4d5e6f7a8b'],
        ['a UUID in braces', '{0192f4f5-c1a2-7c3e-9a2b-3c4d5e6f7a8b}'],
        ['a UUID with more after it', '0192f4f5-c1a2-7c3e-9a2b-3c4d5e6f7a8b-x'],
        ['a long id', 'x'.repeat(200)],
        ['an empty id', ''],
      ])('replaces a client request id that is %s with its own', async (_, given) => {
        const answer = await client.call('GET', '/payments?limit=abc', { headers: { 'x-request-id': given } });
        const problem = expectProblem(answer, 422);
        expect(problem.request_id).toMatch(OUR_REQUEST_ID);
        if (given) expect(answer.text).not.toContain(given);
      });

      it('keeps hostile request ids out of the logs, and every log line whole', async () => {
        // Through the whole pipeline without an HTTP parser in the way, so nothing is refused on the wire.
        const hostile = ['a"}\n{"level":60,"msg":"forged', '\u001b[31mred\u001b[0m', 'x\r\nSet-Cookie: a=b', '\\"\\u0000'];
        const before = system.logs.lines.length;
        for (const id of hostile) {
          const answer = await system.app.inject({ method: 'GET', url: '/payments?limit=abc', headers: { 'x-request-id': id } });
          expect(answer.statusCode).toBe(401);
          expect(String(answer.headers['x-request-id'])).toMatch(OUR_REQUEST_ID);
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
        expect(wire.headers['x-request-id']).toMatch(OUR_REQUEST_ID);

        const lines = system.logs.lines.slice(before);
        expect(lines.length).toBeGreaterThanOrEqual(hostile.length + 1);
        for (const line of lines) {
          expect(() => JSON.parse(line)).not.toThrow();
          expect(line).not.toMatch(/forged|Set-Cookie|\\"msg/);
          expect(line).not.toContain('\u001b');
        }
        for (const line of parsedLogLines(system).slice(before)) if ('reqId' in line) expect(line.reqId).toMatch(OUR_REQUEST_ID);
      });
    });

    describe('when the database is unreachable from the start', () => {
      let app: App;

      beforeAll(async () => {
        app = await appWithoutDatabase();
      });
      afterAll(() => closeApp(app));

      const key = `Bearer pt_${'a'.repeat(12)}_${'b'.repeat(43)}`;

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
        app = await appWithoutDatabase(`postgres://nobody:secret@127.0.0.1:${port}/none`);
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

    describe('when the database goes away while the API runs', () => {
      let system: System;
      let app: App;
      let proxy: Awaited<ReturnType<typeof startCuttableProxy>>;
      let key: string;
      let payment: PaymentResponse;

      beforeAll(async () => {
        system = await startSystem({ startSyncer: false });
        key = await system.createClient('acme', false, { accounts: ['11112222'] });
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
  });
});
