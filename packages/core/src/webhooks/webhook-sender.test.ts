import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ClaimedDelivery } from '../db/webhook-delivery-sql.js';
import { newSigningSecret } from './events.js';
import { createSecretBox } from './secret-box.js';
import { createTargetPolicy } from './target-policy.js';
import { createWebhookSender, type WebhookSender } from './webhook-sender.js';

/**
 * The sender against real HTTP servers on loopback: what each kind of answer (and non-answer)
 * becomes in the delivery log. The dispatcher's tests cover the rest of the way.
 */

type Answer = (request: IncomingMessage, response: ServerResponse, body: string) => void;

interface TestReceiver {
  url: string;
  /** Requests received, with their bodies and headers. */
  received: Array<{ body: string; headers: IncomingMessage['headers'] }>;
  /** Connections the receiver saw opened, and closed (by either side). */
  connections: number;
  closed: number;
  answer: Answer;
  close(): Promise<void>;
}

const receivers: TestReceiver[] = [];

async function startReceiver(answer: Answer): Promise<TestReceiver> {
  const receiver: TestReceiver = { url: '', received: [], closed: 0, connections: 0, answer, close: async () => {} };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      receiver.received.push({ body, headers: request.headers });
      receiver.answer(request, response, body);
    });
  });
  server.on('connection', (socket) => {
    receiver.connections++;
    socket.on('close', () => receiver.closed++);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook?tenant=a`;
  receiver.close = async () => {
    server.closeAllConnections();
    server.close();
    await once(server, 'close');
  };
  receivers.push(receiver);
  return receiver;
}

const TIMEOUT_MS = 400;
const secret = newSigningSecret();
let sender: WebhookSender;

beforeAll(() => {
  sender = createWebhookSender({
    policy: createTargetPolicy({ WEBHOOK_ALLOW_HTTP: 'true', WEBHOOK_ALLOWED_CIDRS: '127.0.0.0/8' }),
    timeoutMs: TIMEOUT_MS,
    secrets: createSecretBox([]),
  });
});
afterAll(() => sender.close());
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((receiver) => receiver.close()));
});

let nextEventId = 1;
function delivery(url: string): ClaimedDelivery {
  const at = new Date('2026-12-02T10:00:00.000Z');
  return {
    id: null,
    piece: 1,
    attempt: 1,
    endpointId: '00000000-0000-4000-8000-000000000001',
    url,
    secrets: [secret],
    eventId: nextEventId++,
    seq: 2,
    toStatus: 'settled',
    at,
    snapshot: null,
    payment: {
      id: '0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b',
      amount: '100.50',
      sender_account: '123456789012',
      receiver_account: '222222222221',
      memo: 'invoice 42',
      created_at: new Date('2026-12-02T09:00:00.000Z'),
    },
  };
}

describe('webhook sender', () => {
  it('POSTs the signed event to the URL with its query, and records a 2xx answer as delivered', async () => {
    const receiver = await startReceiver((_request, response) => response.end('thanks'));
    const result = await sender.send(delivery(receiver.url));
    expect(result).toMatchObject({ delivered: true, httpStatus: 200, responseExcerpt: 'thanks', error: null });
    const [request] = receiver.received;
    expect(request).toBeDefined();
    const headers = request?.headers as Record<string, string>;
    const payload = new Webhook(secret).verify(request?.body ?? '', headers) as { type: string; data: { sequence: number } };
    expect(payload).toMatchObject({ type: 'payment.settled', data: { sequence: 2 } });
  });

  it('records an empty answer as no excerpt', async () => {
    const receiver = await startReceiver((_request, response) => {
      response.statusCode = 204;
      response.end();
    });
    expect(await sender.send(delivery(receiver.url))).toMatchObject({ delivered: true, httpStatus: 204, responseExcerpt: null });
  });

  it.each([
    ['with a length', false],
    ['chunked', true],
  ])('keeps the first 512 bytes of a long answer %s, and the next send still goes through', async (_how, chunked) => {
    const long = `${'a'.repeat(500)}${'b'.repeat(100_000)}`;
    const receiver = await startReceiver((request, response) => {
      response.statusCode = request.headers['webhook-id'] === 'evt_last' ? 200 : 500;
      if (chunked) {
        for (let at = 0; at < long.length; at += 1000) response.write(long.slice(at, at + 1000));
        response.end();
      } else {
        response.setHeader('content-length', Buffer.byteLength(long));
        response.end(long);
      }
    });
    const result = await sender.send(delivery(receiver.url));
    expect(result).toMatchObject({ delivered: false, httpStatus: 500, error: 'HTTP 500' });
    expect(result.responseExcerpt).toBe(long.slice(0, 512));
    const again = await sender.send(delivery(receiver.url));
    expect(again).toMatchObject({ httpStatus: 500 });
    expect(receiver.received).toHaveLength(2);
  });

  it('gives up on a receiver that never answers once the timeout has passed', async () => {
    const receiver = await startReceiver(() => {});
    const result = await sender.send(delivery(receiver.url));
    expect(result).toMatchObject({ delivered: false, httpStatus: null, responseExcerpt: null });
    expect(result.error).toContain(`no complete answer within ${TIMEOUT_MS} ms`);
    expect(result.durationMs).toBeGreaterThanOrEqual(TIMEOUT_MS - 1);
  });

  it('gives up on a receiver that answers 200 a byte at a time, closing the connection at the deadline', async () => {
    const timers: NodeJS.Timeout[] = [];
    const receiver = await startReceiver((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/plain' });
      // each byte well within the body timeout, the whole answer far past the deadline
      timers.push(setInterval(() => response.write('x'), 50));
    });
    try {
      const result = await sender.send(delivery(receiver.url));
      expect(result).toMatchObject({ delivered: false, httpStatus: null });
      expect(result.error).toContain(`no complete answer within ${TIMEOUT_MS} ms`);
      expect(result.durationMs).toBeGreaterThanOrEqual(TIMEOUT_MS - 1);
      // the dribbling connection is closed, and the POST was never sent again
      await expect.poll(() => receiver.closed >= 1 && receiver.closed === receiver.connections).toBe(true);
      expect(receiver.received).toHaveLength(1);
    } finally {
      for (const timer of timers) clearInterval(timer);
    }
  });

  it('takes the final status after an informational 1xx', async () => {
    const receiver = await startReceiver((_request, response) => {
      response.writeProcessing();
      response.end('done');
    });
    expect(await sender.send(delivery(receiver.url))).toMatchObject({
      delivered: true,
      httpStatus: 200,
      responseExcerpt: 'done',
    });
  });

  it('never follows a redirect: the 3xx is the answer', async () => {
    const elsewhere = await startReceiver((_request, response) => response.end('should not get this'));
    const receiver = await startReceiver((_request, response) => {
      response.writeHead(307, { location: elsewhere.url });
      response.end();
    });
    expect(await sender.send(delivery(receiver.url))).toMatchObject({ delivered: false, httpStatus: 307, error: 'HTTP 307' });
    expect(elsewhere.received).toHaveLength(0);
  });

  it('records a connection the receiver drops after reading the request as an error, not a delivery', async () => {
    const receiver = await startReceiver((request) => request.socket.destroy());
    const result = await sender.send(delivery(receiver.url));
    expect(result).toMatchObject({ delivered: false, httpStatus: null });
    expect(result.error).toBeTruthy();
    expect(receiver.received).toHaveLength(1);
  });

  it('records a refused connection as an error', async () => {
    const receiver = await startReceiver(() => {});
    const url = receiver.url;
    await receiver.close();
    receivers.splice(receivers.indexOf(receiver), 1);
    const result = await sender.send(delivery(url));
    expect(result).toMatchObject({ delivered: false, httpStatus: null });
    expect(result.error).toContain('ECONNREFUSED');
  });

  it('refuses a literal address the policy forbids without connecting to it', async () => {
    const strict = createWebhookSender({
      policy: createTargetPolicy({ WEBHOOK_ALLOW_HTTP: 'true', WEBHOOK_ALLOWED_CIDRS: '' }),
      timeoutMs: TIMEOUT_MS,
      secrets: createSecretBox([]),
    });
    try {
      const receiver = await startReceiver((_request, response) => response.end('ok'));
      const result = await strict.send(delivery(receiver.url));
      expect(result).toMatchObject({ delivered: false, httpStatus: null });
      expect(result.error).toMatch(/^refused/);
      expect(receiver.received).toHaveLength(0);
    } finally {
      await strict.close();
    }
  });
});
