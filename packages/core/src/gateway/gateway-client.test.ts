import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { createLogger } from '../logging/logger.js';
import { createGatewayClient, parseRetryAfter, summarise } from './gateway-client.js';

describe('parseRetryAfter', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-01-01T12:00:00Z'));
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  test.each([
    ['seconds', '120', 120_000],
    ['zero seconds', '0', 0],
    ['seconds with whitespace', ' 5 ', 5_000],
    ['an HTTP date in the future', 'Thu, 01 Jan 2026 12:00:30 GMT', 30_000],
    ['an HTTP date in the past', 'Thu, 01 Jan 2026 11:00:00 GMT', 0],
    ['the first of several values', ['7', '99'], 7_000],
  ])('reads %s', (_label, header, ms) => {
    expect(parseRetryAfter(header)).toBe(ms);
  });

  test.each([
    ['absent', undefined],
    ['empty', ''],
    ['an empty list', []],
    ['garbage', 'soon'],
    ['whitespace only', '   '],
  ])('gives undefined when %s', (_label, header) => {
    expect(parseRetryAfter(header)).toBeUndefined();
  });
});

describe("summarise (the gateway's words, for logs only)", () => {
  test.each([
    [
      'masks account-like digit runs to their last four',
      '{"detail":[{"input":"12345678901"}]}',
      '{"detail":[{"input":"*******8901"}]}',
    ],
    ['keeps short numbers', 'HTTP 422 at 12:30', 'HTTP 422 at 12:30'],
    ['folds whitespace', 'a\n\n  b', 'a b'],
  ])('%s', (_name, input, expected) => {
    expect(summarise(input)).toBe(expected);
  });

  test('bounds the length', () => {
    expect(summarise('x'.repeat(10_000)).length).toBe(300);
  });
});

describe('submit deadline (a real HTTP server that answers too slowly)', () => {
  const payment = { sender_account: '111122223333', receiver_account: '444455556666', amount: 1 };
  let server: Server;
  let baseUrl: string;
  /** How the server answers: drip a valid 2xx body a byte at a time, or answer at once. */
  let mode: 'drip' | 'prompt' = 'drip';

  beforeEach(async () => {
    server = createServer((_req, res) => {
      const body = JSON.stringify({ confirmation_id: 'c-1', created_at: '2026-01-01T00:00:00Z' });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(body.length) });
      if (mode === 'prompt') return void res.end(body);
      let i = 0;
      // Every byte arrives well within the per-chunk body timeout; the whole answer does not.
      const timer = setInterval(() => {
        if (res.destroyed || i >= body.length) return void clearInterval(timer);
        res.write(body[i++]);
      }, 40);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  /** A client whose whole submit may take 300 ms; undici's per-chunk timeouts alone never fire here. */
  const clientWithDeadline = () =>
    createGatewayClient({
      baseUrl,
      submitTimeoutMs: 300,
      statusTimeoutMs: 1000,
      logger: createLogger({ name: 't', level: 'silent' }),
    });

  test('ends a submit whose answer is still arriving at the deadline: outcome unknown', async () => {
    mode = 'drip';
    const client = clientWithDeadline();
    // Without the deadline the drip completes (~2.5 s) and the submit is accepted.
    const outcome = await client.submit(payment);
    expect(outcome).toMatchObject({ kind: 'ambiguous', reason: expect.stringMatching(/broke off.*within 300 ms/) });
    await client.close();
  });

  test('accepts a prompt answer, and a later one on the same client', async () => {
    mode = 'prompt';
    const client = clientWithDeadline();
    expect(await client.submit(payment)).toMatchObject({ kind: 'accepted', confirmationId: 'c-1' });
    await new Promise((resolve) => setTimeout(resolve, 400)); // past the first submit's deadline
    expect(await client.submit(payment)).toMatchObject({ kind: 'accepted' });
    await client.close();
  });
});
