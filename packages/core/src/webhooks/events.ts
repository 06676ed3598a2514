import { randomBytes } from 'node:crypto';
import { PAYMENT_STATUSES, type PaymentStatus } from '../payments/status.js';

/** The event types a webhook endpoint may subscribe to: one per status a payment may reach. */
export const WEBHOOK_EVENT_TYPES = PAYMENT_STATUSES.map((status) => `payment.${status}` as const);
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export function eventTypeOf(status: PaymentStatus): WebhookEventType {
  return `payment.${status}`;
}

/** A new signing secret as Standard Webhooks defines it: `whsec_` and base64 of random bytes. */
export function newSigningSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** The webhook-id of an event: stable across retries and redeliveries, so receivers deduplicate by it. */
export function webhookIdOf(eventId: number): string {
  return `evt_${eventId}`;
}
