import { isIP } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { Agent, request } from 'undici';
import type { ClaimedDelivery } from '../db/webhook-deliveries-repository.js';
import { Deadline } from '../deadline.js';
import { toPaymentResponse } from '../payments/payment-view.js';
import { isPaymentStatus } from '../payments/status.js';
import type { WebhookBody } from '../validators/webhooks.js';
import { eventTypeOf, webhookIdOf } from './events.js';
import type { SecretBox } from './secret-box.js';
import { guardedLookup, type TargetPolicy } from './target-policy.js';

const EXCERPT_BYTES = 512;
/** Bound of the per-secret and per-URL caches; past it the oldest entry goes. */
const CACHE_LIMIT = 1024;

function remember<V>(cache: Map<string, V>, key: string, value: V): void {
  if (cache.size >= CACHE_LIMIT) {
    const oldest = cache.keys().next();
    if (!oldest.done) cache.delete(oldest.value);
  }
  cache.set(key, value);
}

/** What one attempt came to, as the delivery log records it. */
export interface SendResult {
  delivered: boolean;
  httpStatus: number | null;
  durationMs: number;
  responseExcerpt: string | null;
  error: string | null;
}

/** The event's payload: the payment as the API returns it, as it was at that change. */
export function webhookBodyOf(delivery: ClaimedDelivery): WebhookBody {
  const status = isPaymentStatus(delivery.toStatus) ? delivery.toStatus : 'received';
  const snap = delivery.snapshot;
  const date = (value: string | null | undefined) => (value ? new Date(value) : null);
  const payment = toPaymentResponse({
    id: delivery.payment.id,
    clientId: '',
    status,
    amount: delivery.payment.amount,
    senderAccount: delivery.payment.sender_account,
    receiverAccount: delivery.payment.receiver_account,
    memo: delivery.payment.memo,
    confirmationId: snap?.confirmation_id ?? null,
    attempts: 0,
    lastError: snap?.last_error ?? null,
    createdAt: delivery.payment.created_at,
    submittedAt: date(snap?.submitted_at),
    resolvedAt: date(snap?.resolved_at),
    updatedAt: date(snap?.updated_at) ?? delivery.at,
    lastSyncedAt: date(snap?.last_synced_at),
  });
  return {
    type: eventTypeOf(status),
    timestamp: delivery.at.toISOString(),
    data: { event_id: webhookIdOf(delivery.eventId), sequence: delivery.seq, payment },
  };
}

/** The Standard Webhooks headers, signed by every current secret's signer (two during a rotation's overlap). */
function signedHeaders(msgId: string, body: string, signers: Webhook[], now = new Date()): Record<string, string> {
  const signature = signers.map((signer) => signer.sign(msgId, now, body)).join(' ');
  return {
    'content-type': 'application/json',
    'webhook-id': msgId,
    'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
    'webhook-signature': signature,
  };
}

/**
 * createWebhookSender({ policy, timeoutMs, secrets }) → sends one delivery: signed, with a short
 * timeout, never following a redirect, connecting only to addresses the policy permits
 * (checked at each connection through the agent's lookup; a literal IP, which a connection
 * does not look up, checked here, once per URL: the policy does not change while the sender lives).
 * The endpoints' secrets arrive as stored: `secrets` opens them.
 */
export function createWebhookSender(options: { policy: TargetPolicy; timeoutMs: number; secrets: SecretBox }) {
  const { policy, timeoutMs } = options;

  /** One `Webhook` per stored secret (opening and decoding it once): reused by every send. */
  const signers = new Map<string, Webhook>();
  function signerFor(stored: string): Webhook {
    let signer = signers.get(stored);
    if (signer === undefined) {
      signer = new Webhook(options.secrets.open(stored));
      remember(signers, stored, signer);
    }
    return signer;
  }
  const agent = new Agent({
    connect: { lookup: guardedLookup(policy), timeout: timeoutMs },
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });

  /** Per URL: whether it names a literal IP the policy forbids. */
  const refusedUrls = new Map<string, boolean>();
  function refused(target: string): boolean {
    let answer = refusedUrls.get(target);
    if (answer === undefined) {
      const host = new URL(target).hostname.replace(/^\[(.*)\]$/, '$1');
      answer = isIP(host) !== 0 && !policy.permits(host);
      remember(refusedUrls, target, answer);
    }
    return answer;
  }

  async function send(delivery: ClaimedDelivery): Promise<SendResult> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    let deadline: Deadline | undefined;
    try {
      if (refused(delivery.url))
        return failure(elapsed(), 'refused: the target is a loopback, private, link-local or metadata address');
      const body = JSON.stringify(webhookBodyOf(delivery));
      deadline = new Deadline(timeoutMs);
      const response = await request(delivery.url, {
        method: 'POST',
        body,
        headers: signedHeaders(webhookIdOf(delivery.eventId), body, delivery.secrets.map(signerFor)),
        dispatcher: agent,
        signal: deadline,
      });
      const excerpt = await readExcerpt(response.headers['content-length'], response.body);
      const delivered = response.statusCode >= 200 && response.statusCode < 300;
      return {
        delivered,
        httpStatus: response.statusCode,
        durationMs: elapsed(),
        responseExcerpt: excerpt,
        error: delivered ? null : `HTTP ${response.statusCode}`,
      };
    } catch (error) {
      return failure(elapsed(), describe(error));
    } finally {
      deadline?.clear();
    }
  }

  return { send, close: () => agent.close() };
}

export type WebhookSender = ReturnType<typeof createWebhookSender>;

function failure(durationMs: number, error: string): SendResult {
  return { delivered: false, httpStatus: null, durationMs, responseExcerpt: null, error };
}

/**
 * The first bytes of an answer; the rest is discarded, never buffered. An answer that says it is
 * empty, or short, is read whole in one go (most receivers answer a few bytes).
 */
async function readExcerpt(
  contentLength: string | string[] | undefined,
  body: AsyncIterable<Buffer> & { destroy(): unknown; dump(): Promise<void>; text(): Promise<string> },
): Promise<string | null> {
  const length = typeof contentLength === 'string' ? Number(contentLength) : Number.NaN;
  if (length === 0) {
    await body.dump();
    return null;
  }
  // (undici ends the body at the declared length: a longer answer cannot be read past it)
  if (length > 0 && length <= EXCERPT_BYTES) {
    const text = await body.text();
    return text.length > 0 ? text : null;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= EXCERPT_BYTES) break;
  }
  body.destroy();
  const text = Buffer.concat(chunks).subarray(0, EXCERPT_BYTES).toString('utf8');
  return text.length > 0 ? text : null;
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
    return `${code ? `${code} ` : ''}${error.message}${cause}`.slice(0, 300);
  }
  return String(error).slice(0, 300);
}
