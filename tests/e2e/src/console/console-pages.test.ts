import type { PaymentResponse } from '@pt/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POST_PAYMENT_SENDER, postPayment, setFaults, uniqueMemo } from '../delivery-helpers.js';
import { eventually, type System, startSystem } from '../harness.js';
import { type Receiver, startReceiver } from '../webhook-receiver.js';
import { consoleAgent } from './console-agent.js';

type Agent = ReturnType<typeof consoleAgent>;

/** The rows of the page's first table body, each as its cells' text. */
function rowsOf(page: string): string[] {
  const body = /<tbody>([\s\S]*?)<\/tbody>/.exec(page)?.[1] ?? '';
  return [...body.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((m) =>
    (m[1] ?? '')
      .replace(/<[^>]+>/g, ' ')
      .replace(/\s+/g, ' ')
      .trim(),
  );
}

/** The console's pages over HTTP: what each screen lists. Its flows in a browser: console-browser.test.ts. */
describe('/console pages', () => {
  describe('Payments', () => {
    let system: System;
    let receiver: Receiver;
    let agent: Agent;
    let created: PaymentResponse[];

    beforeAll(async () => {
      system = await startSystem({
        delaySeconds: 0.3,
        env: { WEBHOOK_ALLOW_HTTP: 'true', WEBHOOK_ALLOWED_CIDRS: '127.0.0.0/8,::1/128', WEBHOOK_INTERVAL_MS: '50' },
      });
      const acme = system.as(await system.createClient('acme', false, { accounts: [POST_PAYMENT_SENDER] }));
      receiver = await startReceiver();
      const endpoint = await acme.post('/webhook-endpoints', {
        url: receiver.url,
        event_types: ['payment.pending', 'payment.settled'],
      });
      expect(endpoint.status).toBe(201);
      created = [];
      for (let i = 0; i < 3; i++) created.push((await postPayment(acme, uniqueMemo(`paged ${i}`), 0)).body as PaymentResponse);
      // the receiver answers before the dispatcher records its answer: wait for the record
      await eventually(
        async () => {
          const [row] = await system.sql<Array<{ delivered: number }>>`
            SELECT count(*)::int AS delivered FROM webhook_deliveries
            WHERE endpoint_id = ${String((endpoint.body as { id: string }).id)} AND state = 'delivered'`;
          return receiver.accepted().length >= 6 && row?.delivered === 6 ? true : undefined;
        },
        { what: 'pending and settled delivered, and recorded' },
      );
      agent = consoleAgent(system.apiUrl);
      await agent.signIn(await system.createClient('ops', true));
    });
    afterAll(async () => {
      await receiver?.close();
      await system?.stop();
    });

    it('pages through every client’s payments newest first, the filter kept on the next page', async () => {
      const first = await agent.get('/console/payments?status=settled&limit=2');
      expect(first.status).toBe(200);
      const [newest, middle, oldest] = [...created].reverse().map((p) => p.id);
      expect(rowsOf(first.text).map((row) => row.split(' ')[0])).toEqual([newest, middle]);
      const next = /<a class="button secondary" rel="next" href="([^"]+)"/.exec(first.text)?.[1]?.replaceAll('&amp;', '&');
      expect(next).toMatch(/status=settled/);
      const second = await agent.get(next ?? '');
      expect(rowsOf(second.text).map((row) => row.split(' ')[0])).toEqual([oldest]);
      expect(second.text).not.toContain('rel="next"');
      const none = await agent.get('/console/payments?status=failed');
      expect(none.text).toContain('No payment matches.');
    });

    it("searches with GET /payments' filters, each a field of the form that shows it as typed", async () => {
      const memo = created[1]?.memo ?? '';
      const byMemo = await agent.get(`/console/payments?memo=${encodeURIComponent(memo)}&amount_min=12.34&amount_max=12.34`);
      expect(byMemo.status).toBe(200);
      expect(rowsOf(byMemo.text).map((row) => row.split(' ')[0])).toEqual([created[1]?.id]);
      for (const name of ['created_from', 'created_to', 'amount_min', 'amount_max', 'sender_account', 'receiver_account', 'memo'])
        expect(byMemo.text).toContain(`name="${name}"`);
      expect(byMemo.text).toContain('value="12.34"');
      const above = await agent.get('/console/payments?amount_min=12.35');
      expect(above.text).toContain('No payment matches.');
      expect(above.text).toContain('value="12.35"');
    });

    it('jumps to a payment id, and refuses a cursor it did not make, naming it', async () => {
      const jump = await agent.get(`/console/payments?id=${created[0]?.id}&status=`);
      expect(jump.status).toBe(303);
      expect(jump.location).toBe(`/console/payments/${created[0]?.id}`);
      const bad = await agent.get('/console/payments?cursor=bm90LWEtdXVpZA');
      expect(bad.status).toBe(422);
      expect(bad.text).toContain('query.cursor');
    });

    it("shows a payment's history and its webhook deliveries", async () => {
      const page = await agent.get(`/console/payments/${created[0]?.id}`);
      expect(page.status).toBe(200);
      const history = page.text.slice(page.text.indexOf('<h2>History'), page.text.indexOf('<h2>Webhook deliveries'));
      expect(rowsOf(history).map((row) => row.replace(/^\S+ \S+ /, ''))).toEqual([
        '— received api',
        'received pending api',
        'pending settled syncer',
      ]);
      const deliveries = rowsOf(page.text.slice(page.text.indexOf('<h2>Webhook deliveries')));
      expect(deliveries).toHaveLength(2);
      expect(deliveries[0]).toMatch(new RegExp(`^#2 payment.pending ${receiver.url} delivered 1 `));
      expect(deliveries[1]).toMatch(new RegExp(`^#3 payment.settled ${receiver.url} delivered 1 `));
      expect((await agent.get('/console/payments/01a23480-1270-7f0b-a1bd-18d7e5ad8417')).status).toBe(404);
    });
  });

  describe('Needs attention', () => {
    let system: System;
    let agent: Agent;

    beforeAll(async () => {
      system = await startSystem({
        startSyncer: false,
        env: { ADMIN_STALE_PENDING_MS: '1000', ADMIN_STUCK_RECEIVED_MS: '1000' },
      });
      agent = consoleAgent(system.apiUrl);
      await agent.signIn(await system.createClient('ops', true));
    });
    afterAll(() => system?.stop());

    it('lists payments pending too long, waiting in received, and no longer listed by the gateway', async () => {
      const acme = system.as(await system.createClient('acme', false, { accounts: [POST_PAYMENT_SENDER] }));
      const pending = (await postPayment(acme, uniqueMemo('stale'), 1)).body as PaymentResponse;
      const missing = (await postPayment(acme, uniqueMemo('missing'), 1)).body as PaymentResponse;
      await setFaults(system, { submit: [{ kind: 'rate_limit', count: 1 }] });
      const queued = await postPayment(acme, uniqueMemo('queued'), 1);
      expect(queued.status).toBe(202); // the gateway said 429: it stays received, and no syncer runs
      // What a complete list without this entry leaves behind (the syncer's own tests make it for real).
      await system.sql`UPDATE payments SET gateway_missing_since = now() WHERE id = ${missing.id}`;

      const sections = await eventually(
        async () => {
          const page = await agent.get('/console');
          const text = page.text;
          const section = (id: string) =>
            text.slice(text.indexOf(`<h2 id="${id}">`), text.indexOf('<h2', text.indexOf(`<h2 id="${id}">`) + 1));
          const found = { stale: section('stale'), received: section('received'), missing: section('missing') };
          return found.received.includes(queued.body.id) && found.stale.includes(pending.id) ? found : undefined;
        },
        { what: 'the thresholds to pass' },
      );
      expect(sections.missing).toContain(missing.id);
      expect(sections.received).toMatch(/<td>1<\/td>/); // one attempt
    });
  });
});
