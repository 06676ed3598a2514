import { z } from 'zod';
import { parseAmount } from '../money.js';
import { PAYMENT_STATUSES } from '../payments/status.js';
import { refuseForbiddenCharacters } from './text.js';

/**
 * The payment shapes the API takes and returns: one source for request validation, TypeScript
 * types and OpenAPI. Admin shapes are in admin.ts, the problem+json body in problem.ts.
 */

export const ACCOUNT_MIN = 6;
export const ACCOUNT_MAX = 34;
export const MEMO_MAX = 255;

/** A bank account number: a payment's sender and receiver, and the accounts a client is registered to send from. */
export const accountNumberSchema = z
  .string()
  .regex(/^\d+$/, 'must contain digits only')
  .min(ACCOUNT_MIN, `must have at least ${ACCOUNT_MIN} digits`)
  .max(ACCOUNT_MAX, `must have at most ${ACCOUNT_MAX} digits`)
  .meta({ example: '12345678' });

// What a reader sees is all there is: no control, bidirectional or invisible characters (text.ts), no lone surrogates.
const memo = z
  .string()
  .max(MEMO_MAX, `must have at most ${MEMO_MAX} characters`)
  .superRefine(refuseForbiddenCharacters)
  .refine((value) => value.isWellFormed(), 'must be valid Unicode text')
  .meta({
    description: `Up to ${MEMO_MAX} characters of visible text: no control characters (tab and newline included), no bidirectional controls, no invisible characters (zero-width space or joiner, word joiner, BOM, soft hyphen…).`,
    example: 'invoice 42',
  });

/** Builds the create-payment body schema for a configured maximum amount (in cents). */
export function createPaymentBodySchema(maxAmountCents: bigint) {
  return z
    .strictObject({
      sender_account: accountNumberSchema,
      receiver_account: accountNumberSchema,
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
