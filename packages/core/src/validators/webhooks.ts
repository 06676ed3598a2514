import { z } from 'zod';
import { WEBHOOK_EVENT_TYPES } from '../webhooks/events.js';
import { paymentSchema } from './payments.js';

/**
 * The webhook shapes the API takes and returns (endpoints, deliveries, the event payload): one
 * source for validation, types and OpenAPI. Whether a URL is a safe target is decided by the
 * target policy (webhooks/target-policy.ts), which needs the configuration and DNS.
 */

export const URL_MAX = 2048;
export const DESCRIPTION_MAX = 255;

const url = z
  .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
  .max(URL_MAX, `must have at most ${URL_MAX} characters`);
const eventTypes = z
  .array(z.enum(WEBHOOK_EVENT_TYPES, { error: `must be one of ${WEBHOOK_EVENT_TYPES.join(', ')}` }))
  .min(1, 'must name at least one event type')
  .refine((types) => new Set(types).size === types.length, 'must not repeat an event type');
const description = z
  .string()
  .max(DESCRIPTION_MAX, `must have at most ${DESCRIPTION_MAX} characters`)
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to find control characters
  .regex(/^[^\u0000-\u001f\u007f]*$/, 'must not contain control characters');

export const createWebhookEndpointSchema = z.strictObject({
  url,
  event_types: eventTypes,
  enabled: z.boolean().default(true),
  description: description.nullish(),
});
export type CreateWebhookEndpointBody = z.output<typeof createWebhookEndpointSchema>;

export const updateWebhookEndpointSchema = z
  .strictObject({ url, event_types: eventTypes, enabled: z.boolean(), description: description.nullable() })
  .partial();
export type UpdateWebhookEndpointBody = z.output<typeof updateWebhookEndpointSchema>;

export const rotateSecretSchema = z.strictObject({
  /** How long the previous secret keeps signing, so receivers can switch without a gap. */
  overlap_seconds: z
    .number()
    .int()
    .min(0)
    .max(7 * 86_400)
    .default(86_400),
});

export const webhookEndpointIdParamsSchema = z.object({ id: z.uuid({ error: 'must be a UUID' }) });
/** An event as receivers see it (`evt_123`, the webhook-id). */
export const eventIdParamsSchema = z.object({
  id: z
    .string()
    .regex(/^evt_[1-9]\d{0,15}$/, 'must be an event id such as evt_123')
    .transform((id) => Number(id.slice(4))),
});

export const webhookEndpointSchema = z
  .object({
    id: z.uuid(),
    url: z.string(),
    event_types: z.array(z.string()),
    enabled: z.boolean(),
    description: z.string().nullable(),
    disabled_reason: z.string().nullable().meta({ description: 'Why the endpoint was disabled automatically.' }),
    previous_secret_expires_at: z.iso.datetime().nullable(),
    created_at: z.iso.datetime(),
    updated_at: z.iso.datetime(),
  })
  .meta({ id: 'WebhookEndpoint' });
export type WebhookEndpointResponse = z.output<typeof webhookEndpointSchema>;

export const createdWebhookEndpointSchema = webhookEndpointSchema
  .extend({ secret: z.string().meta({ description: 'The signing secret (whsec_…): shown only now.' }) })
  .meta({ id: 'CreatedWebhookEndpoint' });

export const webhookEndpointListSchema = z.object({ items: z.array(webhookEndpointSchema) });

export const rotatedSecretSchema = z.object({ secret: z.string(), previous_secret_expires_at: z.iso.datetime() });

export const redeliverSinceSchema = z.strictObject({
  since: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 time' }),
});

export const webhookAttemptSchema = z
  .object({
    event_id: z.string(),
    attempt: z.number().int(),
    at: z.iso.datetime(),
    http_status: z.number().int().nullable(),
    duration_ms: z.number().int(),
    response_excerpt: z.string().nullable(),
    error: z.string().nullable(),
  })
  .meta({ id: 'WebhookAttempt' });
export const webhookAttemptListSchema = z.object({ items: z.array(webhookAttemptSchema) });
export const deliveriesQuerySchema = z.object({ limit: z.coerce.number().int().min(1).max(100).default(50) });

export const redeliveredSchema = z.object({ queued: z.number().int() });

/**
 * The body of a webhook (Standard Webhooks: type, timestamp, data), as the syncer signs and
 * sends it (webhooks/webhook-sender.ts) and as the OpenAPI document's `webhooks` describe it.
 */
export const webhookEventSchema = z
  .object({
    type: z.enum(WEBHOOK_EVENT_TYPES).meta({ description: 'payment.<status>: the status the payment reached.' }),
    timestamp: z.iso.datetime().meta({ description: 'When the change happened.' }),
    data: z.object({
      event_id: z.string().meta({
        description: 'The event (evt_…), also the webhook-id header: the same on every retry and redelivery; deduplicate by it.',
      }),
      sequence: z.number().int().meta({
        description: "The event's place in its payment's history: keep the highest per payment, drop an older one arriving late.",
      }),
      /** The payment as it was at this change. */
      payment: paymentSchema,
    }),
  })
  .meta({ id: 'WebhookEvent' });
export type WebhookBody = z.output<typeof webhookEventSchema>;
