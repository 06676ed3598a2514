import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem } from './expect-problem.js';
import { type System, startSystem } from './harness.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Every raw connection a test opened, destroyed after it (an open one would hold the API's close). */
const opened: net.Socket[] = [];

/** A raw TCP connection to an API, recording what it answers and whether the server closed it. */
async function rawConnection(apiUrl: string) {
  const { hostname, port } = new URL(apiUrl);
  const socket = net.connect(Number(port), hostname);
  opened.push(socket);
  let received = '';
  let closed = false;
  socket.on('data', (chunk: Buffer) => {
    received += chunk.toString('latin1');
  });
  socket.on('error', () => {}); // a reset is a way of being closed, too
  const closing = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.once('close', () => {
    closed = true;
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return {
    socket,
    received: () => received,
    closed: () => closed,
    /** Whether the server closed it within `ms`. */
    closedWithin: (ms: number) => Promise.race([closing.then(() => true), sleep(ms).then(() => false)]),
  };
}

describe('server timeouts and the connection cap', () => {
  let system: System;

  beforeAll(async () => {
    system = await startSystem({ startSyncer: false });
  });
  afterEach(() => {
    for (const socket of opened.splice(0)) socket.destroy();
  });
  afterAll(() => system?.stop());

  it('cuts off a client that sends its headers too slowly (408), however steadily it trickles', async () => {
    const api = await system.startApi({ API_HEADERS_TIMEOUT_MS: '1000', API_REQUEST_TIMEOUT_MS: '5000' });
    const connection = await rawConnection(api.url);
    connection.socket.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\n');
    const trickle = setInterval(() => {
      if (!connection.closed()) connection.socket.write('X-Slow: a\r\n');
    }, 200);
    try {
      expect(await connection.closedWithin(10_000)).toBe(true);
    } finally {
      clearInterval(trickle);
    }
    expect(connection.received()).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('closes an idle keep-alive connection after API_KEEP_ALIVE_TIMEOUT_MS', async () => {
    const api = await system.startApi({ API_KEEP_ALIVE_TIMEOUT_MS: '1000' });
    const connection = await rawConnection(api.url);
    connection.socket.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n');
    expect(await connection.closedWithin(10_000)).toBe(true);
    expect(connection.received()).toMatch(/^HTTP\/1\.1 200 /);
  });

  it('refuses connections past API_MAX_CONNECTIONS, and takes new ones once some close', async () => {
    const api = await system.startApi({ API_MAX_CONNECTIONS: '2' });
    const held = [await rawConnection(api.url), await rawConnection(api.url)];
    const third = await rawConnection(api.url);
    expect(await third.closedWithin(5000)).toBe(true);
    expect(third.received()).toBe('');

    for (const connection of held) connection.socket.destroy();
    await sleep(100);
    const fourth = await rawConnection(api.url);
    fourth.socket.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
    expect(await fourth.closedWithin(5000)).toBe(true);
    expect(fourth.received()).toMatch(/^HTTP\/1\.1 200 /);
  });
});

describe('Postgres timeouts on the app’s sessions', () => {
  let system: System;

  beforeAll(async () => {
    system = await startSystem({
      startSyncer: false,
      env: { DB_STATEMENT_TIMEOUT_MS: '500', DB_IDLE_IN_TRANSACTION_TIMEOUT_MS: '500' },
    });
  });
  afterAll(() => system?.stop());

  it('cancels a statement past DB_STATEMENT_TIMEOUT_MS on the API’s pool', async () => {
    await expect(system.apiDeps.sql`SELECT pg_sleep(3)`).rejects.toMatchObject({ code: '57014' });
    expect(await system.apiDeps.sql`SELECT 1 AS one`).toEqual([{ one: 1 }]); // the pool goes on
  });

  it('answers 503 problem+json with Retry-After when a read runs past it, never a 500 or a hang', async () => {
    const key = await system.createClient('waits-on-a-lock');
    // The test holds a lock the API's read must wait for; the statement timeout ends the wait.
    const answer = await system.sql.begin(async (tx) => {
      await tx`LOCK TABLE payments IN ACCESS EXCLUSIVE MODE`;
      return Promise.race([system.as(key).get('/payments'), sleep(10_000).then(() => null)]);
    });
    if (!answer) throw new Error('GET /payments did not answer while the table was locked');
    expectProblem(answer, 503);
    expect(Number(answer.headers['retry-after'])).toBeGreaterThan(0);
    expect((await system.as(key).get('/payments')).status).toBe(200);
  });

  it('ends a session left idle in a transaction past DB_IDLE_IN_TRANSACTION_TIMEOUT_MS', async () => {
    const idle = system.apiDeps.sql.begin(async (tx) => {
      await tx`SELECT 1`;
      await sleep(1500);
      await tx`SELECT 1`;
    });
    await expect(idle).rejects.toThrow();
    expect(await system.apiDeps.sql`SELECT 1 AS one`).toEqual([{ one: 1 }]);
  });
});
