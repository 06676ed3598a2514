import type postgres from 'postgres';
import type { Tx } from './client.js';

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
    async claim(clientId: string, key: string, requestHash: string, tx: Tx = sql): Promise<IdempotencyClaim> {
      const inserted = await tx<Array<{ key: string }>>`
        INSERT INTO idempotency_keys (client_id, key, request_hash) VALUES (${clientId}, ${key}, ${requestHash})
        ON CONFLICT (client_id, key) DO NOTHING RETURNING key`;
      if (inserted.length > 0) return { kind: 'claimed' };
      const [row] = await tx<IdempotencyRow[]>`
        SELECT request_hash, payment_id, response_status, response_body, created_at FROM idempotency_keys
        WHERE client_id = ${clientId} AND key = ${key}`;
      // Deleted between the two statements by the expiry sweep: treat as in flight, the client retries.
      if (!row) return { kind: 'in_flight', paymentId: null, createdAt: new Date() };
      if (row.request_hash !== requestHash) return { kind: 'mismatch' };
      if (row.response_status === null) {
        return { kind: 'in_flight', paymentId: row.payment_id, createdAt: row.created_at };
      }
      // saveResponse stores the status and the body together
      return { kind: 'replay', status: row.response_status, body: row.response_body ?? '', paymentId: row.payment_id };
    },

    async attachPayment(clientId: string, key: string, paymentId: string, tx: Tx = sql) {
      await tx`UPDATE idempotency_keys SET payment_id = ${paymentId} WHERE client_id = ${clientId} AND key = ${key}`;
    },

    async saveResponse(clientId: string, key: string, status: number, body: string): Promise<void> {
      await sql`
        UPDATE idempotency_keys SET response_status = ${status}, response_body = ${body}
        WHERE client_id = ${clientId} AND key = ${key}`;
    },

    /** Deletes records older than the retention; returns how many. */
    async deleteExpired(olderThanMs: number): Promise<number> {
      const result = await sql`DELETE FROM idempotency_keys WHERE created_at < now() - ${olderThanMs} * interval '1 millisecond'`;
      return result.count;
    },
  };
}

/** An Idempotency-Key record; the response is null while its first request runs. */
interface IdempotencyRow {
  request_hash: string;
  payment_id: string | null;
  response_status: number | null;
  response_body: string | null;
  created_at: Date;
}

export type IdempotencyRepository = ReturnType<typeof createIdempotencyRepository>;
