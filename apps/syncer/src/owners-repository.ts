import type { SqlClient } from '@pt/core';

/** A payment that may own a gateway entry whose confirmation_id no local row holds yet. */
export interface PossibleOwner {
  id: string;
  from: Date;
  /** null while its attempt is still open: the gateway may record it at any moment from `from` on. */
  until: Date | null;
}

/**
 * The payments that could own an "orphan" gateway entry: unconfirmed ones (within their
 * window) and those with an attempt open right now, in this process or another. Read after the
 * status list and after the known-id check, every orphan in that list belongs to one of these,
 * or to a payment that has just recorded its confirmation_id (whose unique index then refuses a
 * wrong link). Candidate for core's sync-repository; kept here to leave core untouched.
 */
export function createOwnersRepository(sql: SqlClient) {
  return {
    async listPossibleOwners(): Promise<PossibleOwner[]> {
      const rows = await sql`
        SELECT id, status, unconfirmed_from, unconfirmed_until, attempt_started_at FROM payments
        WHERE status = 'unconfirmed' OR (status = 'received' AND attempt_started_at IS NOT NULL)`;
      return rows.map((row) =>
        row.status === 'unconfirmed'
          ? { id: row.id as string, from: row.unconfirmed_from as Date, until: row.unconfirmed_until as Date }
          : { id: row.id as string, from: row.attempt_started_at as Date, until: null },
      );
    },
  };
}
