import { isIP } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { Agent } from 'undici';
import type { ClaimedDelivery } from '../db/webhook-deliveries-repository.js';
import { toPaymentResponse } from '../payments/payment-view.js';
import { isPaymentStatus } from '../payments/status.js';
import type { WebhookBody } from '../validators/webhooks.js';
import { eventTypeOf, webhookIdOf } from './events.js';
import { postForAnswer, type Target, targetOf } from './post-for-answer.js';
import type { SecretBox } from './secret-box.js';
import { guardedLookup, type TargetPolicy } from './target-policy.js';

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

  /** Per URL: where it points, and whether it names a literal IP the policy forbids (null then). */
  const targets = new Map<string, Target | null>();
  function targetFor(url: string): Target | null {
    let target = targets.get(url);
    if (target === undefined) {
      const host = new URL(url).hostname.replace(/^\[(.*)\]$/, '$1');
      target = isIP(host) !== 0 && !policy.permits(host) ? null : targetOf(url);
      remember(targets, url, target);
    }
    return target;
  }

  async function send(delivery: ClaimedDelivery): Promise<SendResult> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    try {
      const target = targetFor(delivery.url);
      if (target === null)
        return failure(elapsed(), 'refused: the target is a loopback, private, link-local or metadata address');
      const body = JSON.stringify(webhookBodyOf(delivery));
      const headers = signedHeaders(webhookIdOf(delivery.eventId), body, delivery.secrets.map(signerFor));
      const answer = await postForAnswer(agent, target, headers, body, timeoutMs);
      const delivered = answer.statusCode >= 200 && answer.statusCode < 300;
      return {
        delivered,
        httpStatus: answer.statusCode,
        durationMs: elapsed(),
        responseExcerpt: answer.excerpt,
        error: delivered ? null : `HTTP ${answer.statusCode}`,
      };
    } catch (error) {
      return failure(elapsed(), describe(error));
    }
  }

  return { send, close: () => agent.close() };
}

export type WebhookSender = ReturnType<typeof createWebhookSender>;

function failure(durationMs: number, error: string): SendResult {
  return { delivered: false, httpStatus: null, durationMs, responseExcerpt: null, error };
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    // (a system error's code, ECONNREFUSED; not a DOMException's number)
    const code = typeof (error as NodeJS.ErrnoException).code === 'string' ? (error as NodeJS.ErrnoException).code : undefined;
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
    return `${code ? `${code} ` : ''}${error.message}${cause}`.slice(0, 300);
  }
  return String(error).slice(0, 300);
}
