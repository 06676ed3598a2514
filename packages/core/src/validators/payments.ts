import { z } from 'zod';
import { parseAmount } from '../money.js';
import { PAYMENT_STATUSES } from '../payments/status.js';

/**
 * The API-facing shapes: one source for request validation, TypeScript types and OpenAPI.
 */

export const ACCOUNT_MIN = 6;
export const ACCOUNT_MAX = 34;
export const MEMO_MAX = 255;

const account = z
  .string()
  .regex(/^\d+$/, 'must contain digits only')
  .min(ACCOUNT_MIN, `must have at least ${ACCOUNT_MIN} digits`)
  .max(ACCOUNT_MAX, `must have at most ${ACCOUNT_MAX} digits`)
  .meta({ example: '12345678' });

// Printable: no C0/C1 control characters (tab and newline included), no lone surrogates.
const memo = z
  .string()
  .max(MEMO_MAX, `must have at most ${MEMO_MAX} characters`)
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to find control characters
  .refine((value) => !/[\u0000-\u001f\u007f-\u009f]/.test(value), 'must not contain control characters')
  .refine((value) => value.isWellFormed(), 'must be valid Unicode text');

/** Builds the create-payment body schema for a configured maximum amount (in cents). */
export function createPaymentBodySchema(maxAmountCents: bigint) {
  return z
    .strictObject({
      sender_account: account,
      receiver_account: account,
      amount: z
        .union([z.number(), z.string()])
        .transform((value, ctx) => {
          const parsed = parseAmount(value, maxAmountCents);
          if (!parsed.ok) {
            ctx.addIssue({ code: 'custom', message: parsed.message });
            return z.NEVER;
          }
          return parsed.amount;
        })
        .meta({
          description: 'Greater than 0, at most 2 decimals, up to the configured maximum. A JSON number or a decimal string.',
          example: '100.50',
        }),
      memo: memo.nullish(),
    })
    .superRefine(
      (body, ctx) => {
        if (body.sender_account === body.receiver_account) {
          ctx.addIssue({ code: 'custom', path: ['receiver_account'], message: 'must differ from sender_account' });
        }
      },
      // Zod skips refinements once any field failed; run this one anyway (so one answer lists
      // every field error), but only when both accounts themselves parsed.
      { when: ({ value, issues }) => typeof value === 'object' && value !== null && !issues.some(isAccountIssue) },
    );
}

function isAccountIssue(issue: { path?: PropertyKey[] | undefined }): boolean {
  const field = issue.path?.[0];
  return field === 'sender_account' || field === 'receiver_account';
}
export type CreatePaymentBody = z.output<ReturnType<typeof createPaymentBodySchema>>;

export const paymentStatusSchema = z.enum(PAYMENT_STATUSES);

const timestamp = z.iso.datetime().nullable();

export const paymentSchema = z
  .object({
    id: z.uuid(),
    status: paymentStatusSchema,
    amount: z.string().meta({ example: '100.50' }),
    sender_account: z.string(),
    receiver_account: z.string(),
    memo: z.string().nullable(),
    confirmation_id: z.string().nullable(),
    failure_reason: z.string().nullable().meta({ description: 'Why a payment is rejected, unconfirmed or being retried.' }),
    created_at: z.iso.datetime(),
    submitted_at: timestamp,
    resolved_at: timestamp,
    updated_at: z.iso.datetime(),
    last_synced_at: timestamp.meta({ description: 'When this status was last confirmed against the gateway.' }),
  })
  .meta({ id: 'Payment' });
export type PaymentResponse = z.output<typeof paymentSchema>;

export const paymentIdParamsSchema = z.object({ id: z.uuid('must be a payment id (UUID)') });

export const getPaymentQuerySchema = z.strictObject({
  refresh: z
    .enum(['true', 'false'])
    .optional()
    .transform((v) => v === 'true')
    .meta({ description: 'Ask the syncer for a fresh sync now and wait briefly for it.' }),
});

export const listPaymentsQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(200).optional(),
  status: paymentStatusSchema.optional(),
});

export const paymentListSchema = z
  .object({ items: z.array(paymentSchema), next_cursor: z.string().nullable() })
  .meta({ id: 'PaymentList' });

export const paymentEventSchema = z
  .object({
    from_status: paymentStatusSchema.nullable(),
    to_status: paymentStatusSchema,
    source: z.string(),
    reason: z.string().nullable(),
    at: z.iso.datetime(),
  })
  .meta({ id: 'PaymentEvent' });

export const paymentEventListSchema = z.object({ items: z.array(paymentEventSchema) }).meta({ id: 'PaymentEventList' });

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string().optional(),
    request_id: z.string(),
    errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
    payment_id: z
      .string()
      .optional()
      .meta({ description: 'The payment concerned (outcome-unknown): read it at its Location, do not send it again.' }),
  })
  .meta({ id: 'Problem' });

export const reconciliationReportSchema = z
  .object({
    sync: z
      .object({
        last_synced_at: z.string().nullable(),
        lag_ms: z.number().nullable(),
        last_cycle_ms: z.number().nullable(),
        last_entries: z.number().nullable(),
        last_changed: z.number().nullable(),
        last_orphans: z.number().nullable(),
        last_error: z.string().nullable(),
      })
      .meta({ description: "The syncer's freshness: when the gateway's list was last read in full, how long a cycle takes." }),
    gateway: z
      .object({
        careful_since: z.string().nullable(),
        careful_reason: z.string().nullable(),
        clock_offset_low_ms: z.number().nullable(),
        clock_offset_high_ms: z.number().nullable(),
        clock_alarm: z.string().nullable(),
        list_alarm: z.string().nullable(),
        foreign_unacknowledged: z.number(),
        double_send_alarms: z.number(),
      })
      .meta({
        description:
          "The gateway as the syncer sees it: careful mode (one send at a time), its clock's offset from ours with the alarm when it is unknown or moved, why the last list proved no absence, and foreign entries or late acceptances waiting for an operator.",
      }),
    unconfirmed: z.array(
      z.object({
        id: z.uuid(),
        client_id: z.uuid(),
        created_at: z.string(),
        window_from: z.string().nullable(),
        window_until: z.string().nullable(),
        reason: z.string().nullable(),
      }),
    ),
    orphans: z.array(
      z.object({
        confirmation_id: z.string(),
        status: z.string(),
        gateway_created_at: z.string(),
        first_seen_at: z.string(),
        kind: z.enum(['candidate', 'foreign', 'grouped', 'late_accept']).meta({
          description:
            "candidate: in an unconfirmed payment's window; foreign: in no window; grouped: claimed by a group; late_accept: a late acceptance after a newer send",
        }),
        payment_id: z.uuid().nullable(),
        acknowledged_at: z.string().nullable(),
        acknowledged_by: z.string().nullable(),
      }),
    ),
    stuck_received: z
      .array(
        z.object({
          id: z.uuid(),
          client_id: z.uuid(),
          created_at: z.string(),
          attempts: z.number(),
          next_attempt_at: z.string().nullable(),
          reason: z.string().nullable(),
        }),
      )
      .meta({ description: 'Payments still waiting to reach the gateway long after they were received.' }),
    grouped: z.array(z.object({ id: z.uuid(), status: z.string(), group_confirmation_ids: z.array(z.string()) })),
    stale_pending: z.array(
      z.object({
        id: z.uuid(),
        client_id: z.uuid(),
        confirmation_id: z.string().nullable(),
        submitted_at: z.string().nullable(),
      }),
    ),
    missing_at_gateway: z.array(
      z.object({
        id: z.uuid(),
        client_id: z.uuid(),
        confirmation_id: z.string().nullable(),
        missing_since: z.string().nullable(),
      }),
    ),
  })
  .meta({ id: 'ReconciliationReport' });

const operatorReason = z.string().trim().min(3, 'must say why (at least 3 characters)').max(500);

export const linkPaymentBodySchema = z.strictObject({
  confirmation_id: z.string().trim().min(1).max(200),
  reason: operatorReason,
});

export const requeuePaymentBodySchema = z.strictObject({ reason: operatorReason });

export const acknowledgeGatewayBodySchema = z.strictObject({ reason: operatorReason });

export const acknowledgeGatewayResultSchema = z.object({
  acknowledged_foreign: z.number().meta({ description: 'Foreign entries acknowledged by this call.' }),
  list_size_accepted: z.number().nullable().meta({ description: "The gateway's list size now taken as its history." }),
});

export type ReconciliationReport = z.output<typeof reconciliationReportSchema>;
