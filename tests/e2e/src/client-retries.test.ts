import { createPaymentTrackerClient, type RetryInfo } from '@pt/client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { expectProblem, headersOf } from './expect-problem.js';
import { type System, startSystem } from './harness.js';
import { type LossyProxy, startLossyProxy } from './lossy-proxy.js';

/**
 * The typed client's retries (packages/client) against the real API and gateway-mock: answers
 * lost on the network after the API acted, keys still in flight, rate limits and outages. The
 * policy itself, case by case: packages/client/src/retry-policy.test.ts.
 */

type MockStats = { submits_received: number };

const SENDER = '11112222';
const payment = (memo: string) => ({ sender_account: SENDER, receiver_account: '33334440', amount: '12.30', memo });

let system: System;
let apiKey: string;
let proxy: LossyProxy;

beforeAll(async () => {
  // webhook endpoints on this machine, for the POST that has no Idempotency-Key support
  system = await startSystem({ startSyncer: false, env: { WEBHOOK_ALLOW_HTTP: 'true', WEBHOOK_ALLOWED_CIDRS: '127.0.0.0/8' } });
  apiKey = await system.createClient('retrying-client', false, { accounts: [SENDER] });
  proxy = await startLossyProxy(system.apiUrl);
});
afterAll(async () => {
  await proxy?.close();
  await system?.stop();
});
beforeEach(() => putSubmitFaults([]));

async function putSubmitFaults(submit: unknown[]) {
  const answer = await fetch(`${system.mock.url}/__mock/faults`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ submit }),
  });
  expect(answer.status).toBe(200);
}

async function submissions(): Promise<number> {
  return ((await (await fetch(`${system.mock.url}/__mock/stats`)).json()) as MockStats).submits_received;
}

/** A client through the lossy proxy that records its retries; short backoff so the tests stay quick. */
function clientThroughProxy(key: string | null = apiKey, retries = 4) {
  const retried: RetryInfo[] = [];
  const client = createPaymentTrackerClient({
    baseUrl: proxy.url,
    apiKey: key,
    retry: { retries, baseDelayMs: 20, maxDelayMs: 3000 },
    onRetry: (info) => retried.push(info),
  });
  return { client, retried };
}

async function paymentsWithMemo(memo: string): Promise<number> {
  const [row] = await system.sql<{ count: number }[]>`SELECT count(*)::int AS count FROM payments WHERE memo = ${memo}`;
  return row?.count ?? 0;
}

describe('POST /payments through the typed client', () => {
  it('the answer is lost after the API acted: the retry with the same key returns the same payment, sent to the gateway once', async () => {
    const { client, retried } = clientThroughProxy();
    const before = await submissions();
    proxy.loseAnswers(1);

    const { data, response } = await client.POST('/payments', { body: payment('lost answer') });

    expect(response.status).toBe(201);
    expect(response.headers.get('idempotent-replayed')).toBe('true');
    expect(retried.map((r) => r.reason)).toEqual(['network-error']);
    expect(await paymentsWithMemo('lost answer')).toBe(1);
    expect(await submissions()).toBe(before + 1);
    // the key the client made up is the one the API stored for that payment
    const [stored] = await system.sql<{ key: string }[]>`SELECT key FROM idempotency_keys WHERE payment_id = ${data?.id ?? ''}`;
    expect(stored?.key).toBe(retried[0]?.idempotencyKey);
    expect(stored?.key).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('cut while the API still waits on the gateway: 409 in progress, Retry-After honoured, then the same payment', async () => {
    await putSubmitFaults([{ kind: 'latency', latency_ms: 700 }]);
    const { client, retried } = clientThroughProxy();
    const before = await submissions();
    proxy.loseAnswers(1, 100);

    const { data, response } = await client.POST('/payments', { body: payment('cut in flight') });

    expect(response.status).toBe(201);
    expect(data?.status).toBe('pending');
    expect(retried.map((r) => r.reason)).toEqual(['network-error', 409]);
    // the 409's Retry-After: 1 was waited for, whatever the jitter drew
    expect(retried[1]?.delayMs).toBeGreaterThanOrEqual(1000);
    expect(new Set(retried.map((r) => r.idempotencyKey)).size).toBe(1);
    expect(await paymentsWithMemo('cut in flight')).toBe(1);
    expect(await submissions()).toBe(before + 1);
  });

  it("uses the caller's own Idempotency-Key, and a second call with it replays the first", async () => {
    const { client } = clientThroughProxy();
    const key = `mine-${Date.now()}`;
    const first = await client.POST('/payments', { body: payment('own key'), params: { header: { 'idempotency-key': key } } });
    const again = await client.POST('/payments', { body: payment('own key'), params: { header: { 'idempotency-key': key } } });
    expect(first.response.status).toBe(201);
    expect(again.response.headers.get('idempotent-replayed')).toBe('true');
    expect(again.data?.id).toBe(first.data?.id);
    expect(await paymentsWithMemo('own key')).toBe(1);
  });

  it('gives every POST its own key: two calls with the same body are two payments', async () => {
    const { client } = clientThroughProxy();
    const a = await client.POST('/payments', { body: payment('two calls') });
    const b = await client.POST('/payments', { body: payment('two calls') });
    expect(b.data?.id).not.toBe(a.data?.id);
    expect(await paymentsWithMemo('two calls')).toBe(2);
  });

  it('never retries a 4xx such as 422 or 403: one request, the problem returned', async () => {
    const { client, retried } = clientThroughProxy();
    const seen = proxy.requests.length;
    const invalid = await client.POST('/payments', {
      // deliberately wrong at run time: the server's answer is what is under test
      body: { sender_account: 'x', receiver_account: '33334440', amount: '-1' },
    });
    expect(invalid.response.status).toBe(422);
    expect(invalid.error?.type).toBe('/problems/validation-error');
    const foreign = await client.POST('/payments', { body: { ...payment('foreign'), sender_account: '99998888' } });
    expect(foreign.response.status).toBe(403);
    expect(retried).toEqual([]);
    expect(proxy.requests.length - seen).toBe(2);
  });
});

describe('reads and other writes through the typed client', () => {
  it('a read whose answer is lost is read again', async () => {
    const { client, retried } = clientThroughProxy();
    const created = await client.POST('/payments', { body: payment('read me') });
    proxy.loseAnswers(1);
    const read = await client.GET('/payments/{id}', { params: { path: { id: created.data?.id ?? '' } } });
    expect(read.data?.memo).toBe('read me');
    expect(retried.map((r) => r.reason)).toEqual(['network-error']);
  });

  it('a POST to a route without Idempotency-Key support is not sent again after a lost answer', async () => {
    const { client, retried } = clientThroughProxy();
    const seen = proxy.requests.length;
    proxy.loseAnswers(1);
    await expect(
      client.POST('/webhook-endpoints', { body: { url: 'http://127.0.0.1:9/once', event_types: ['payment.settled'] } }),
    ).rejects.toThrow();
    expect(retried).toEqual([]);
    expect(proxy.requests.length - seen).toBe(1);
    const [row] = await system.sql<{ count: number }[]>`
      SELECT count(*)::int AS count FROM webhook_endpoints WHERE url = 'http://127.0.0.1:9/once'`;
    expect(row?.count).toBe(1);
  });

  it('429: waits Retry-After and sends it again', async () => {
    const limited = await system.startApi({ RATE_LIMIT_MAX: '2', RATE_LIMIT_WINDOW_MS: '1000' });
    const retried: RetryInfo[] = [];
    const client = createPaymentTrackerClient({
      baseUrl: limited.url,
      apiKey,
      retry: { retries: 4, baseDelayMs: 20, maxDelayMs: 3000 },
      onRetry: (info) => retried.push(info),
    });
    const answers = [];
    for (let i = 0; i < 3; i++)
      answers.push((await client.GET('/payments', { params: { query: { limit: 1 } } })).response.status);
    expect(answers).toEqual([200, 200, 200]);
    expect(retried.map((r) => r.reason)).toEqual([429]);
    expect(retried[0]?.delayMs).toBeGreaterThanOrEqual(1000);
  });
});

describe('while the database is down', () => {
  let down: System;
  beforeAll(async () => {
    down = await startSystem({ startSyncer: false, proxyDatabase: true });
  });
  afterAll(() => down?.stop());

  it('a read answered 503 is sent again after Retry-After, and when retries run out the last problem is returned', async () => {
    const retried: RetryInfo[] = [];
    const client = createPaymentTrackerClient({
      baseUrl: down.apiUrl,
      apiKey: null,
      retry: { retries: 2, baseDelayMs: 20, maxDelayMs: 3000 },
      onRetry: (info) => retried.push(info),
    });
    expect((await client.GET('/readyz')).response.status).toBe(200);
    down.dbProxy?.cut();
    const ready = await client.GET('/readyz');
    expect(ready.response.status).toBe(503);
    expect(ready.error?.type).toBe('/problems/service-unavailable');
    expect(retried.map((r) => r.reason)).toEqual([503, 503]);
    // Retry-After: 1 was waited for each time
    expect(retried.every((r) => r.delayMs >= 1000)).toBe(true);

    down.dbProxy?.restore();
    retried.length = 0;
    expect((await client.GET('/readyz')).response.status).toBe(200);
  });
});

describe('the problems it returns', () => {
  it('are the API’s problem+json, typed', async () => {
    const { client } = clientThroughProxy(null);
    const { error, response } = await client.GET('/payments', {});
    expect(response.status).toBe(401);
    const raw = {
      status: response.status,
      headers: headersOf(response),
      body: error,
      text: JSON.stringify(error),
    };
    expect(expectProblem(raw, 401).type).toBe('/problems/unauthorized');
  });
});
