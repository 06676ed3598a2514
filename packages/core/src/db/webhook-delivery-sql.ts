import type postgres from 'postgres';
import type { EventSnapshot } from './schema/payments.js';

/**
 * The SQL the webhook dispatcher's statements share (the watermark's and the pieces' checks, the
 * planner settings, the claim) and the shape a leased delivery comes back in.
 */

/**
 * A delivery claimed for one attempt: the event, the payment's fixed fields, and where to send it.
 * A first attempt leased with its piece (`piece`) has no row yet (`id` null): its row is written
 * when the attempt is recorded.
 */
export interface ClaimedDelivery {
  id: number | null;
  piece: number | null;
  attempt: number;
  endpointId: string;
  url: string;
  secrets: string[];
  eventId: number;
  seq: number;
  toStatus: string;
  at: Date;
  snapshot: EventSnapshot | null;
  payment: {
    id: string;
    amount: string;
    sender_account: string;
    receiver_account: string;
    memo: string | null;
    created_at: Date;
  };
}

/**
 * The event `event` (an alias of payment_events) not fanned out yet, with `st` the watermark's
 * row: its transaction is not below the watermark, nor is it among what the pass in progress did.
 */
export function notFannedOut(event: string): string {
  return `${event}.txid >= st.fanned_xmin AND NOT (${event}.txid < coalesce(st.pass_xmin, 0) AND ${event}.id <= st.pass_after_id)`;
}

/**
 * The event `event` (an alias of payment_events) is in the range of the piece `piece` (an alias
 * of webhook_pieces): while the piece is open, its delivery may be in flight.
 */
export function inPiece(event: string, piece: string): string {
  return `${event}.id > ${piece}.after_id AND ${event}.id <= ${piece}.last_id AND ${event}.txid >= ${piece}.fanned_xmin AND ${event}.txid < ${piece}.pass_xmin`;
}

/**
 * The open pieces' ranges, read once by a statement that checks many events against them (the
 * table is a few rows, and the dead rows of closed pieces until vacuumed).
 */
export const OPEN_PIECES = 'SELECT after_id, last_id, fanned_xmin, pass_xmin FROM webhook_pieces';

/**
 * Pieces whose lease ran out (their dispatcher stopped without recording them): closed, and each
 * first attempt they leased that has no row yet written as pending, due now, its attempt counted
 * (the attempt may have been made; a late record of it is logged and changes nothing).
 */
export function reopenExpiredPieces(sql: postgres.TransactionSql) {
  return sql`
    WITH expired AS (
      DELETE FROM webhook_pieces WHERE leased_until <= clock_timestamp()
      RETURNING endpoint_ids, event_ids, retry_for_ms
    )
    INSERT INTO webhook_deliveries (endpoint_id, event_id, payment_id, seq, give_up_at, attempts)
    SELECT w.id, e.id, e.payment_id, e.seq, e.at + k.retry_for_ms * interval '1 millisecond', 1
    FROM expired k CROSS JOIN LATERAL unnest(k.endpoint_ids, k.event_ids) AS u(endpoint_id, event_id)
    JOIN webhook_endpoints w ON w.id = u.endpoint_id JOIN payment_events e ON e.id = u.event_id
    FOR KEY SHARE OF w -- never deleted under the insert (drizzle/0009)
    ON CONFLICT (endpoint_id, event_id) DO NOTHING`;
}

/**
 * Planner settings for the claim's transaction: no sort and no bitmap scan, so the only plan
 * left for "the oldest `limit` due deliveries" is the due index read in order, stopping early;
 * and planned each time with its values: the generic plan of a prepared statement, which
 * Postgres switches to after five runs, knows neither the limit nor the watermark, and stalled
 * every piece once the tables were a backlog's size (bench/README.md, webhooks).
 */
export const FAST_START =
  'SET LOCAL enable_sort = off; SET LOCAL enable_bitmapscan = off; SET LOCAL plan_cache_mode = force_custom_plan';

/**
 * Planner settings for fan-out and recording: their every row is found by its key, but planned
 * from statistics taken while a table was (nearly) empty, as after a burst, each per-row probe
 * became a sequential scan of the table (a piece or a record cost time in proportion to the
 * backlog: bench/README.md, webhooks). No sequential scan, and, for the piece, FAST_START's walk.
 */
export const BY_KEY = `${FAST_START}; SET LOCAL enable_seqscan = off`;

/** In payment order (ids are time-ordered), then by sequence. */
function inPaymentOrder(a: ClaimedDelivery, b: ClaimedDelivery): number {
  return a.payment.id < b.payment.id ? -1 : a.payment.id > b.payment.id ? 1 : a.seq - b.seq;
}

/** The claim statement (see claimDue). */
export function claim(sql: postgres.TransactionSql, limit: number, leaseMs: number) {
  return sql<Array<{ claimed: ClaimedRow[] | null; endpoints: EndpointRow[] | null }>>`
    WITH open_pieces AS MATERIALIZED (
        ${sql.unsafe(OPEN_PIECES)}
      ), due AS (
        SELECT d.id FROM webhook_deliveries d
        JOIN webhook_endpoints w ON w.id = d.endpoint_id AND w.enabled
        WHERE d.state = 'pending' AND d.next_attempt_at <= now() AND (d.leased_until IS NULL OR d.leased_until <= now())
          AND NOT EXISTS (SELECT 1 FROM webhook_deliveries o WHERE o.endpoint_id = d.endpoint_id
                            AND o.payment_id = d.payment_id AND o.state = 'pending' AND o.seq < d.seq)
          -- nor while an earlier event of the payment is not fanned out yet: transaction ids
          -- are taken at a first write, so a later event may carry the smaller one
          AND NOT EXISTS (SELECT 1 FROM payment_events pe, webhook_state st WHERE st.name = 'webhooks'
                            AND pe.payment_id = d.payment_id AND pe.seq < d.seq
                            AND (${sql.unsafe(notFannedOut('pe'))} OR EXISTS (SELECT 1 FROM open_pieces k WHERE ${sql.unsafe(inPiece('pe', 'k'))})))
          -- nor while its own event is in flight in an open piece (a redelivery asked for meanwhile)
          AND NOT EXISTS (SELECT 1 FROM payment_events de, open_pieces k WHERE de.id = d.event_id AND ${sql.unsafe(inPiece('de', 'k'))})
        ORDER BY d.next_attempt_at LIMIT ${limit}
        FOR UPDATE OF d SKIP LOCKED
      ), d AS (
        UPDATE webhook_deliveries d SET attempts = d.attempts + 1, leased_until = clock_timestamp() + ${leaseMs} * interval '1 millisecond',
          resend = false
        FROM due WHERE d.id = due.id RETURNING d.*
      )
      SELECT (
          SELECT json_agg(c) FROM (
            SELECT ${sql.unsafe(claimedColumns({ id: 'd.id', attempts: 'd.attempts', piece: 'NULL', endpointId: 'd.endpoint_id' }, 'e', 'p'))}
            FROM d JOIN payment_events e ON e.id = d.event_id JOIN payments p ON p.id = d.payment_id
          ) c
        ) AS claimed, (
          SELECT json_agg(x) FROM (
            SELECT ${sql.unsafe(endpointColumns('w'))} FROM webhook_endpoints w WHERE w.id IN (SELECT endpoint_id FROM d)
          ) x
        ) AS endpoints`;
}

/**
 * A leased delivery's columns, read by json_agg of the rows they make (one JSON array, which the
 * client parses natively, where seventeen columns a row were each parsed by the driver in
 * JavaScript; a row is turned into JSON more cheaply than by json_build_object). From its row's
 * id, attempt count, piece and endpoint (SQL expressions), and the aliases of its event and of
 * its payment (the payment's fixed fields). Where it goes comes once per endpoint (endpointColumns).
 */
export function claimedColumns(
  d: { id: string; attempts: string; piece: string; endpointId: string },
  e: string,
  p: string,
): string {
  return `${d.id}::bigint AS id, ${d.attempts}::int AS attempts, ${d.piece}::bigint AS piece, ${d.endpointId} AS endpoint_id,
  ${e}.id AS event_id, ${e}.seq, ${e}.to_status, ${e}.at, ${e}.snapshot, ${e}.payment_id, ${p}.amount::text AS amount,
  ${p}.sender_account, ${p}.receiver_account, ${p}.memo, ${p}.created_at`;
}

/** An endpoint's URL and current secrets (two during a rotation's overlap), `w` its alias. */
export function endpointColumns(w: string): string {
  return `${w}.id, ${w}.url,
  array_remove(ARRAY[${w}.secret, CASE WHEN ${w}.previous_secret_until > clock_timestamp() THEN ${w}.previous_secret END], NULL) AS secrets`;
}

/** A leased delivery as claimedColumns has it (JSON: ids as numbers, times as ISO text). */
export interface ClaimedRow {
  id: number | null;
  attempts: number;
  piece: number | null;
  endpoint_id: string;
  event_id: number;
  seq: number;
  to_status: string;
  at: string;
  snapshot: EventSnapshot | null;
  payment_id: string;
  amount: string;
  sender_account: string;
  receiver_account: string;
  memo: string | null;
  created_at: string;
}

/** Where the leased deliveries of one endpoint go, as endpointColumns has it. */
export interface EndpointRow {
  id: string;
  url: string;
  secrets: string[];
}

/** The leased deliveries, in payment order (ids are time-ordered), then by sequence. */
export function toClaimed(rows: ClaimedRow[] | null, endpoints: EndpointRow[] | null): ClaimedDelivery[] {
  if (rows === null) return [];
  const where = new Map((endpoints ?? []).map((endpoint) => [endpoint.id, endpoint]));
  return rows
    .map((row): ClaimedDelivery => {
      const endpoint = where.get(row.endpoint_id);
      if (endpoint === undefined) throw new Error(`a leased delivery's endpoint ${row.endpoint_id} did not come with it`);
      return {
        id: row.id,
        piece: row.piece,
        attempt: row.attempts,
        endpointId: row.endpoint_id,
        url: endpoint.url,
        secrets: endpoint.secrets,
        eventId: row.event_id,
        seq: row.seq,
        toStatus: row.to_status,
        at: new Date(row.at),
        snapshot: row.snapshot,
        payment: {
          id: row.payment_id,
          amount: row.amount,
          sender_account: row.sender_account,
          receiver_account: row.receiver_account,
          memo: row.memo,
          created_at: new Date(row.created_at),
        },
      };
    })
    .sort(inPaymentOrder);
}
