import type { PaymentTrackerClient, paths } from '@pt/client';
import { createSyncer, dispatchWebhooks } from '@pt/syncer';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientAnswer, expectProblem } from './expect-problem.js';
import { eventually, type System, startSystem } from './harness.js';
import { type Received, type Receiver, startReceiver } from './webhook-receiver.js';

/**
 * Webhooks end to end: endpoints registered, payments submitted, deliveries read and redeliveries
 * asked for through the typed client, as a client of the API would.
 */
type Client = PaymentTrackerClient;
type EventType = paths['/webhook-endpoints']['post']['requestBody']['content']['application/json']['event_types'][number];

const WEBHOOK_ENV = {
  WEBHOOK_ALLOW_HTTP: 'true',
  WEBHOOK_ALLOWED_CIDRS: '127.0.0.0/8,::1/128',
  WEBHOOK_INTERVAL_MS: '50',
  WEBHOOK_BASE_MS: '20',
  WEBHOOK_CAP_MS: '200',
  WEBHOOK_TIMEOUT_MS: '1000',
  WEBHOOK_DISABLE_AFTER_MS: '3000',
};
const ALL_TYPES: EventType[] = ['payment.received', 'payment.pending', 'payment.settled', 'payment.failed', 'payment.rejected'];

async function createEndpoint(client: Client, url: string, eventTypes: EventType[] = ALL_TYPES) {
  const answer = await client.POST('/webhook-endpoints', { body: { url, event_types: eventTypes } });
  expect(answer.response.status, JSON.stringify(answer.error)).toBe(201);
  if (!answer.data) throw new Error('no endpoint created');
  return answer.data;
}

const byId = (id: string) => ({ params: { path: { id } } });

/** An endpoint's delivery attempts, newest first. */
async function deliveriesOf(client: Client, endpointId: string, limit?: number) {
  const log = await client.GET('/webhook-endpoints/{id}/deliveries', {
    params: { path: { id: endpointId }, query: limit ? { limit } : {} },
  });
  expect(log.response.status).toBe(200);
  return log.data?.items ?? [];
}

/** Submits `count` payments that settle (receiver ending in 0); returns their ids. */
async function submit(client: Client, count: number, senderAccount = '11112222'): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const answer = await client.POST('/payments', {
      body: { sender_account: senderAccount, receiver_account: `3333444${i % 4}`, amount: `${i + 1}.00` },
    });
    expect(answer.response.status, JSON.stringify(answer.error)).toBe(201);
    if (answer.data) ids.push(answer.data.id);
  }
  return ids;
}

/** The sequences each payment's accepted events arrived in. */
function sequencesByPayment(received: Received[]): Map<string, number[]> {
  const byPayment = new Map<string, number[]>();
  for (const r of received) {
    const list = byPayment.get(r.json.data.payment.id) ?? [];
    list.push(r.json.data.sequence);
    byPayment.set(r.json.data.payment.id, list);
  }
  return byPayment;
}

/** Waits until every payment's received, pending and settled events were accepted. */
const allSettledArrived = (receiver: Receiver, payments: string[]) =>
  eventually(
    async () => {
      const seqs = sequencesByPayment(receiver.accepted());
      return payments.every((id) => (seqs.get(id) ?? []).includes(3)) ? seqs : undefined;
    },
    { timeoutMs: 20_000, what: 'every event to arrive' },
  );

describe('webhook delivery', () => {
  let system: System;
  let acme: Client;
  let globex: Client;

  beforeAll(async () => {
    system = await startSystem({ delaySeconds: 0.3, env: WEBHOOK_ENV });
    const acmeKey = await system.createClient('acme', false, { accounts: ['11112222'] });
    const globexKey = await system.createClient('globex');
    [acme, globex] = [system.client(acmeKey), system.client(globexKey)];
  });
  afterAll(() => system?.stop());

  it('sends each status change in order, signed so that standardwebhooks verifies it, with the payment as it was', async () => {
    const receiver = await startReceiver();
    try {
      const endpoint = await createEndpoint(acme, receiver.url);
      const payments = await submit(acme, 3);
      const seqs = await allSettledArrived(receiver, payments);
      for (const id of payments) expect(seqs.get(id)).toEqual([1, 2, 3]);
      const verifier = new Webhook(endpoint.secret);
      for (const r of receiver.accepted()) {
        const verified = verifier.verify(r.body, r.headers as Record<string, string>) as Received['json'];
        expect(verified.type).toBe(`payment.${verified.data.payment.status}`);
        expect(r.headers['webhook-id']).toBe(verified.data.event_id);
      }
      const pending = receiver.accepted().find((r) => r.json.type === 'payment.pending');
      expect(pending?.json.data.payment).toMatchObject({
        status: 'pending',
        resolved_at: null,
        confirmation_id: expect.any(String),
      });
      const tampered = receiver.accepted()[0];
      expect(() => verifier.verify(`${tampered?.body} `, tampered?.headers as Record<string, string>)).toThrow();
    } finally {
      await receiver.close();
    }
  });

  it('gets a receiver that was down everything once it recovers, in order, once each', async () => {
    let down = true;
    const receiver = await startReceiver({ answer: () => (down ? 503 : 200) });
    try {
      const endpoint = await createEndpoint(acme, receiver.url);
      const payments = await submit(acme, 3);
      await eventually(async () => (receiver.received.length >= 6 ? true : undefined), { what: 'failed attempts' });
      down = false;
      const seqs = await allSettledArrived(receiver, payments);
      for (const id of payments) expect(seqs.get(id)).toEqual([1, 2, 3]);
      const ids = receiver.accepted().map((r) => r.json.data.event_id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).toHaveLength(9);
      // the receiver answers before the dispatcher records its answer: wait for the log to catch up
      const log = await eventually(async () => {
        const attempts = await deliveriesOf(acme, endpoint.id, 100);
        return attempts.filter((a) => a.http_status === 200).length >= 9 ? attempts : undefined;
      });
      expect(log.some((a) => a.http_status === 503 && a.response_excerpt === 'receiver says no')).toBe(true);
      expect(log.filter((a) => a.http_status === 200)).toHaveLength(9);
    } finally {
      await receiver.close();
    }
  });

  it('records what a refusing receiver answered, even bytes a database text cannot hold', async () => {
    // a NUL, a byte that is not UTF-8, then more than the excerpt keeps
    const answerBody = Buffer.concat([Buffer.from('no\u0000way '), Buffer.from([0xff]), Buffer.alloc(600, 'x')]);
    let down = true;
    const receiver = await startReceiver({ answer: () => (down ? 500 : 200), body: () => (down ? answerBody : 'ok') });
    try {
      const endpoint = await createEndpoint(acme, receiver.url, ['payment.pending']);
      const [payment] = await submit(acme, 1);
      await eventually(async () => (receiver.received.length >= 2 ? true : undefined), { what: 'refused attempts' });
      down = false;
      await eventually(async () => (receiver.accepted().length > 0 ? true : undefined), { what: 'the event accepted' });
      expect(receiver.accepted().map((r) => r.json.data.payment.id)).toEqual([payment]);
      const log = await deliveriesOf(acme, endpoint.id, 100);
      const refused = log.filter((a) => a.http_status === 500);
      expect(refused.length).toBeGreaterThanOrEqual(2);
      for (const attempt of refused) {
        expect(attempt.response_excerpt).toBe(`no\uFFFDway \uFFFD${'x'.repeat(512 - 8)}`);
        expect(attempt.error).toBe('HTTP 500');
      }
    } finally {
      await receiver.close();
    }
  });

  it('signs with both secrets during a rotation overlap, and stores both sealed', async () => {
    const receiver = await startReceiver();
    try {
      const endpoint = await createEndpoint(acme, receiver.url, ['payment.pending']);
      const rotation = await acme.POST('/webhook-endpoints/{id}/rotate-secret', {
        ...byId(endpoint.id),
        body: { overlap_seconds: 600 },
      });
      const rotatedSecret = String(rotation.data?.secret);
      expect(rotatedSecret).toMatch(/^whsec_/);
      await submit(acme, 1);
      const [arrived] = await eventually(async () => (receiver.accepted().length > 0 ? receiver.accepted() : undefined));
      const headers = arrived?.headers as Record<string, string>;
      expect(headers['webhook-signature']?.split(' ')).toHaveLength(2);
      expect(() => new Webhook(endpoint.secret).verify(String(arrived?.body), headers)).not.toThrow();
      expect(() => new Webhook(rotatedSecret).verify(String(arrived?.body), headers)).not.toThrow();
      const [row] = await system.sql<Array<{ secret: string; previous_secret: string | null }>>`
        SELECT secret, previous_secret FROM webhook_endpoints WHERE id = ${endpoint.id}`;
      for (const stored of [row?.secret, row?.previous_secret]) {
        expect(stored).toMatch(/^v1\./);
        for (const shown of [endpoint.secret, rotatedSecret]) expect(stored).not.toContain(shown.slice('whsec_'.length));
      }
    } finally {
      await receiver.close();
    }
  });

  it('never follows a redirect: the attempt fails with the 3xx and the other host gets nothing', async () => {
    const elsewhere = await startReceiver();
    const redirecting = await startReceiver({ answer: () => 307 });
    try {
      const endpoint = await createEndpoint(acme, `${redirecting.url}?to=${encodeURIComponent(elsewhere.url)}`, [
        'payment.pending',
      ]);
      await submit(acme, 1);
      const attempts = await eventually(async () => {
        const log = await deliveriesOf(acme, endpoint.id);
        return log.length > 0 ? log : undefined;
      });
      expect(attempts[0]).toMatchObject({ http_status: 307, error: 'HTTP 307' });
      expect(elsewhere.received).toEqual([]);
    } finally {
      await redirecting.close();
      await elsewhere.close();
    }
  });

  it('disables an endpoint that failed for longer than WEBHOOK_DISABLE_AFTER_MS, saying why', async () => {
    const receiver = await startReceiver({ answer: () => 500 });
    try {
      const endpoint = await createEndpoint(acme, receiver.url);
      await submit(acme, 1);
      const disabled = await eventually(
        async () => {
          const read = await acme.GET('/webhook-endpoints/{id}', byId(endpoint.id));
          return read.data?.enabled === false ? read.data : undefined;
        },
        { timeoutMs: 20_000, what: 'the endpoint to be disabled' },
      );
      expect(disabled.disabled_reason).toMatch(/^every attempt failed since \S+Z; last: HTTP 500$/);
      const attempts = receiver.received.length;
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(receiver.received.length).toBe(attempts);
    } finally {
      await receiver.close();
    }
  });

  it('redelivers one event, and everything since a time, under the same webhook-id', async () => {
    const receiver = await startReceiver();
    try {
      const endpoint = await createEndpoint(acme, receiver.url, ['payment.pending']);
      const since = new Date().toISOString();
      await submit(acme, 2);
      await eventually(async () => (receiver.accepted().length === 2 ? true : undefined));
      const first = String(receiver.accepted()[0]?.json.data.event_id);
      // the document declares no body for this POST: the typed client sends none, nor a Content-Type
      const one = await acme.POST('/events/{id}/redeliver', byId(first));
      expect(one.response.status).toBe(202);
      expect(one.data?.queued).toBe(1);
      await eventually(async () => (receiver.accepted().length === 3 ? true : undefined));
      expect(receiver.accepted()[2]?.json.data.event_id).toBe(first);
      const bulk = await acme.POST('/webhook-endpoints/{id}/redeliver', { ...byId(endpoint.id), body: { since } });
      expect(bulk.data?.queued).toBe(2);
      await eventually(async () => (receiver.accepted().length === 5 ? true : undefined));
    } finally {
      await receiver.close();
    }
  });

  it("never sends one client's events to another, nor lets it redeliver them or read their log", async () => {
    const acmeReceiver = await startReceiver();
    const globexReceiver = await startReceiver();
    try {
      const acmeEndpoint = await createEndpoint(acme, acmeReceiver.url, ['payment.pending']);
      await createEndpoint(globex, globexReceiver.url, ['payment.pending']);
      await submit(acme, 2);
      await eventually(async () => (acmeReceiver.accepted().length === 2 ? true : undefined));
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(globexReceiver.received).toEqual([]);
      const acmeEvent = String(acmeReceiver.accepted()[0]?.json.data.event_id);
      expectProblem(clientAnswer(await globex.POST('/events/{id}/redeliver', byId(acmeEvent))), 404);
      expectProblem(clientAnswer(await globex.GET('/webhook-endpoints/{id}/deliveries', byId(acmeEndpoint.id))), 404);
    } finally {
      await acmeReceiver.close();
      await globexReceiver.close();
    }
  });
});

describe('webhook dispatchers', () => {
  let system: System;
  let acme: Client;

  beforeAll(async () => {
    system = await startSystem({ startSyncer: false, env: WEBHOOK_ENV });
    acme = system.client(await system.createClient('acme', false, { accounts: ['11112222'] }));
  });
  afterAll(() => system?.stop());

  it('never send one event twice at the same time, and share the work', async () => {
    const receiver = await startReceiver({ holdMs: 100 });
    try {
      await createEndpoint(acme, receiver.url);
      await submit(acme, 6);
      const [a, b] = [system.syncerDeps({ WEBHOOK_BATCH_SIZE: '2' }), system.syncerDeps({ WEBHOOK_BATCH_SIZE: '2' })];
      const sent = { a: 0, b: 0 };
      await eventually(
        async () => {
          const [ra, rb] = await Promise.all([dispatchWebhooks(a), dispatchWebhooks(b)]);
          sent.a += ra.sent;
          sent.b += rb.sent;
          return receiver.accepted().length >= 12 ? true : undefined;
        },
        { what: 'both received and pending of six payments' },
      );
      expect(receiver.maxInFlightPerEvent).toBe(1);
      const ids = receiver.received.map((r) => r.json.data.event_id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(sent.a).toBeGreaterThan(0);
      expect(sent.b).toBeGreaterThan(0);
      for (const seqs of sequencesByPayment(receiver.accepted()).values()) expect(seqs).toEqual([1, 2]);
    } finally {
      await receiver.close();
    }
  });

  it('hands back, when stopping, what a dispatcher leased and had not sent: another takes it at once', async () => {
    const receiver = await startReceiver({ holdMs: 300 });
    const stopper = system.client(await system.createClient('stopper', false, { accounts: ['77778888'] }));
    try {
      await createEndpoint(stopper, receiver.url, ['payment.received']);
      await submit(stopper, 4, '77778888');
      const stopping = new AbortController();
      const deps = system.syncerDeps({ WEBHOOK_CONCURRENCY: '1' });
      // A run fans out the events of transactions that ended before the oldest one running on the
      // server, which another test file's may hold back a moment: runs until one has sent.
      const run = (async () => {
        for (;;) {
          const result = await dispatchWebhooks(deps, stopping.signal);
          if (result.sent > 0 || stopping.signal.aborted) return result;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      })();
      await eventually(async () => (receiver.received.length > 0 ? true : undefined), { what: 'the first send' });
      stopping.abort();
      const result = await run;
      expect([result.sent, result.more]).toEqual([1, false]);
      expect(receiver.received).toHaveLength(1); // nothing sent after the stop
      // the other three are free now, not after their lease, and still at their first attempt
      const again = await system.syncerDeps().webhookDeliveries.claimDue(100, 60_000);
      const sentId = receiver.received[0]?.json.data.payment.id;
      expect(again.filter((d) => d.payment.id !== sentId).map((d) => d.attempt)).toEqual([1, 1, 1]);
    } finally {
      await receiver.close();
    }
  });

  it('goes on at once through a backlog larger than one run, rather than an interval later', async () => {
    const receiver = await startReceiver();
    const bulk = system.client(await system.createClient('bulk', false, { accounts: ['55556666'] }));
    // one delivery per batch: 22 events are more than one run's 20 batches; the next interval is 10 minutes away
    const syncer = createSyncer(
      system.syncerDeps({ WEBHOOK_BATCH_SIZE: '1', WEBHOOK_INTERVAL_MS: '600000', SYNC_INTERVAL_MS: '600000' }),
    );
    try {
      await createEndpoint(bulk, receiver.url, ['payment.received', 'payment.pending']);
      await submit(bulk, 11, '55556666');
      await syncer.start();
      await eventually(async () => (receiver.accepted().length >= 22 ? true : undefined), {
        what: 'the whole backlog, without waiting for the next interval',
      });
      expect(new Set(receiver.accepted().map((r) => r.json.data.event_id)).size).toBe(22);
    } finally {
      await syncer.stop();
      await receiver.close();
    }
  });

  it("lets a payment's later event go ahead once an earlier one gave up, the gap visible in the sequence", async () => {
    const receiver = await startReceiver({ answer: (r) => (r.json.data.sequence === 1 ? 500 : 200) });
    try {
      await createEndpoint(acme, receiver.url);
      const [payment] = await submit(acme, 1);
      const giveUpFast = system.syncerDeps({ WEBHOOK_RETRY_FOR_MS: '1000' });
      await eventually(
        async () => {
          await dispatchWebhooks(giveUpFast);
          return receiver.accepted().length > 0 ? true : undefined;
        },
        { what: 'the second event, after the first gave up' },
      );
      const failedFirst = receiver.received.filter((r) => r.json.data.sequence === 1);
      expect(failedFirst.length).toBeGreaterThan(1);
      expect(receiver.accepted().map((r) => [r.json.data.payment.id, r.json.data.sequence])).toEqual([[payment, 2]]);
      // while the first was being retried, the second never went out ahead of it
      const firstSecond = receiver.received.findIndex((r) => r.json.data.sequence === 2);
      expect(receiver.received.slice(firstSecond).every((r) => r.json.data.sequence === 2)).toBe(true);
    } finally {
      await receiver.close();
    }
  });

  it('refuses at connection time a host that resolves to a forbidden address, whatever was checked at creation', async () => {
    const receiver = await startReceiver();
    try {
      const port = new URL(receiver.url).port;
      // created while the API's allow-list permitted loopback; this dispatcher permits nothing
      const endpoint = await createEndpoint(acme, `http://localhost:${port}/hooks`, ['payment.pending']);
      await submit(acme, 1);
      const strict = system.syncerDeps({ WEBHOOK_ALLOWED_CIDRS: '' });
      const attempts = await eventually(async () => {
        await dispatchWebhooks(strict);
        const log = await deliveriesOf(acme, endpoint.id);
        return log.length > 0 ? log : undefined;
      });
      expect(attempts[0]).toMatchObject({ http_status: null, error: expect.stringContaining('forbidden address') });
      expect(receiver.received).toEqual([]);
    } finally {
      await receiver.close();
    }
  });
});
