import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type SqlClient, WEBHOOK_EVENT_TYPES, webhookIdOf } from '@pt/core';
import { Webhook } from 'standardwebhooks';

/** The dispatcher's settings in the chaos test: short timeout and backoff, so retries happen within it. */
export const CHAOS_WEBHOOK_TIMEOUT_MS = 1000;
export const CHAOS_WEBHOOK_ENV = {
  // The allow-list the webhook tests use: plain http to a receiver on this machine.
  WEBHOOK_ALLOW_HTTP: 'true',
  WEBHOOK_ALLOWED_CIDRS: '127.0.0.0/8,::1/128',
  WEBHOOK_INTERVAL_MS: '100',
  WEBHOOK_BASE_MS: '20',
  WEBHOOK_CAP_MS: '300',
  WEBHOOK_TIMEOUT_MS: String(CHAOS_WEBHOOK_TIMEOUT_MS),
};
export const ALL_EVENT_TYPES = [...WEBHOOK_EVENT_TYPES];

/** How the receiver treats one request. */
export type ReceiverMode = 'ok' | 'http-500' | 'http-503' | 'timeout' | 'slow-ok' | 'reset';

/** Attempts of one event beyond this many are always accepted, so every event gets through. */
const FAILING_ATTEMPTS = 3;
const MODES: ReceiverMode[] = ['ok', 'ok', 'ok', 'ok', 'http-500', 'http-503', 'timeout', 'slow-ok', 'reset', 'ok'];

/**
 * What the receiver does with the `attempt`-th request (0-based) for one webhook-id: drawn from
 * a hash of both, so a run's mix is the same every time and no event fails forever (about half
 * of first attempts fail, in every way a receiver can fail).
 */
export function receiverModeOf(webhookId: string, attempt: number): ReceiverMode {
  if (attempt >= FAILING_ATTEMPTS) return 'ok';
  const digest = createHash('sha256').update(`${webhookId}:${attempt}`).digest();
  return MODES[digest.readUInt32BE(0) % MODES.length] ?? 'ok';
}

interface Body {
  type: string;
  data: { event_id: string; sequence: number; payment: { id: string; status: string } };
}

/**
 * A webhook receiver that fails part of the time (500, 503, no answer until past the dispatcher's
 * timeout, 200 after a delay, a reset connection), verifies every request's signature with the
 * `standardwebhooks` library, and keeps what a careful client keeps: the event ids it accepted
 * and, per payment, the status of the highest sequence seen (an older event arriving late is dropped).
 */
export async function startChaosReceiver() {
  let verifier: Webhook | undefined;
  const attemptsById = new Map<string, number>();
  const accepted = new Set<string>();
  const latest = new Map<string, { sequence: number; status: string }>();
  const unverified: string[] = [];
  /** Accepted events older than one already accepted for their payment (delivery is ordered per payment). */
  const outOfOrder: string[] = [];
  const modes: Record<string, number> = {};
  let requests = 0;

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      requests++;
      const body = Buffer.concat(chunks).toString('utf8');
      const id = String(request.headers['webhook-id']);
      let event: Body;
      try {
        if (!verifier) throw new Error('no secret yet');
        event = verifier.verify(body, request.headers as Record<string, string>) as Body;
      } catch (error) {
        unverified.push(`${id}: ${String(error)}`);
        response.writeHead(400).end('bad signature');
        return;
      }
      const attempt = attemptsById.get(id) ?? 0;
      attemptsById.set(id, attempt + 1);
      const mode = receiverModeOf(id, attempt);
      modes[mode] = (modes[mode] ?? 0) + 1;
      const accept = () => {
        accepted.add(id);
        const { payment, sequence } = event.data;
        const highest = latest.get(payment.id)?.sequence ?? 0;
        if (sequence > highest) latest.set(payment.id, { sequence, status: payment.status });
        else if (sequence < highest) outOfOrder.push(`${id}: sequence ${sequence} after ${highest} (payment ${payment.id})`);
        response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      };
      if (mode === 'ok') accept();
      else if (mode === 'slow-ok') setTimeout(accept, CHAOS_WEBHOOK_TIMEOUT_MS / 4);
      else if (mode === 'http-500' || mode === 'http-503') response.writeHead(mode === 'http-500' ? 500 : 503).end('down');
      else if (mode === 'reset') request.socket.destroy();
      // 'timeout': no answer until well past the dispatcher's timeout, then the connection goes.
      else setTimeout(() => request.socket.destroy(), CHAOS_WEBHOOK_TIMEOUT_MS * 1.5);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    /** The endpoint's signing secret, known once it is created. */
    useSecret(secret: string) {
      verifier = new Webhook(secret);
    },
    accepted,
    latest,
    unverified,
    outOfOrder,
    figures: () => ({ requests, distinct_ids: attemptsById.size, accepted_ids: accepted.size, modes }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export type ChaosReceiver = Awaited<ReturnType<typeof startChaosReceiver>>;

/** Where the receiver disagrees with the database and the API. */
export interface WebhookGaps {
  missing: string[];
  unexpected: string[];
  wrongFinalStatus: Array<{ paymentId: string; received: string | null; api: string }>;
}

/**
 * Compares what the receiver has with the database: every outbox event (a status change: its seq is
 * set) of `clientName`'s payments must have been accepted, nothing else may have been, and the
 * receiver's highest-sequence status of each payment must be the one `statusOf` (the API) gives.
 */
export async function webhookGaps(
  receiver: ChaosReceiver,
  sql: SqlClient,
  clientName: string,
  statusOf: (paymentId: string) => Promise<string>,
): Promise<WebhookGaps> {
  // What arrived first, then the database: an event that arrived is committed by then.
  const arrived = new Set(receiver.accepted);
  const latest = new Map(receiver.latest);
  const events = await sql`
    SELECT e.id FROM payment_events e JOIN payments p ON p.id = e.payment_id JOIN api_clients c ON c.id = p.client_id
    WHERE c.name = ${clientName} AND e.seq IS NOT NULL`;
  const expected = new Set(events.map((e) => webhookIdOf(Number(e.id))));
  const payments = await sql`
    SELECT p.id FROM payments p JOIN api_clients c ON c.id = p.client_id WHERE c.name = ${clientName} ORDER BY p.id`;
  const wrongFinalStatus: WebhookGaps['wrongFinalStatus'] = [];
  for (const { id } of payments) {
    const api = await statusOf(id as string);
    const received = latest.get(id as string)?.status ?? null;
    if (received !== api) wrongFinalStatus.push({ paymentId: id as string, received, api });
  }
  return {
    missing: [...expected].filter((id) => !arrived.has(id)),
    unexpected: [...arrived].filter((id) => !expected.has(id)),
    wrongFinalStatus,
  };
}

/**
 * Waits (at most `budgetMs`) until the receiver has caught up with the database, and returns the
 * gaps of the last look: empty when it caught up. The dispatcher retries failed attempts, so
 * this only waits for retries; it asserts nothing about how long they took.
 */
export async function awaitWebhooks(
  receiver: ChaosReceiver,
  sql: SqlClient,
  clientName: string,
  statusOf: (paymentId: string) => Promise<string>,
  budgetMs: number,
): Promise<WebhookGaps & { waitedMs: number }> {
  const started = Date.now();
  for (;;) {
    const gaps = await webhookGaps(receiver, sql, clientName, statusOf);
    const caughtUp = gaps.missing.length + gaps.unexpected.length + gaps.wrongFinalStatus.length === 0;
    if (caughtUp || Date.now() - started > budgetMs) return { ...gaps, waitedMs: Date.now() - started };
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
