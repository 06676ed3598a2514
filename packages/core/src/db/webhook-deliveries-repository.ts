import type postgres from 'postgres';
import type { EventSnapshot } from './schema/payments.js';

/** A delivery claimed for one attempt: the event, the payment's fixed fields, and where to send it. */
export interface ClaimedDelivery {
  id: number;
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
  return {
    /**
     * Turns the events of transactions that ended into deliveries, a piece of at most `limit`
     * events at a time (all of them without a limit). A pass takes the events of every
     * transaction that had ended when it began (below the oldest one then running, so a late
     * commit is never skipped), in id order, a piece per call, until a piece comes out short; an
     * endpoint gets only events from after its creation (unless redelivered).
     *
     * With `leaseMs`, the piece's deliveries that may be sent at once (no earlier event of their
     * payment pending for the endpoint, in this piece or before, nor still to be fanned out) are
     * leased to the caller for their first attempt and returned, as `claimDue` returns what it
     * claims: a backlog's first attempts need no claim of their own. The others wait for
     * `claimDue`. Several callers take turns on the watermark's row and get distinct pieces.
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
        tx<Array<{ fanned: number; done: boolean; leased: ClaimedRow[] | null }>>`
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
            SELECT st.fanned_xmin, st.pass_xmin, ${limit}::int IS NOT NULL AND count(piece.id) >= ${limit}::int AS more,
              coalesce(max(piece.id), 0) AS last_id
            FROM st LEFT JOIN piece ON true GROUP BY st.fanned_xmin, st.pass_xmin
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
              -- nor an earlier event of the payment still to be fanned out once this piece is
              AND NOT EXISTS (SELECT 1 FROM payment_events pe WHERE pe.payment_id = c.payment_id AND pe.seq < c.seq
                                AND pe.txid >= m.fanned_xmin AND NOT (pe.txid < m.pass_xmin AND (NOT m.more OR pe.id <= m.last_id)))
              AS go
            FROM cand c, mark m
          ), ins AS (
            INSERT INTO webhook_deliveries (endpoint_id, event_id, payment_id, seq, give_up_at, attempts, leased_until)
            SELECT endpoint_id, event_id, payment_id, seq, at + ${retryForMs} * interval '1 millisecond',
              CASE WHEN go THEN 1 ELSE 0 END, CASE WHEN go THEN clock_timestamp() + ${leaseMs} * interval '1 millisecond' END
            FROM leasable
            ON CONFLICT (endpoint_id, event_id) DO NOTHING
            RETURNING id, attempts, endpoint_id, event_id, payment_id
          ), moved AS (
            UPDATE webhook_state s SET
              fanned_xmin = CASE WHEN m.more THEN m.fanned_xmin ELSE m.pass_xmin END,
              pass_xmin = CASE WHEN m.more THEN m.pass_xmin END,
              pass_after_id = CASE WHEN m.more THEN m.last_id ELSE 0 END
            FROM mark m WHERE s.name = 'webhooks'
          ), counts AS (
            SELECT (SELECT count(*)::int FROM ins) AS fanned, NOT m.more AS done FROM mark m
          )
          SELECT counts.fanned, counts.done, (
            SELECT json_agg(${sql.unsafe(claimedJson('d', 'ep', 'pp', 'pp'))})
            FROM ins d JOIN ep ON ep.id = d.endpoint_id JOIN pp ON pp.id = d.event_id
            WHERE d.attempts = 1
          ) AS leased
          FROM counts`,
      ]);
      const [piece] = rows;
      return { fanned: piece?.fanned ?? 0, done: piece?.done ?? true, leased: toClaimed(piece?.leased ?? null) };
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
      // (the settings and the statement sent at once)
      const [, [row]] = await sql.begin((tx) => [tx.unsafe(FAST_START), claim(tx, limit, leaseMs)]);
      // (in payment order: sorted by toClaimed, as a sort in the statement would be planned
      // without sorts, a walk of every payment in key order)
      return toClaimed(row?.claimed ?? null);
    },

    /**
     * Hands back deliveries leased but not sent (a dispatcher that stops): unleased, their
     * attempt count as before the claim, so another dispatcher takes them at once rather than
     * after the lease. Only while the lease is still theirs (the attempt count unchanged).
     */
    async releaseLeases(deliveries: ClaimedDelivery[]): Promise<void> {
      if (deliveries.length === 0) return;
      await sql`
        UPDATE webhook_deliveries d SET leased_until = NULL, attempts = d.attempts - 1
        FROM unnest(${deliveries.map((d) => d.id)}::bigint[], ${deliveries.map((d) => d.attempt)}::int[]) AS r(id, attempt)
        WHERE d.id = r.id AND d.attempts = r.attempt AND d.state = 'pending'`;
    },

    /**
     * Records a batch of attempts in one statement, in the order they finished: each attempt
     * (always), and its outcome on its delivery while the attempt is still the delivery's current
     * one; a failure past the delivery's give-up time ends it, and so does a success unless a
     * redelivery was asked for while it was in flight (then it is due again). Per endpoint, a success as its
     * last attempt ends the failure streak; failures after its last success start one (or carry
     * it on), and a streak older than `disableAfterMs` disables the endpoint, with why.
     */
    async recordAttempts(attempts: Array<{ delivery: ClaimedDelivery; record: AttemptRecord }>, disableAfterMs: number) {
      if (attempts.length === 0) return;
      // The batch goes as one jsonb value, read by jsonb_to_recordset: JSON.stringify is native,
      // where eleven parameter arrays were each escaped element by element in JavaScript.
      const input = attempts.map(({ delivery, record }, index) => ({
        delivery_id: delivery.id,
        endpoint_id: delivery.endpointId,
        event_id: delivery.eventId,
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
      // One transaction, its statements sent at once: the plan settings, the batch's endpoints
      // locked (never deleted under the inserts; one deleted before gets no attempt: drizzle/0009),
      // then the statement.
      await sql.begin((tx) => [
        tx.unsafe(BY_KEY),
        tx`SELECT 1 FROM webhook_endpoints WHERE id = ANY(${endpointIds}::uuid[]) FOR KEY SHARE`,
        tx`
        WITH input AS (
          SELECT * FROM jsonb_to_recordset(${tx.json(input)})
            AS i(delivery_id bigint, endpoint_id uuid, event_id bigint, attempt int, started_at timestamptz,
              duration_ms int, http_status int, response_excerpt text, error text, delivered boolean, retry_in_ms float8, ord int)
        ), attempt AS (
          INSERT INTO webhook_attempts (delivery_id, endpoint_id, event_id, attempt, started_at, duration_ms, http_status, response_excerpt, error)
          SELECT delivery_id, endpoint_id, event_id, attempt, started_at, duration_ms, http_status, response_excerpt, error
          FROM input i WHERE EXISTS (SELECT 1 FROM webhook_endpoints w WHERE w.id = i.endpoint_id) ORDER BY ord
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
 * The event `event` (an alias of payment_events) not fanned out yet, with `st` the watermark's
 * row: its transaction is not below the watermark, nor is it among what the pass in progress did.
 */
export function notFannedOut(event: string): string {
  return `${event}.txid >= st.fanned_xmin AND NOT (${event}.txid < coalesce(st.pass_xmin, 0) AND ${event}.id <= st.pass_after_id)`;
}

/**
 * Planner settings for the claim's transaction: no sort and no bitmap scan, so the only plan
 * left for "the oldest `limit` due deliveries" is the due index read in order, stopping early;
 * and planned each time with its values: the generic plan of a prepared statement, which
 * Postgres switches to after five runs, knows neither the limit nor the watermark, and stalled
 * every piece once the tables were a backlog's size (bench/README.md, webhooks).
 */
const FAST_START =
  'SET LOCAL enable_sort = off; SET LOCAL enable_bitmapscan = off; SET LOCAL plan_cache_mode = force_custom_plan';

/**
 * Planner settings for fan-out and recording: their every row is found by its key, but planned
 * from statistics taken while a table was (nearly) empty, as after a burst, each per-row probe
 * became a sequential scan of the table (a piece or a record cost time in proportion to the
 * backlog: bench/README.md, webhooks). No sequential scan, and, for the piece, FAST_START's walk.
 */
const BY_KEY = `${FAST_START}; SET LOCAL enable_seqscan = off`;

/**
 * A receiver's text as a Postgres text column (and the jsonb the record goes as) holds it: a NUL,
 * which a receiver may well answer, and half a surrogate pair (an error text cut at its length
 * limit) become U+FFFD. Stored as they came, either failed the statement recording the whole
 * batch of attempts, and the batch was sent again once its lease ended, over and over.
 */
function storable(text: string | null): string | null {
  return text === null ? null : text.toWellFormed().replaceAll('\0', '\uFFFD');
}

/** In payment order (ids are time-ordered), then by sequence. */
function inPaymentOrder(a: ClaimedDelivery, b: ClaimedDelivery): number {
  return a.payment.id < b.payment.id ? -1 : a.payment.id > b.payment.id ? 1 : a.seq - b.seq;
}

/** The claim statement (see claimDue). */
function claim(sql: postgres.TransactionSql, limit: number, leaseMs: number) {
  return sql<Array<{ claimed: ClaimedRow[] | null }>>`
    WITH due AS (
        SELECT d.id FROM webhook_deliveries d
        JOIN webhook_endpoints w ON w.id = d.endpoint_id AND w.enabled
        WHERE d.state = 'pending' AND d.next_attempt_at <= now() AND (d.leased_until IS NULL OR d.leased_until <= now())
          AND NOT EXISTS (SELECT 1 FROM webhook_deliveries o WHERE o.endpoint_id = d.endpoint_id
                            AND o.payment_id = d.payment_id AND o.state = 'pending' AND o.seq < d.seq)
          -- nor while an earlier event of the payment is not fanned out yet: transaction ids
          -- are taken at a first write, so a later event may carry the smaller one
          AND NOT EXISTS (SELECT 1 FROM payment_events pe, webhook_state st WHERE st.name = 'webhooks'
                            AND pe.payment_id = d.payment_id AND pe.seq < d.seq AND ${sql.unsafe(notFannedOut('pe'))})
        ORDER BY d.next_attempt_at LIMIT ${limit}
        FOR UPDATE OF d SKIP LOCKED
      ), d AS (
        UPDATE webhook_deliveries d SET attempts = d.attempts + 1, leased_until = clock_timestamp() + ${leaseMs} * interval '1 millisecond',
          resend = false
        FROM due WHERE d.id = due.id RETURNING d.*
      )
      SELECT json_agg(${sql.unsafe(claimedJson('d', 'w', 'e', 'p'))}) AS claimed
      FROM d JOIN webhook_endpoints w ON w.id = d.endpoint_id
      JOIN payment_events e ON e.id = d.event_id JOIN payments p ON p.id = d.payment_id`;
}

/**
 * A leased delivery as one JSON object, from the aliases of its delivery, its endpoint, its
 * event and its payment (the payment's fixed fields). A batch of them is read as one JSON array,
 * which the client parses natively, where seventeen columns a row were each parsed by the driver
 * in JavaScript.
 */
function claimedJson(d: string, w: string, e: string, p: string): string {
  return `json_build_object('id', ${d}.id, 'attempts', ${d}.attempts, 'endpoint_id', ${d}.endpoint_id, 'url', ${w}.url,
  'secrets', array_remove(ARRAY[${w}.secret, CASE WHEN ${w}.previous_secret_until > clock_timestamp() THEN ${w}.previous_secret END], NULL),
  'event_id', ${e}.id, 'seq', ${e}.seq, 'to_status', ${e}.to_status, 'at', ${e}.at, 'snapshot', ${e}.snapshot,
  'payment_id', ${e}.payment_id, 'amount', ${p}.amount::text, 'sender_account', ${p}.sender_account,
  'receiver_account', ${p}.receiver_account, 'memo', ${p}.memo, 'created_at', ${p}.created_at)`;
}

/** A leased delivery as claimedJson has it (JSON: ids as numbers, times as ISO text). */
interface ClaimedRow {
  id: number;
  attempts: number;
  endpoint_id: string;
  url: string;
  secrets: string[];
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

interface AttemptRow {
  event_id: string;
  attempt: number;
  started_at: Date;
  duration_ms: number;
  http_status: number | null;
  response_excerpt: string | null;
  error: string | null;
}

/** The leased deliveries, in payment order (ids are time-ordered), then by sequence. */
function toClaimed(rows: ClaimedRow[] | null): ClaimedDelivery[] {
  if (rows === null) return [];
  return rows
    .map(
      (row): ClaimedDelivery => ({
        id: row.id,
        attempt: row.attempts,
        endpointId: row.endpoint_id,
        url: row.url,
        secrets: row.secrets,
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
      }),
    )
    .sort(inPaymentOrder);
}

export type WebhookDeliveriesRepository = ReturnType<typeof createWebhookDeliveriesRepository>;
