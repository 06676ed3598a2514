import type { PaymentStatus } from './status.js';

/** What a list or an export of payments is narrowed by (every field optional, all of them ANDed). */
export interface PaymentFilter {
  statuses?: readonly PaymentStatus[] | undefined;
  /** Inclusive. */
  createdFrom?: Date | undefined;
  /** Exclusive. */
  createdTo?: Date | undefined;
  /** Decimal strings, both inclusive. */
  amountMin?: string | undefined;
  amountMax?: string | undefined;
  senderAccount?: string | undefined;
  receiverAccount?: string | undefined;
  /** Matched literally: % and _ are not wildcards. */
  memoPrefix?: string | undefined;
}
