import type postgres from 'postgres';
import {
  BY_KEY,
  type ClaimedDelivery,
  type ClaimedRow,
  claim,
  claimedColumns,
  type EndpointRow,
  endpointColumns,
  FAST_START,
  inPiece,
  OPEN_PIECES,
  reopenExpiredPieces,
  toClaimed,
} from './webhook-delivery-sql.js';

export type { ClaimedDelivery } from './webhook-delivery-sql.js';

export interface AttemptRecord {
  startedAt: Date;
  durationMs: number;
  httpStatus: number | null;
  responseExcerpt: string | null;
  error: string | null;
  delivered: boolean;
  /** When to try again; null when the retries are over (the delivery gives up). */
  retryInMs: number;
}

export interface WebhookAttemptView {
  eventId: number;
  attempt: number;
  startedAt: Date;
  durationMs: number;
  httpStatus: number | null;
  responseExcerpt: string | null;
  error: string | null;
}

/** One event's delivery to one endpoint, as the console's payment page lists it. */
export interface PaymentDeliveryView {
  url: string;
  seq: number;
  toStatus: string;
  /** pending, delivered or failed */
  state: string;
  attempts: number;
  nextAttemptAt: Date | null;
  finishedAt: Date | null;
}

interface PaymentDeliveryRow {
  url: string;
  seq: number;
  to_status: string;
  state: string;
  attempts: number;
  next_attempt_at: Date;
  finished_at: Date | null;
}

/** A subscribed, enabled endpoint of the payment's client takes the event (fan-out and redelivery). */
const SUBSCRIBED = `w.client_id = p.client_id AND w.enabled AND ('payment.' || e.to_status) = ANY(w.event_types)`;

/**
 * The webhook dispatcher's statements: events become deliveries (one per subscribed endpoint),
 * deliveries are claimed under a lease with SKIP LOCKED, in order per payment and endpoint, and
 * every attempt is recorded. Times are the database's clock.
 */
export function createWebhookDeliveriesRepository(sql: postgres.Sql) {
  /** Per piece this caller leased: its first attempts not yet recorded or handed back. */
  const outstanding = new Map<number, number>();
  /** Counts `deliveries` as settled; the pieces of theirs that have none left, to close. */
  const settle = (deliveries: ClaimedDelivery[]): number[] => {
    const closing = new Set<number>();
    for (const { piece } of deliveries) {
      if (piece === null) continue;
      const left = (outstanding.get(piece) ?? 0) - 1;
      if (left > 0) outstanding.set(piece, left);
      else {
        outstanding.delete(piece);
        closing.add(piece);
      }
    }
    return [...closing];
  };

  return {
    /**
     * Turns the events of transactions that ended into deliveries, a piece of at most `limit`
     * events at a time (all of them without a limit). A pass takes the events of every
     * transaction that had ended when it began (below the oldest one then running, so a late
     * commit is never skipped), in id order, a piece per call, until a piece comes out short; an
     * endpoint gets only events from after its creation (unless redelivered).
     *
     * With `leaseMs`, the piece's deliveries that may be sent at once (no earlier event of their
     * payment pending for the endpoint, in this piece or before, in flight in an open piece, nor
     * still to be fanned out) are leased to the caller for their first attempt and returned, as
     * `claimDue` returns what it claims: a backlog's first attempts need no claim of their own.
     * They are leased together, by one `webhook_pieces` row, and get their delivery rows when
     * their attempts are recorded (the piece closes when the last one is, or is handed back).
     * The others are written now and wait for `claimDue`. Several callers take turns on the
     * watermark's row and get distinct pieces.
     */
    async fanOut(
      retryForMs: number,
      options: { limit?: number; leaseMs?: number } = {},
    ): Promise<{ fanned: number; done: boolean; leased: ClaimedDelivery[] }> {
      const limit = options.limit ?? null;
      const leaseMs = options.leaseMs ?? null;
      // (the settings, the lock and the statement sent at once; BY_KEY: the piece walks the events'
      // primary key). The watermark's row is locked by a statement of its own: a statement that
      // waited for it still reads with the snapshot it began with, which misses what the caller
      // before wrote (a payment's first event leased, and its next one leased too, out of order).
      const [, , rows] = await sql.begin((tx) => [
        tx.unsafe(BY_KEY),
        tx`SELECT 1 FROM webhook_state WHERE name = 'webhooks' FOR UPDATE`,
        tx<Array<{ fanned: number; done: boolean; leased: ClaimedRow[] | null; endpoints: EndpointRow[] | null }>>`
          WITH st AS (
            SELECT fanned_xmin, greatest(fanned_xmin, coalesce(pass_xmin, pg_snapshot_xmin(pg_current_snapshot())::text::bigint)) AS pass_xmin,
              CASE WHEN pass_xmin IS NULL THEN 0 ELSE pass_after_id END AS after_id
            FROM webhook_state WHERE name = 'webhooks' FOR UPDATE
          ), piece AS (
            -- (the watermark through scalar subqueries, each computed once: the first bounds the walk)
            SELECT e.id, e.payment_id, e.seq, e.at, e.to_status, e.snapshot FROM payment_events e
            WHERE e.id > (SELECT after_id FROM st) AND e.txid >= (SELECT fanned_xmin FROM st)
              AND e.txid < (SELECT pass_xmin FROM st) AND e.seq IS NOT NULL
            ORDER BY e.id LIMIT ${limit}
          ), mark AS (
            -- after this piece: a full one leaves the pass at its last event, a short one ends it
            SELECT st.fanned_xmin, st.pass_xmin, st.after_id, ${limit}::int IS NOT NULL AND count(piece.id) >= ${limit}::int AS more,
              coalesce(max(piece.id), 0) AS last_id
            FROM st LEFT JOIN piece ON true GROUP BY st.fanned_xmin, st.pass_xmin, st.after_id
          ), open_pieces AS MATERIALIZED (
            ${sql.unsafe(OPEN_PIECES)}
          ), pp AS (
            -- (with what the leased deliveries' payloads take from the payment: never looked up twice)
            SELECT piece.*, p.client_id, p.amount, p.sender_account, p.receiver_account, p.memo, p.created_at
            FROM piece JOIN payments p ON p.id = piece.payment_id
          ), ep AS (
            -- locked: never deleted under the inserts (the trigger of drizzle/0009 deletes its rows)
            SELECT w.id, w.client_id, w.event_types, w.created_at, w.url, w.secret, w.previous_secret, w.previous_secret_until
            FROM webhook_endpoints w
            WHERE w.enabled AND w.client_id IN (SELECT client_id FROM pp) FOR KEY SHARE
          ), cand AS (
            SELECT ep.id AS endpoint_id, pp.id AS event_id, pp.payment_id, pp.seq, pp.at,
              row_number() OVER (PARTITION BY ep.id, pp.payment_id ORDER BY pp.seq) AS nth,
              row_number() OVER (ORDER BY pp.id, ep.id) AS rank
            FROM pp JOIN ep ON ep.client_id = pp.client_id AND ('payment.' || pp.to_status) = ANY(ep.event_types)
              AND ep.created_at <= pp.at
          ), leasable AS MATERIALIZED (
            -- (at most limit leased: an event fans out to every endpoint subscribed, and the
            -- caller's lease is reckoned for a batch)
            SELECT c.*, ${leaseMs}::float8 IS NOT NULL AND c.nth = 1 AND (${limit}::int IS NULL OR c.rank <= ${limit}::int)
              AND NOT EXISTS (SELECT 1 FROM webhook_deliveries o WHERE o.endpoint_id = c.endpoint_id
                                AND o.payment_id = c.payment_id AND o.state = 'pending' AND o.seq < c.seq)
              -- nor an earlier event of the payment still to be fanned out once this piece is, or
              -- in flight in an open piece
              AND NOT EXISTS (SELECT 1 FROM payment_events pe WHERE pe.payment_id = c.payment_id AND pe.seq < c.seq
                                AND ((pe.txid >= m.fanned_xmin AND NOT (pe.txid < m.pass_xmin AND (NOT m.more OR pe.id <= m.last_id)))
                                  OR EXISTS (SELECT 1 FROM open_pieces k WHERE ${sql.unsafe(inPiece('pe', 'k'))})))
              AS go
            FROM cand c, mark m
          ), ins AS (
            -- what waits: written now, for claimDue
            INSERT INTO webhook_deliveries (endpoint_id, event_id, payment_id, seq, give_up_at)
            SELECT endpoint_id, event_id, payment_id, seq, at + ${retryForMs} * interval '1 millisecond'
            FROM leasable WHERE NOT go
            ON CONFLICT (endpoint_id, event_id) DO NOTHING
            RETURNING 1
          ), lease AS (
            -- what goes: leased by one row, written when recorded
            INSERT INTO webhook_pieces (after_id, last_id, fanned_xmin, pass_xmin, endpoint_ids, event_ids, retry_for_ms, leased_until)
            SELECT m.after_id, m.last_id, m.fanned_xmin, m.pass_xmin, array_agg(l.endpoint_id), array_agg(l.event_id),
              ${retryForMs}, clock_timestamp() + ${leaseMs} * interval '1 millisecond'
            FROM leasable l, mark m WHERE l.go
            GROUP BY m.after_id, m.last_id, m.fanned_xmin, m.pass_xmin
            RETURNING id
          ), moved AS (
            UPDATE webhook_state s SET
              fanned_xmin = CASE WHEN m.more THEN m.fanned_xmin ELSE m.pass_xmin END,
              pass_xmin = CASE WHEN m.more THEN m.pass_xmin END,
              pass_after_id = CASE WHEN m.more THEN m.last_id ELSE 0 END
            FROM mark m WHERE s.name = 'webhooks'
          ), counts AS (
            SELECT (SELECT count(*)::int FROM ins) + (SELECT count(*)::int FROM leasable WHERE go) AS fanned,
              NOT m.more AS done FROM mark m
          )
          SELECT counts.fanned, counts.done, (
              SELECT json_agg(c) FROM (
                SELECT ${sql.unsafe(claimedColumns({ id: 'NULL', attempts: '1', piece: 'k.id', endpointId: 'l.endpoint_id' }, 'pp', 'pp'))}
                FROM leasable l JOIN pp ON pp.id = l.event_id, lease k WHERE l.go
              ) c
            ) AS leased, (
              SELECT json_agg(x) FROM (
                SELECT ${sql.unsafe(endpointColumns('ep'))} FROM ep WHERE ep.id IN (SELECT endpoint_id FROM leasable WHERE go)
              ) x
            ) AS endpoints
          FROM counts`,
      ]);
      const [piece] = rows;
      const leased = toClaimed(piece?.leased ?? null, piece?.endpoints ?? null);
      const pieceId = leased[0]?.piece;
      if (pieceId != null) outstanding.set(pieceId, leased.length);
      return { fanned: piece?.fanned ?? 0, done: piece?.done ?? true, leased };
    },

    /**
     * Claims up to `limit` due deliveries for one attempt each, leased for `leaseMs` (leased_until:
     * no other claim takes them meanwhile, not even after a redelivery). A delivery waits while an earlier event of the same
     * payment is still pending for the same endpoint, or not yet fanned out. Due is `now()`, the
     * statement's start: stable, so the due index bounds the scan (clock_timestamp() was a filter
     * on every pending row; the cost is in bench/README.md, "Webhooks: what the case found").
     *
     * The oldest due deliveries are read by walking the due index in order and stopping at
     * `limit`, whatever the statistics say (FAST_START). A backlog arrives in a burst (one fan-out
     * inserts a status apply's thousands of deliveries), faster than autovacuum re-analyzes the
     * table: planned from statistics taken before it, the claim read, checked and sorted every due
     * delivery to keep `limit` of them, so each claim cost time in proportion to the backlog.
     */
    async claimDue(limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
      // (the settings, the pieces whose lease ran out made pending, and the claim, sent at once)
      const [, , [row]] = await sql.begin((tx) => [tx.unsafe(FAST_START), reopenExpiredPieces(tx), claim(tx, limit, leaseMs)]);
      // (in payment order: sorted by toClaimed, as a sort in the statement would be planned
      // without sorts, a walk of every payment in key order)
      return toClaimed(row?.claimed ?? null, row?.endpoints ?? null);
    },

    /**
     * Hands back deliveries leased but not sent (a dispatcher that stops), so another dispatcher
     * takes them at once rather than after the lease: claimed ones unleased, their attempt count
     * as before the claim (only while the lease is still theirs: the count unchanged); a piece's
     * written as pending, due now, taken once their piece has closed.
     */
    async releaseLeases(deliveries: ClaimedDelivery[]): Promise<void> {
      if (deliveries.length === 0) return;
      const claimed = deliveries.filter((d) => d.id !== null);
      const firsts = deliveries.filter((d) => d.piece !== null);
      const closing = settle(firsts);
      await sql.begin((tx) => [
        tx`
          UPDATE webhook_deliveries d SET leased_until = NULL, attempts = d.attempts - 1
          FROM unnest(${claimed.map((d) => d.id)}::bigint[], ${claimed.map((d) => d.attempt)}::int[]) AS r(id, attempt)
          WHERE d.id = r.id AND d.attempts = r.attempt AND d.state = 'pending'`,
        tx`
          INSERT INTO webhook_deliveries (endpoint_id, event_id, payment_id, seq, give_up_at)
          SELECT w.id, e.id, e.payment_id, e.seq, e.at + k.retry_for_ms * interval '1 millisecond'
          FROM unnest(${firsts.map((d) => d.endpointId)}::uuid[], ${firsts.map((d) => d.eventId)}::bigint[],
            ${firsts.map((d) => d.piece)}::bigint[]) AS r(endpoint_id, event_id, piece)
          JOIN webhook_pieces k ON k.id = r.piece JOIN webhook_endpoints w ON w.id = r.endpoint_id
          JOIN payment_events e ON e.id = r.event_id
          FOR KEY SHARE OF w -- never deleted under the insert (drizzle/0009)
          ON CONFLICT (endpoint_id, event_id) DO NOTHING`,
        tx`DELETE FROM webhook_pieces WHERE id = ANY(${closing}::bigint[])`,
      ]);
    },

    /**
     * Records a batch of attempts in one statement, in the order they finished: each attempt
     * (always), and its outcome on its delivery while the attempt is still the delivery's current
     * one; a failure past the delivery's give-up time ends it, and so does a success unless a
     * redelivery was asked for while it was in flight (then it is due again). A piece's first
     * attempt writes its delivery's row, while the piece is still open (its lease ran out: the
     * row was made pending meanwhile, and only the attempt is logged); the piece closes with
     * its last one. Per endpoint, a success as its last attempt ends the failure streak;
     * failures after its last success start one (or carry it on), and a streak older than
     * `disableAfterMs` disables the endpoint, with why.
     */
    async recordAttempts(attempts: Array<{ delivery: ClaimedDelivery; record: AttemptRecord }>, disableAfterMs: number) {
      if (attempts.length === 0) return;
      // The batch goes as one jsonb value, read by jsonb_to_recordset: JSON.stringify is native,
      // where eleven parameter arrays were each escaped element by element in JavaScript.
      const input = attempts.map(({ delivery, record }, index) => ({
        delivery_id: delivery.id,
        piece: delivery.piece,
        endpoint_id: delivery.endpointId,
        event_id: delivery.eventId,
        payment_id: delivery.payment.id,
        seq: delivery.seq,
        at: delivery.at.toISOString(),
        attempt: delivery.attempt,
        started_at: record.startedAt.toISOString(),
        duration_ms: record.durationMs,
        http_status: record.httpStatus,
        response_excerpt: storable(record.responseExcerpt),
        error: storable(record.error),
        delivered: record.delivered,
        retry_in_ms: record.retryInMs,
        ord: index + 1,
      }));
      const endpointIds = [...new Set(attempts.map((a) => a.delivery.endpointId))];
      const pieces = [...new Set(attempts.flatMap((a) => (a.delivery.piece === null ? [] : [a.delivery.piece])))];
      const closing = settle(attempts.map((a) => a.delivery));
      // One transaction, its statements sent at once: the plan settings, the batch's endpoints
      // locked (never deleted under the inserts; one deleted before gets no attempt: drizzle/0009),
      // its open pieces locked (by statements of their own: the record then reads what reopened
      // a piece before), then the statement.
      await sql.begin((tx) => [
        tx.unsafe(BY_KEY),
        tx`SELECT 1 FROM webhook_endpoints WHERE id = ANY(${endpointIds}::uuid[]) FOR KEY SHARE`,
        tx`SELECT 1 FROM webhook_pieces WHERE id = ANY(${pieces}::bigint[]) FOR UPDATE`,
        tx`
        WITH input AS (
          SELECT * FROM jsonb_to_recordset(${tx.json(input)})
            AS i(delivery_id bigint, piece bigint, endpoint_id uuid, event_id bigint, payment_id uuid, seq int, at timestamptz,
              attempt int, started_at timestamptz, duration_ms int, http_status int, response_excerpt text, error text,
              delivered boolean, retry_in_ms float8, ord int)
        ), open AS (
          SELECT k.id, k.retry_for_ms FROM webhook_pieces k WHERE k.id = ANY(${pieces}::bigint[])
        ), outcome AS (
          SELECT i.*, i.at + o.retry_for_ms * interval '1 millisecond' AS give_up_at,
            clock_timestamp() + i.retry_in_ms * interval '1 millisecond' AS retry_at
          FROM input i JOIN open o ON o.id = i.piece
          WHERE EXISTS (SELECT 1 FROM webhook_endpoints w WHERE w.id = i.endpoint_id)
        ), first AS (
          -- a piece's first attempts: their rows, in their final state
          INSERT INTO webhook_deliveries AS d (endpoint_id, event_id, payment_id, seq, give_up_at, attempts, state, next_attempt_at, finished_at)
          SELECT endpoint_id, event_id, payment_id, seq, give_up_at, 1,
            CASE WHEN delivered THEN 'delivered' WHEN retry_at > give_up_at THEN 'failed' ELSE 'pending' END,
            CASE WHEN delivered THEN clock_timestamp() ELSE retry_at END,
            CASE WHEN delivered OR retry_at > give_up_at THEN clock_timestamp() END
          FROM outcome
          -- a redelivery asked for while the attempt was in flight wrote the row: one more after it
          ON CONFLICT (endpoint_id, event_id) DO UPDATE SET attempts = 1,
            state = CASE WHEN EXCLUDED.state <> 'delivered' AND EXCLUDED.next_attempt_at > d.give_up_at THEN 'failed' ELSE 'pending' END,
            next_attempt_at = EXCLUDED.next_attempt_at,
            finished_at = CASE WHEN EXCLUDED.state <> 'delivered' AND EXCLUDED.next_attempt_at > d.give_up_at THEN clock_timestamp() END
          RETURNING d.id, d.endpoint_id, d.event_id
        ), attempt AS (
          INSERT INTO webhook_attempts (delivery_id, endpoint_id, event_id, attempt, started_at, duration_ms, http_status, response_excerpt, error)
          SELECT r.row_id, r.endpoint_id, r.event_id, r.attempt, r.started_at, r.duration_ms, r.http_status, r.response_excerpt, r.error
          FROM (
            -- (a first attempt whose piece was reopened meanwhile: the row reopening wrote)
            SELECT i.*, coalesce(i.delivery_id, f.id, (SELECT x.id FROM webhook_deliveries x
              WHERE x.endpoint_id = i.endpoint_id AND x.event_id = i.event_id)) AS row_id
            FROM input i LEFT JOIN first f ON f.endpoint_id = i.endpoint_id AND f.event_id = i.event_id
            WHERE EXISTS (SELECT 1 FROM webhook_endpoints w WHERE w.id = i.endpoint_id)
          ) r WHERE r.row_id IS NOT NULL ORDER BY r.ord
        ), closed AS (
          DELETE FROM webhook_pieces WHERE id = ANY(${closing}::bigint[])
        ), delivery AS (
          UPDATE webhook_deliveries d SET
            state = CASE WHEN i.delivered AND NOT d.resend THEN 'delivered' WHEN i.delivered THEN 'pending'
              WHEN clock_timestamp() + i.retry_in_ms * interval '1 millisecond' > d.give_up_at THEN 'failed' ELSE 'pending' END,
            finished_at = CASE WHEN i.delivered AND NOT d.resend THEN clock_timestamp() WHEN i.delivered THEN NULL
              WHEN clock_timestamp() + i.retry_in_ms * interval '1 millisecond' > d.give_up_at THEN clock_timestamp() END,
            next_attempt_at = CASE WHEN i.delivered AND NOT d.resend THEN d.next_attempt_at WHEN i.delivered THEN clock_timestamp()
              ELSE clock_timestamp() + i.retry_in_ms * interval '1 millisecond' END,
            leased_until = NULL
          FROM input i WHERE d.id = i.delivery_id AND d.attempts = i.attempt AND d.state = 'pending'
        ), ranked AS (
          SELECT i.*, max(CASE WHEN i.delivered THEN i.ord END) OVER (PARTITION BY i.endpoint_id) AS last_ok,
            max(i.ord) OVER (PARTITION BY i.endpoint_id) AS last
          FROM input i
        ), streak AS (
          SELECT r.endpoint_id, bool_or(r.delivered AND r.ord = r.last) AS ends_ok, bool_or(r.delivered) AS any_ok,
            min(r.started_at) FILTER (WHERE NOT r.delivered AND r.ord > coalesce(r.last_ok, 0)) AS failed_from,
            (array_agg(coalesce(r.error, 'HTTP ' || r.http_status) ORDER BY r.ord DESC) FILTER (WHERE NOT r.delivered))[1] AS last_error
          FROM ranked r GROUP BY r.endpoint_id
        ), next AS (
          SELECT s.endpoint_id, s.last_error, CASE WHEN s.ends_ok THEN NULL WHEN s.any_ok THEN s.failed_from
            ELSE coalesce(w.failing_since, s.failed_from) END AS failing_since
          FROM streak s JOIN webhook_endpoints w ON w.id = s.endpoint_id
        )
        UPDATE webhook_endpoints w SET failing_since = n.failing_since,
          enabled = CASE WHEN n.failing_since < clock_timestamp() - ${disableAfterMs} * interval '1 millisecond' THEN false ELSE w.enabled END,
          disabled_reason = CASE WHEN n.failing_since < clock_timestamp() - ${disableAfterMs} * interval '1 millisecond'
            THEN 'every attempt failed since ' || to_char(n.failing_since AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') || '; last: ' || n.last_error
            ELSE w.disabled_reason END
        FROM next n
        WHERE w.id = n.endpoint_id
          AND (w.failing_since IS DISTINCT FROM n.failing_since OR n.failing_since < clock_timestamp() - ${disableAfterMs} * interval '1 millisecond')`,
      ]);
    },

    /** The endpoint's latest attempts, newest first (the caller checked the endpoint is the client's). */
    async listAttempts(endpointId: string, limit: number): Promise<WebhookAttemptView[]> {
      const rows = await sql<AttemptRow[]>`
        SELECT event_id, attempt, started_at, duration_ms, http_status, response_excerpt, error FROM webhook_attempts
        WHERE endpoint_id = ${endpointId} ORDER BY id DESC LIMIT ${limit}`;
      return rows.map((row) => ({
        eventId: Number(row.event_id),
        attempt: row.attempt,
        startedAt: row.started_at,
        durationMs: row.duration_ms,
        httpStatus: row.http_status,
        responseExcerpt: row.response_excerpt,
        error: row.error,
      }));
    },

    /**
     * Queues one of the client's events again for each subscribed, enabled endpoint, with a new
     * retry period. Null when the client has no such event.
     */
    async redeliverEvent(clientId: string, eventId: number, retryForMs: number): Promise<number | null> {
      const [owned] = await sql`
        SELECT 1 FROM payment_events e JOIN payments p ON p.id = e.payment_id
        WHERE e.id = ${eventId} AND p.client_id = ${clientId} AND e.seq IS NOT NULL`;
      if (!owned) return null;
      return requeue(sql`e.id = ${eventId} AND p.client_id = ${clientId}`, sql`TRUE`, retryForMs);
    },

    /**
     * Every delivery of a payment's events, for the operator console: through the payment's
     * events and its client's endpoints, so the unique (endpoint, event) index finds each one.
     */
    async listForPayment(paymentId: string): Promise<PaymentDeliveryView[]> {
      const rows = await sql<PaymentDeliveryRow[]>`
        SELECT w.url, e.seq, e.to_status, d.state, d.attempts, d.next_attempt_at, d.finished_at
        FROM payment_events e JOIN payments p ON p.id = e.payment_id
        JOIN webhook_endpoints w ON w.client_id = p.client_id
        JOIN webhook_deliveries d ON d.endpoint_id = w.id AND d.event_id = e.id
        WHERE e.payment_id = ${paymentId} ORDER BY e.id, w.id`;
      return rows.map((row) => ({
        url: row.url,
        seq: row.seq,
        toStatus: row.to_status,
        state: row.state,
        attempts: row.attempts,
        nextAttemptAt: row.state === 'pending' ? row.next_attempt_at : null,
        finishedAt: row.finished_at,
      }));
    },

    /** Queues again every event of the endpoint's client since `since` that the endpoint subscribes to. */
    async redeliverSince(clientId: string, endpointId: string, since: Date, retryForMs: number): Promise<number> {
      return requeue(sql`p.client_id = ${clientId} AND e.at >= ${since}`, sql`w.id = ${endpointId}`, retryForMs);
    },
  };

  async function requeue(
    events: postgres.PendingQuery<postgres.Row[]>,
    endpoints: postgres.PendingQuery<postgres.Row[]>,
    retryForMs: number,
  ) {
    const result = await sql`
      INSERT INTO webhook_deliveries (endpoint_id, event_id, payment_id, seq, give_up_at)
      SELECT w.id, e.id, e.payment_id, e.seq, clock_timestamp() + ${retryForMs} * interval '1 millisecond'
      FROM payment_events e JOIN payments p ON p.id = e.payment_id
      JOIN webhook_endpoints w ON ${sql.unsafe(SUBSCRIBED)}
      WHERE ${events} AND ${endpoints} AND e.seq IS NOT NULL
      FOR KEY SHARE OF w -- never deleted under the insert (drizzle/0009)
      ON CONFLICT (endpoint_id, event_id) DO UPDATE SET state = 'pending', next_attempt_at = clock_timestamp(),
        give_up_at = EXCLUDED.give_up_at, finished_at = NULL,
        -- an attempt in flight may have reached the receiver before this ask: one more after it
        resend = webhook_deliveries.state = 'pending' AND webhook_deliveries.leased_until IS NOT NULL`;
    return result.count;
  }
}

/**
 * A receiver's text as a Postgres text column (and the jsonb the record goes as) holds it: a NUL,
 * which a receiver may well answer, and half a surrogate pair (an error text cut at its length
 * limit) become U+FFFD. Stored as they came, either failed the statement recording the whole
 * batch of attempts, and the batch was sent again once its lease ended, over and over.
 */
function storable(text: string | null): string | null {
  return text === null ? null : text.toWellFormed().replaceAll('\0', '\uFFFD');
}

interface AttemptRow {
  event_id: string;
  attempt: number;
  started_at: Date;
  duration_ms: number;
  http_status: number | null;
  response_excerpt: string | null;
  error: string | null;
}

export type WebhookDeliveriesRepository = ReturnType<typeof createWebhookDeliveriesRepository>;
