import type { PaymentFilter } from '../payments/payment-filter.js';
import type { SqlParameter } from './client.js';

/** A WHERE clause built from constants only, with its values as parameters. */
export interface FilterSql {
  where: string;
  params: SqlParameter[];
  /**
   * True when the best plan depends on the values (a LIKE prefix, a range's width, how many
   * payments an account has): such a statement is planned with its values each time (unprepared)
   * rather than by a generic prepared plan, which cannot use an index for `LIKE $n` and guesses
   * every value's frequency alike.
   */
  planWithValues: boolean;
}

/**
 * How far a payment's id time may be from its created_at. Both are taken at insert: the id
 * (UUIDv7) by the API's clock a moment before the statement, created_at by the database's in it.
 * An hour covers any clock skew a working deployment has; a bigger one breaks more than lists.
 */
export const ID_TIME_SLACK_MS = 3_600_000;

/**
 * The smallest UUIDv7 of a millisecond (its 48-bit time, every other bit 0): ids compare as bytes,
 * so `id >= uuidV7Floor(t)` holds for every id minted at or after t.
 */
export function uuidV7Floor(ms: number): string {
  const hex = Math.max(0, Math.floor(ms)).toString(16).padStart(12, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-0000-0000-000000000000`;
}

/** `%`, `_` and the escape character itself stand for themselves in a LIKE pattern (escape `\`, the default). */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * The conditions of a client's payments (every client's when `clientId` is null) narrowed by `filter`, after the keyset position `afterId`
 * (ids are time-ordered UUIDv7, so `id < afterId` is "older than the last row seen"). The
 * parameters start with `leading` (numbered $1…), so callers may put their own first.
 */
export function paymentFilterSql(
  clientId: string | null,
  filter: PaymentFilter,
  afterId: string | undefined,
  leading: SqlParameter[] = [],
): FilterSql {
  const params: SqlParameter[] = [...leading];
  const conditions: string[] = [];
  const add = (condition: (placeholder: string) => string, value: SqlParameter) => {
    params.push(value);
    conditions.push(condition(`$${params.length}`));
  };
  // null: every client's payments (the operator console)
  if (clientId !== null) add((v) => `p.client_id = ${v}`, clientId);
  if (filter.statuses && filter.statuses.length > 0) {
    // One status compares by equality, so the (client_id, status, id) index serves it in order.
    if (filter.statuses.length === 1) add((v) => `p.status = ${v}`, filter.statuses[0] as string);
    else add((v) => `p.status = ANY(${v}::text[])`, [...filter.statuses]);
  }
  // A time range is also an id range (ids are time-ordered): bounding the id lets the newest-first
  // walk start at the range's end instead of at the newest payment. The created_at conditions
  // decide; the id bounds, widened by ID_TIME_SLACK_MS, only never cut a matching row.
  if (filter.createdFrom) {
    add((v) => `p.created_at >= ${v}::timestamptz`, filter.createdFrom);
    add((v) => `p.id >= ${v}::uuid`, uuidV7Floor(filter.createdFrom.getTime() - ID_TIME_SLACK_MS));
  }
  if (filter.createdTo) {
    add((v) => `p.created_at < ${v}::timestamptz`, filter.createdTo);
    add((v) => `p.id < ${v}::uuid`, uuidV7Floor(filter.createdTo.getTime() + ID_TIME_SLACK_MS + 1));
  }
  if (filter.amountMin) add((v) => `p.amount >= ${v}::numeric`, filter.amountMin);
  if (filter.amountMax) add((v) => `p.amount <= ${v}::numeric`, filter.amountMax);
  if (filter.senderAccount) add((v) => `p.sender_account = ${v}`, filter.senderAccount);
  if (filter.receiverAccount) add((v) => `p.receiver_account = ${v}`, filter.receiverAccount);
  if (filter.memoPrefix) add((v) => `p.memo LIKE ${v}`, `${escapeLike(filter.memoPrefix)}%`);
  if (afterId) add((v) => `p.id < ${v}::uuid`, afterId);
  // Only the unfiltered list and a status alone keep a prepared (generic) plan: measured at 1M, a
  // generic plan for `receiver_account = $n` of a big client ran a parallel scan for ~1 s.
  const { statuses, ...others } = filter;
  const planWithValues = (statuses?.length ?? 0) > 1 || Object.values(others).some((value) => value !== undefined);
  return { where: conditions.length > 0 ? conditions.join(' AND ') : 'TRUE', params, planWithValues };
}
