import type { PaymentFilter } from '../payments/payment-filter.js';
import type { SqlParameter } from './client.js';

/** A WHERE clause built from constants only, with its values as parameters. */
export interface FilterSql {
  where: string;
  params: SqlParameter[];
  /**
   * True when the best plan depends on the values (a LIKE prefix, a range's width): such a statement
   * is planned with its values each time (unprepared) rather than by a generic prepared plan, which
   * cannot use an index for `LIKE $n` and guesses every range's width alike.
   */
  planWithValues: boolean;
}

/** `%`, `_` and the escape character itself stand for themselves in a LIKE pattern (escape `\`, the default). */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * The conditions of a client's payments narrowed by `filter`, after the keyset position `afterId`
 * (ids are time-ordered UUIDv7, so `id < afterId` is "older than the last row seen"). The
 * parameters start with `leading` (numbered $1…), so callers may put their own first.
 */
export function paymentFilterSql(
  clientId: string,
  filter: PaymentFilter,
  afterId: string | undefined,
  leading: SqlParameter[] = [],
): FilterSql {
  const params: SqlParameter[] = [...leading, clientId];
  const conditions = [`p.client_id = $${params.length}`];
  const add = (condition: (placeholder: string) => string, value: SqlParameter) => {
    params.push(value);
    conditions.push(condition(`$${params.length}`));
  };
  if (filter.statuses && filter.statuses.length > 0) {
    // One status compares by equality, so the (client_id, status, id) index serves it in order.
    if (filter.statuses.length === 1) add((v) => `p.status = ${v}`, filter.statuses[0] as string);
    else add((v) => `p.status = ANY(${v}::text[])`, [...filter.statuses]);
  }
  if (filter.createdFrom) add((v) => `p.created_at >= ${v}::timestamptz`, filter.createdFrom);
  if (filter.createdTo) add((v) => `p.created_at < ${v}::timestamptz`, filter.createdTo);
  if (filter.amountMin) add((v) => `p.amount >= ${v}::numeric`, filter.amountMin);
  if (filter.amountMax) add((v) => `p.amount <= ${v}::numeric`, filter.amountMax);
  if (filter.senderAccount) add((v) => `p.sender_account = ${v}`, filter.senderAccount);
  if (filter.receiverAccount) add((v) => `p.receiver_account = ${v}`, filter.receiverAccount);
  if (filter.memoPrefix) add((v) => `p.memo LIKE ${v}`, `${escapeLike(filter.memoPrefix)}%`);
  if (afterId) add((v) => `p.id < ${v}::uuid`, afterId);
  const planWithValues = Boolean(
    filter.memoPrefix || filter.createdFrom || filter.createdTo || filter.amountMin || filter.amountMax,
  );
  return { where: conditions.join(' AND '), params, planWithValues };
}
