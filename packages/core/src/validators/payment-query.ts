import { z } from 'zod';
import { parseAmount, toCents } from '../money.js';
import type { PaymentFilter } from '../payments/payment-filter.js';
import { PAYMENT_STATUSES, type PaymentStatus } from '../payments/status.js';
import { ACCOUNT_MAX, ACCOUNT_MIN, accountNumberSchema, MEMO_MAX } from './payments.js';
import { refuseForbiddenCharacters } from './text.js';

/**
 * GET /payments's query: paging, filters and the export format. One source for validation, the
 * handler's types and OpenAPI; `toPaymentFilter` turns it into the repository's PaymentFilter.
 */

/** The largest amount numeric(14,2) holds: a filter bound past it could never match anything. */
const COLUMN_MAX_CENTS = 99_999_999_999_999n;

const KNOWN_STATUSES: ReadonlySet<string> = new Set(PAYMENT_STATUSES);
const isPaymentStatus = (value: string): value is PaymentStatus => KNOWN_STATUSES.has(value);

/** `status=a,b` and `status=a&status=b` (and both at once) are the same list. */
function splitList(value: unknown): unknown {
  const parts = Array.isArray(value) ? value : [value];
  return parts.flatMap((part) => (typeof part === 'string' ? part.split(',') : [part]));
}

const statusFilter = z
  .preprocess(splitList, z.array(z.string()))
  .check((ctx) => {
    const unknown = ctx.value.filter((value) => !isPaymentStatus(value));
    if (unknown.length > 0) {
      ctx.issues.push({
        code: 'custom',
        input: ctx.value,
        message: `has unknown statuses (${unknown.map((s) => JSON.stringify(s.slice(0, 20))).join(', ')}); known: ${PAYMENT_STATUSES.join(', ')}`,
      });
    }
  })
  .transform((values) => [...new Set(values.filter(isPaymentStatus))])
  .meta({
    description: `One status or several: repeat the parameter (\`status=pending&status=unconfirmed\`) or separate them with commas (\`status=pending,unconfirmed\`). Any of ${PAYMENT_STATUSES.join(', ')}.`,
    items: { type: 'string', enum: [...PAYMENT_STATUSES] },
  });

/**
 * RFC 3339 with a zone (Z or an offset); impossible dates (February 30th) are refused. A `+` left
 * unencoded in a query string arrives as a space: "…T10:00:00 02:00" is read as "+02:00".
 */
const instant = z
  .preprocess(
    (value) => (typeof value === 'string' ? value.replace(/ (\d{2}:\d{2})$/, '+$1') : value),
    z.iso.datetime({ offset: true, error: 'must be an RFC 3339 date-time with a zone, such as 2026-01-31T09:00:00Z' }),
  )
  .transform((value) => new Date(value))
  .meta({ example: '2026-01-31T09:00:00Z' });

/** The submission's money rules (a plain decimal, at most two places, above 0), up to what the column holds. */
const amountBound = z
  .string()
  .transform((value, ctx) => {
    const parsed = parseAmount(value, COLUMN_MAX_CENTS);
    if (!parsed.ok) {
      ctx.addIssue({ code: 'custom', message: parsed.message });
      return z.NEVER;
    }
    return parsed.amount;
  })
  .meta({ example: '100.50' });

const memoPrefix = z
  .string()
  .min(1, 'must not be empty')
  .max(MEMO_MAX, `must have at most ${MEMO_MAX} characters`)
  .superRefine(refuseForbiddenCharacters)
  .refine((value) => value.isWellFormed(), 'must be valid Unicode text')
  .meta({ description: 'Payments whose memo starts with this text (case-sensitive; % and _ are plain characters).' });

const account = (role: string) =>
  accountNumberSchema.meta({ description: `Only payments with this ${role} account (${ACCOUNT_MIN}-${ACCOUNT_MAX} digits).` });

const RANGES = [
  ['created_from', 'created_to'],
  ['amount_min', 'amount_max'],
] as const;

export const listPaymentsQuerySchema = z
  .strictObject({
    limit: z.coerce.number().int().min(1).max(100).default(20).meta({ description: 'Page size of a JSON answer.' }),
    cursor: z.string().max(200).optional().meta({
      description:
        "A previous page's next_cursor: the page starts after that payment. It is a position in the newest-first order, not tied to the filters: with other filters it continues from the same point, so nothing older is skipped and nothing already listed comes again.",
    }),
    status: statusFilter.optional(),
    created_from: instant.optional().meta({ description: 'Created at or after this instant.' }),
    created_to: instant.optional().meta({ description: 'Created before this instant (exclusive).' }),
    amount_min: amountBound.optional().meta({ description: 'Amount at least this (a decimal string).' }),
    amount_max: amountBound.optional().meta({ description: 'Amount at most this (a decimal string).' }),
    sender_account: account('sender').optional(),
    receiver_account: account('receiver').optional(),
    memo: memoPrefix.optional(),
    format: z
      .enum(['json', 'csv'])
      .optional()
      .meta({ description: 'csv: every matching payment as a CSV download (as with Accept: text/csv); limit does not apply.' }),
  })
  .superRefine(
    (query, ctx) => {
      for (const [low, high] of RANGES) {
        const from = query[low];
        const to = query[high];
        if (from !== undefined && to !== undefined && compareBounds(from, to) > 0) {
          ctx.addIssue({ code: 'custom', path: [low], message: `must not be after ${high}` });
        }
      }
    },
    // Run even when another field failed, so one answer names every bad field; not when a bound itself did.
    { when: ({ value, issues }) => typeof value === 'object' && value !== null && !issues.some(isRangeIssue) },
  );

function isRangeIssue(issue: { path?: PropertyKey[] | undefined }): boolean {
  const field = issue.path?.[0];
  return RANGES.some((range) => range.some((name) => name === field));
}

function compareBounds(a: Date | string, b: Date | string): number {
  if (a instanceof Date && b instanceof Date) return a.getTime() - b.getTime();
  if (typeof a === 'string' && typeof b === 'string') return Number(toCents(a) - toCents(b));
  return 0;
}

export type ListPaymentsQuery = z.output<typeof listPaymentsQuerySchema>;

/** The validated query's filters, in the repository's terms. */
export function toPaymentFilter(query: ListPaymentsQuery): PaymentFilter {
  return {
    statuses: query.status,
    createdFrom: query.created_from,
    createdTo: query.created_to,
    amountMin: query.amount_min,
    amountMax: query.amount_max,
    senderAccount: query.sender_account,
    receiverAccount: query.receiver_account,
    memoPrefix: query.memo,
  };
}
