import type postgres from 'postgres';

export type IdempotencyClaim =
  | { kind: 'claimed' }
  | { kind: 'replay'; status: number; body: string; paymentId: string | null }
  | { kind: 'in_flight'; paymentId: string | null; createdAt: Date }
  | { kind: 'mismatch' };

/**
 * Idempotency-Key records (Stripe's semantics). The unique index on (client_id, key) decides
 * which of several concurrent requests runs; the others see it in flight or replay its answer.
 */
export function createIdempotencyRepository(sql: postgres.Sql) {
  return {
    /** Claims the key for this request, or reports what an earlier request with it did. */
    async claim(
      clientId: string,
      key: string,
      requestHash: string,
      tx: postgres.Sql | postgres.TransactionSql = sql,
    ): Promise<IdempotencyClaim> {
      const inserted = await tx`
        INSERT INTO idempotency_keys (client_id, key, request_hash) VALUES (${clientId}, ${key}, ${requestHash})
        ON CONFLICT (client_id, key) DO NOTHING RETURNING key`;
      if (inserted.length > 0) return { kind: 'claimed' };
      const [row] = await tx`
        SELECT request_hash, payment_id, response_status, response_body, created_at FROM idempotency_keys
        WHERE client_id = ${clientId} AND key = ${key}`;
      // Deleted between the two statements by the expiry sweep: treat as in flight, the client retries.
      if (!row) return { kind: 'in_flight', paymentId: null, createdAt: new Date() };
      if (row.request_hash !== requestHash) return { kind: 'mismatch' };
      if (row.response_status === null) {
        return { kind: 'in_flight', paymentId: row.payment_id as string | null, createdAt: row.created_at as Date };
      }
      return {
        kind: 'replay',
        status: row.response_status as number,
        body: row.response_body as string,
        paymentId: row.payment_id as string | null,
      };
    },

    async attachPayment(clientId: string, key: string, paymentId: string, tx: postgres.Sql | postgres.TransactionSql = sql) {
      await tx`UPDATE idempotency_keys SET payment_id = ${paymentId} WHERE client_id = ${clientId} AND key = ${key}`;
    },

    async saveResponse(clientId: string, key: string, status: number, body: string): Promise<void> {
      await sql`
        UPDATE idempotency_keys SET response_status = ${status}, response_body = ${body}
        WHERE client_id = ${clientId} AND key = ${key}`;
    },

    /** Forgets a claim whose request failed before creating anything, so a retry can run. */
    async release(clientId: string, key: string): Promise<void> {
      await sql`DELETE FROM idempotency_keys WHERE client_id = ${clientId} AND key = ${key} AND payment_id IS NULL`;
    },

    /** Deletes records older than the retention; returns how many. */
    async deleteExpired(olderThanMs: number): Promise<number> {
      const result = await sql`DELETE FROM idempotency_keys WHERE created_at < now() - ${olderThanMs} * interval '1 millisecond'`;
      return result.count;
    },
  };
}

export type IdempotencyRepository = ReturnType<typeof createIdempotencyRepository>;
