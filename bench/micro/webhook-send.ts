/**
 * The webhook sender's CPU per delivery without a database: N deliveries POSTed to a receiver in
 * a child process (the bench's, 200 to everything), CONCURRENCY at a time, by the floor's code
 * (JSON.stringify, `Webhook.sign`, undici `request`, `body.dump()`) and by ours
 * (`createWebhookSender().send`: the payload as the API returns a payment, every current secret's
 * signature, the guarded agent, the deadline and the answer's excerpt). CPU is this process's
 * (user + system), medians of ROUNDS, sides alternating.
 *
 *   [ROUNDS=5] node_modules/.bin/tsx bench/micro/webhook-send.ts [N]
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { type ClaimedDelivery, createSecretBox, createTargetPolicy, createWebhookSender, newSigningSecret } from '@pt/core';
import { Webhook } from 'standardwebhooks';
import { request } from 'undici';
import { median } from '../lib/stats.js';
import { startWebhookReceiver } from '../lib/webhook-receiver.js';

const N = Number(process.argv[2] ?? 20_000);
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const CONCURRENCY = 16;

if (process.env.RECEIVER_CHILD) {
  const receiver = await startWebhookReceiver();
  process.send?.(receiver.url);
  process.on('message', () => {
    receiver.reset();
  });
} else {
  const child = fork(new URL(import.meta.url).pathname, [], {
    env: { ...process.env, RECEIVER_CHILD: '1' },
    execArgv: process.execArgv,
  });
  const [url] = (await once(child, 'message')) as [string];
  const secret = newSigningSecret();
  const deliveries = Array.from({ length: N }, (_, i) => claimedDelivery(i + 1, url, secret));

  const sender = createWebhookSender({
    policy: createTargetPolicy({ WEBHOOK_ALLOW_HTTP: 'true', WEBHOOK_ALLOWED_CIDRS: '127.0.0.0/8' }),
    timeoutMs: 5000,
    secrets: createSecretBox([]),
  });
  const floorSigner = new Webhook(secret);
  const sides = {
    floor: async (delivery: ClaimedDelivery) => {
      const msgId = `evt_${delivery.eventId}`;
      const now = new Date();
      const body = JSON.stringify({
        type: `payment.${delivery.toStatus}`,
        timestamp: delivery.at.toISOString(),
        data: {
          event_id: msgId,
          sequence: delivery.seq,
          payment: {
            ...delivery.payment,
            status: delivery.toStatus,
            created_at: delivery.payment.created_at.toISOString(),
            ...delivery.snapshot,
          },
        },
      });
      const response = await request(url, {
        method: 'POST',
        body,
        headers: {
          'content-type': 'application/json',
          'webhook-id': msgId,
          'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
          'webhook-signature': floorSigner.sign(msgId, now, body),
        },
      });
      await response.body.dump();
    },
    ours: async (delivery: ClaimedDelivery) => {
      const result = await sender.send(delivery);
      if (!result.delivered) throw new Error(`not delivered: ${result.error}`);
    },
  };
  const cpu: Record<keyof typeof sides, number[]> = { floor: [], ours: [] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of round % 2 === 0 ? (['ours', 'floor'] as const) : (['floor', 'ours'] as const)) {
      const queue = [...deliveries];
      const before = process.cpuUsage();
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          for (let next = queue.shift(); next; next = queue.shift()) await sides[name](next);
        }),
      );
      const used = process.cpuUsage(before);
      cpu[name].push((used.user + used.system) / N);
      child.send('reset');
    }
  }
  const ours = median(cpu.ours);
  const floor = median(cpu.floor);
  console.log(
    `CPU per delivery (median of ${ROUNDS}): ours ${ours.toFixed(1)} µs, floor ${floor.toFixed(1)} µs, ${(ours / floor).toFixed(2)}x`,
  );
  await sender.close();
  child.kill();
}

function claimedDelivery(eventId: number, url: string, secret: string): ClaimedDelivery {
  const at = new Date();
  return {
    id: eventId,
    piece: null,
    attempt: 1,
    endpointId: '00000000-0000-4000-8000-000000000001',
    url,
    secrets: [secret],
    eventId,
    seq: 3,
    toStatus: 'settled',
    at,
    snapshot: {
      confirmation_id: `conf-${eventId}`,
      last_error: null,
      submitted_at: '2026-12-02T03:00:00.123456+00:00',
      resolved_at: '2026-12-02T04:00:00.123456+00:00',
      updated_at: '2026-12-02T04:00:00.123456+00:00',
      last_synced_at: '2026-12-02T04:00:00.123456+00:00',
    },
    payment: {
      id: '0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b',
      amount: '100.50',
      sender_account: '123456789012',
      receiver_account: '222222222221',
      memo: 'invoice 42',
      created_at: new Date(at.getTime() - 3_600_000),
    },
  };
}
