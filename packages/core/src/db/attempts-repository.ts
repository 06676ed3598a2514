import type postgres from 'postgres';
import type { Payment } from '../payments/payment.js';
import { STATUS, type TransitionSource } from '../payments/status.js';
import type { AttemptOutcome, RecentOutcome } from '../protocol/careful-mode.js';
import type { ClockSample } from '../protocol/clock.js';
import { isUniqueViolation, prepared, type SqlParameter, type Tx } from './client.js';
import { firstPayment, PAYMENT_COLUMNS, type PaymentRow } from './payment-rows.js';
import { EVENT_OUTBOX_COLUMNS, eventOutboxValues, NEXT_EVENT_SEQ, STATUS_SQL, transitionSql } from './sql-fragments.js';

/** What recording an attempt's outcome did. */
export type RecordResult =
  | { kind: 'applied'; payment: Payment }
  /** The attempt was no longer current (lease ran out, or a newer attempt exists): nothing applied. */
  | { kind: 'fenced' }
  /** Another payment already holds the confirmation_id the gateway returned. */
  | { kind: 'duplicate_confirmation' };

export type OutcomeRecord =
  | { record: 'accepted'; confirmationId: string; gatewayCreatedAt: Date | null }
  | { record: 'retry'; reason: string; retryInMs: number }
  | { record: 'rejected'; reason: string }
  /** confirmationId: what the gateway answered, when it is kept for the record only (already in use). */
  | { record: 'unconfirmed'; reason: string; confirmationId?: string };

/** What a send's outcome does to its payment (each checked against the machine at load). */
const accept = transitionSql(STATUS.received, STATUS.pending);
const refuse = transitionSql(STATUS.received, STATUS.rejected);
const outcomeUnknown = transitionSql(STATUS.received, STATUS.unconfirmed);
/** A late acceptance links a payment its expired lease made unconfirmed, or one queued again. */
const lateLinkUnconfirmed = transitionSql(STATUS.unconfirmed, STATUS.pending);
const lateLinkQueued = transitionSql(STATUS.received, STATUS.pending);

/**
 * Every statement about sending: opening an attempt (its identity is stored before the request
 * leaves), recording its outcome only while it is still the current attempt, expiring leases of
 * processes that died mid-send, and the inputs of the clock and careful-mode decisions.
 * Times are the database's clock throughout (clock_timestamp(), not now(): a statement's own
 * moment, not its transaction's), so windows never mix the clocks of several processes.
 */
export function createAttemptsRepository(sql: postgres.Sql) {
  /** The attempt's outcome, whether or not it is still current: a late answer is never lost. */
  const attemptRow = `a AS (
     UPDATE payment_attempts a SET ended_at = clock_timestamp(), outcome = $3, reason = $4, confirmation_id = $5,
       gateway_created_at = $6, late = CASE WHEN EXISTS (SELECT 1 FROM p) THEN 0 ELSE 1 END
     WHERE a.payment_id = $1 AND a.attempt = $2
   )`;
  /** The payment row, locked, only while this attempt is the open one. */
  const current = `cur AS (
     SELECT id FROM payments
     WHERE id = $1 AND attempts = $2 AND status = ${accept.from} AND attempt_started_at IS NOT NULL
     FOR UPDATE
   )`;

  async function run(text: string, params: SqlParameter[], tx: Tx): Promise<Payment | null> {
    return firstPayment(await prepared<PaymentRow>(tx, text, params));
  }

  const statements = {
    accepted: `WITH ${current}, p AS (
        UPDATE payments p SET status = ${accept.to}, confirmation_id = $5, gateway_created_at = $6, gateway_updated_at = $6,
          submitted_at = clock_timestamp(), attempt_started_at = NULL, next_attempt_at = NULL, last_error = NULL,
          unconfirmed_from = NULL, unconfirmed_until = NULL, window_from_gw = NULL, window_until_gw = NULL, updated_at = clock_timestamp(),
          ${NEXT_EVENT_SEQ}
        FROM cur WHERE p.id = cur.id RETURNING p.*
      ), ${attemptRow}, ev AS (
        INSERT INTO payment_events (payment_id, from_status, to_status, source, ${EVENT_OUTBOX_COLUMNS})
        SELECT id, ${accept.from}, ${accept.to}, $7, ${eventOutboxValues('p')} FROM p
      ) SELECT ${PAYMENT_COLUMNS} FROM p LEFT JOIN sync_state s ON s.name = 'gateway'`,
    retry: `WITH ${current}, p AS (
        UPDATE payments p SET attempt_started_at = NULL, next_attempt_at = clock_timestamp() + $7 * interval '1 millisecond',
          last_error = $4, updated_at = clock_timestamp()
        FROM cur WHERE p.id = cur.id RETURNING p.*
      ), ${attemptRow}
      SELECT ${PAYMENT_COLUMNS} FROM p LEFT JOIN sync_state s ON s.name = 'gateway'`,
    rejected: `WITH ${current}, p AS (
        UPDATE payments p SET status = ${refuse.to}, attempt_started_at = NULL, next_attempt_at = NULL, last_error = $4,
          resolved_at = clock_timestamp(), updated_at = clock_timestamp(), ${NEXT_EVENT_SEQ}
        FROM cur WHERE p.id = cur.id RETURNING p.*
      ), ${attemptRow}, ev AS (
        INSERT INTO payment_events (payment_id, from_status, to_status, source, reason, ${EVENT_OUTBOX_COLUMNS})
        SELECT id, ${refuse.from}, ${refuse.to}, $7, $4, ${eventOutboxValues('p')} FROM p
      ) SELECT ${PAYMENT_COLUMNS} FROM p LEFT JOIN sync_state s ON s.name = 'gateway'`,
    // The window in our clock: from before the request left to now, when we gave up on it.
    unconfirmed: `WITH ${current}, p AS (
        UPDATE payments p SET status = ${outcomeUnknown.to}, unconfirmed_from = p.attempt_started_at, unconfirmed_until = clock_timestamp(),
          window_from_gw = NULL, window_until_gw = NULL, attempt_started_at = NULL, next_attempt_at = NULL, last_error = $4,
          updated_at = clock_timestamp(), ${NEXT_EVENT_SEQ}
        FROM cur WHERE p.id = cur.id RETURNING p.*
      ), ${attemptRow}, ev AS (
        INSERT INTO payment_events (payment_id, from_status, to_status, source, reason, ${EVENT_OUTBOX_COLUMNS})
        SELECT id, ${outcomeUnknown.from}, ${outcomeUnknown.to}, $7, $4, ${eventOutboxValues('p')} FROM p
      ) SELECT ${PAYMENT_COLUMNS} FROM p LEFT JOIN sync_state s ON s.name = 'gateway'`,
  } as const;

  /**
   * Claims the next queued payment whose retry time has come and opens its attempt (number,
   * start, lease) in the same statement, right before its own send. SKIP LOCKED lets several
   * syncers share the queue; one payment per claim, so no lease runs while others are sent.
   */
  async function claimNext(leaseMs: number, tx: Tx = sql): Promise<Payment | null> {
    return run(
      `WITH due AS (
         SELECT id FROM payments
         WHERE status = ${STATUS_SQL.received} AND attempt_started_at IS NULL AND next_attempt_at <= clock_timestamp()
         ORDER BY next_attempt_at LIMIT 1 FOR UPDATE SKIP LOCKED
       ), p AS (
         UPDATE payments p SET attempts = p.attempts + 1, attempt_started_at = clock_timestamp(),
           next_attempt_at = clock_timestamp() + $1 * interval '1 millisecond', updated_at = clock_timestamp()
         FROM due WHERE p.id = due.id RETURNING p.*
       ), a AS (
         INSERT INTO payment_attempts (payment_id, attempt, started_at, lease_until)
         SELECT id, attempts, attempt_started_at, next_attempt_at FROM p
       ) SELECT ${PAYMENT_COLUMNS} FROM p LEFT JOIN sync_state s ON s.name = 'gateway'`,
      [leaseMs],
      tx,
    );
  }

  const OUTCOME_OF: Record<OutcomeRecord['record'], AttemptOutcome> = {
    accepted: 'accepted',
    retry: 'not_delivered',
    rejected: 'rejected',
    unconfirmed: 'ambiguous',
  };

  return {
    /**
     * Records attempt `attempt`'s outcome on the payment if that attempt is still the open one,
     * and on the attempt's own row in any case, in one statement.
     */
    async recordOutcome(
      id: string,
      attempt: number,
      outcome: OutcomeRecord,
      source: TransitionSource,
      tx: Tx = sql,
    ): Promise<RecordResult> {
      const confirmationId =
        outcome.record === 'accepted' || outcome.record === 'unconfirmed' ? (outcome.confirmationId ?? null) : null;
      const gatewayCreatedAt = outcome.record === 'accepted' ? outcome.gatewayCreatedAt : null;
      const reason = outcome.record === 'accepted' ? null : outcome.reason;
      // $7 is the event's source, or the retry delay for a retry (which writes no event).
      const params: SqlParameter[] = [id, attempt, OUTCOME_OF[outcome.record], reason, confirmationId, gatewayCreatedAt];
      params.push(outcome.record === 'retry' ? outcome.retryInMs : source);
      try {
        const payment = await run(statements[outcome.record], params, tx);
        return payment ? { kind: 'applied', payment } : { kind: 'fenced' };
      } catch (error) {
        if (isUniqueViolation(error)) return { kind: 'duplicate_confirmation' };
        throw error;
      }
    },

    /**
     * A fenced-off attempt's acceptance, when nothing newer was sent: the payment (unconfirmed by
     * its expired lease) takes the confirmation_id. Guarded by the attempt number.
     */
    async linkLateAcceptance(
      id: string,
      attempt: number,
      confirmationId: string,
      gatewayCreatedAt: Date | null,
      source: TransitionSource,
      tx: Tx = sql,
    ): Promise<Payment | null> {
      const reason = `late answer to attempt ${attempt}: accepted by the gateway`;
      try {
        return await run(
          `WITH cur AS (
             SELECT id, status FROM payments
             WHERE id = $1 AND attempts = $2 AND confirmation_id IS NULL
               AND (status = ${lateLinkUnconfirmed.from} OR (status = ${lateLinkQueued.from} AND attempt_started_at IS NULL))
             FOR UPDATE
           ), p AS (
             UPDATE payments p SET status = ${lateLinkUnconfirmed.to}, confirmation_id = $3, gateway_created_at = $4, gateway_updated_at = $4,
               submitted_at = clock_timestamp(), unconfirmed_from = NULL, unconfirmed_until = NULL, window_from_gw = NULL,
               window_until_gw = NULL, next_attempt_at = NULL, last_error = NULL, updated_at = clock_timestamp(), ${NEXT_EVENT_SEQ}
             FROM cur WHERE p.id = cur.id RETURNING p.*
           ), ev AS (
             INSERT INTO payment_events (payment_id, from_status, to_status, source, reason, ${EVENT_OUTBOX_COLUMNS})
             SELECT p.id, cur.status, ${lateLinkUnconfirmed.to}, $6, $5, ${eventOutboxValues('p')} FROM p JOIN cur ON cur.id = p.id
           ) SELECT ${PAYMENT_COLUMNS} FROM p LEFT JOIN sync_state s ON s.name = 'gateway'`,
          [id, attempt, confirmationId, gatewayCreatedAt, reason, source],
          tx,
        );
      } catch (error) {
        if (isUniqueViolation(error)) return null;
        throw error;
      }
    },

    /**
     * An answer that came after its attempt stopped being current: an event on the payment (its
     * status unchanged) says what it was, so the history shows it wherever the answer went.
     */
    async noteLateAnswer(id: string, attempt: number, what: string, source: TransitionSource): Promise<void> {
      await sql`
        INSERT INTO payment_events (payment_id, from_status, to_status, source, reason)
        SELECT id, status, status, ${source}, ${`late answer to attempt ${attempt}: ${what}`} FROM payments WHERE id = ${id}`;
    },

    /**
     * The gateway holds a payment we moved on from (a late acceptance after a newer send, or
     * after a final status): kept as an alarm for an operator, and as an event on the payment.
     */
    async raiseLateAcceptanceAlarm(
      id: string,
      confirmationId: string,
      gatewayCreatedAt: Date | null,
      why: string,
      source: TransitionSource,
    ): Promise<void> {
      await sql.begin(async (tx) => {
        await tx`
          INSERT INTO gateway_orphans (confirmation_id, status, gateway_created_at, kind, payment_id)
          VALUES (${confirmationId}, ${STATUS.pending}, ${gatewayCreatedAt ?? new Date()}, 'late_accept', ${id})
          ON CONFLICT (confirmation_id) DO UPDATE SET kind = 'late_accept', payment_id = EXCLUDED.payment_id, last_seen_at = now()`;
        await tx`
          INSERT INTO payment_events (payment_id, from_status, to_status, source, reason)
          SELECT id, status, status, ${source}, ${`alarm: ${why}`} FROM payments WHERE id = ${id}`;
      });
    },

    claimNext,

    /**
     * Careful mode's claim: serialised on the sync_state row, it opens an attempt only when
     * `mayStart` (given what is in flight and when the last unknown outcome ended) allows it.
     */
    async claimNextCarefully(
      leaseMs: number,
      mayStart: (state: { inFlight: number; lastUnknownEndedAt: number | null }, now: number) => boolean,
    ): Promise<Payment | null> {
      return sql.begin(async (tx) => {
        await tx`SELECT 1 FROM sync_state WHERE name = 'gateway' FOR UPDATE`;
        const [state] = await tx<CarefulClaimRow[]>`
          SELECT (SELECT count(*)::int FROM payments
                  WHERE status = ${tx.unsafe(STATUS_SQL.received)} AND attempt_started_at IS NOT NULL) AS in_flight,
                 (SELECT max(ended_at) FROM payment_attempts WHERE outcome IN ('ambiguous', 'interrupted')) AS last_unknown,
                 clock_timestamp() AS now`;
        const inFlight = state?.in_flight ?? 0;
        const lastUnknownEndedAt = state?.last_unknown?.getTime() ?? null;
        const now = state?.now ?? new Date();
        if (!mayStart({ inFlight, lastUnknownEndedAt }, now.getTime())) return null;
        return claimNext(leaseMs, tx);
      });
    },

    /**
     * An attempt whose lease ran out while still open belongs to a process that died (or stalled)
     * between sending and recording: its outcome is unknown, so it becomes `unconfirmed`, with the
     * lease's end as the end of its window, never re-sent.
     */
    async expireInterruptedAttempts(): Promise<number> {
      const reason = 'submission interrupted before its outcome was recorded';
      const result = await sql`
        WITH cur AS (
          SELECT id, attempts FROM payments
          WHERE status = ${sql.unsafe(outcomeUnknown.from)} AND attempt_started_at IS NOT NULL AND next_attempt_at <= clock_timestamp()
          FOR UPDATE SKIP LOCKED
        ), upd AS (
          UPDATE payments p SET status = ${sql.unsafe(outcomeUnknown.to)}, unconfirmed_from = p.attempt_started_at,
            unconfirmed_until = p.next_attempt_at, window_from_gw = NULL, window_until_gw = NULL,
            attempt_started_at = NULL, next_attempt_at = NULL, last_error = ${reason}, updated_at = clock_timestamp(),
            ${sql.unsafe(NEXT_EVENT_SEQ)}
          FROM cur WHERE p.id = cur.id RETURNING p.*
        ), att AS (
          UPDATE payment_attempts a SET outcome = 'interrupted', reason = ${reason}, ended_at = upd.unconfirmed_until
          FROM upd WHERE a.payment_id = upd.id AND a.attempt = upd.attempts AND a.outcome IS NULL
        )
        INSERT INTO payment_events (payment_id, from_status, to_status, source, reason, ${sql.unsafe(EVENT_OUTBOX_COLUMNS)})
        SELECT id, ${sql.unsafe(outcomeUnknown.from)}, ${sql.unsafe(outcomeUnknown.to)}, 'syncer', ${reason}, ${sql.unsafe(eventOutboxValues('upd'))} FROM upd`;
      return result.count;
    },

    /** The latest accepted submits' clock samples (database clock around each, gateway's created_at). */
    async clockSamples(limit: number): Promise<ClockSample[]> {
      const rows = await sql<ClockSampleRow[]>`
        SELECT started_at, ended_at, gateway_created_at FROM payment_attempts
        WHERE outcome = 'accepted' AND gateway_created_at IS NOT NULL AND ended_at IS NOT NULL
        ORDER BY ended_at DESC LIMIT ${limit}`;
      return rows.map(toClockSample);
    },

    /**
     * For each interval (our clock), the accepted submit answered last before it began and the one
     * sent first after it ended: the samples that confirm (or not) the gateway's offset around an
     * unknown outcome, however long ago, whatever the traffic since.
     */
    async clockSamplesAround(intervals: Array<{ from: number; until: number }>): Promise<ClockSample[]> {
      if (intervals.length === 0) return [];
      const rows = await sql<ClockSampleRow[]>`
        WITH i AS (
          SELECT * FROM unnest(${intervals.map((r) => new Date(r.from).toISOString())}::timestamptz[],
                               ${intervals.map((r) => new Date(r.until).toISOString())}::timestamptz[]) AS i(from_at, until_at)
        )
        SELECT DISTINCT s.started_at, s.ended_at, s.gateway_created_at FROM i
        CROSS JOIN LATERAL (
          (SELECT started_at, ended_at, gateway_created_at FROM payment_attempts
           WHERE outcome = 'accepted' AND gateway_created_at IS NOT NULL AND ended_at < i.from_at
           ORDER BY ended_at DESC LIMIT 2)
          UNION ALL
          (SELECT started_at, ended_at, gateway_created_at FROM payment_attempts
           WHERE outcome = 'accepted' AND gateway_created_at IS NOT NULL AND ended_at > i.until_at AND started_at > i.until_at
           ORDER BY ended_at LIMIT 2)
        ) s`;
      return rows.map(toClockSample);
    },

    /** Careful mode's inputs: the state, the latest outcomes (newest first), the database's time. */
    async carefulInputs(limit: number): Promise<{ carefulSince: number | null; recent: RecentOutcome[]; now: number }> {
      const [state] = await sql<Array<{ careful_since: Date | null; now: Date }>>`
        SELECT careful_since, clock_timestamp() AS now FROM sync_state WHERE name = 'gateway'`;
      const rows = await sql<OutcomeRow[]>`
        SELECT outcome, started_at, ended_at FROM payment_attempts
        WHERE ended_at IS NOT NULL AND outcome IS NOT NULL ORDER BY ended_at DESC LIMIT ${limit}`;
      return {
        carefulSince: state?.careful_since?.getTime() ?? null,
        recent: rows.map((r) => ({ outcome: r.outcome, startedAt: r.started_at.getTime(), endedAt: r.ended_at.getTime() })),
        now: (state?.now ?? new Date()).getTime(),
      };
    },

    /** Switches careful mode on or off; false when another process already did. */
    async setCareful(careful: boolean, reason: string): Promise<boolean> {
      const result = careful
        ? await sql`UPDATE sync_state SET careful_since = clock_timestamp(), careful_reason = ${reason}
                    WHERE name = 'gateway' AND careful_since IS NULL`
        : await sql`UPDATE sync_state SET careful_since = NULL, careful_reason = ${reason}
                    WHERE name = 'gateway' AND careful_since IS NOT NULL`;
      return result.count > 0;
    },

    async isCareful(): Promise<boolean> {
      const [row] = await sql<Array<{ careful_since: Date | null }>>`SELECT careful_since FROM sync_state WHERE name = 'gateway'`;
      return row?.careful_since != null;
    },
  };
}

/** What careful mode's claim reads before it may open an attempt. */
interface CarefulClaimRow {
  in_flight: number;
  last_unknown: Date | null;
  now: Date;
}

/** An accepted attempt's times: a clock sample (every column not null, by the statements' WHERE). */
interface ClockSampleRow {
  started_at: Date;
  ended_at: Date;
  gateway_created_at: Date;
}

function toClockSample(row: ClockSampleRow): ClockSample {
  return { sentAt: row.started_at.getTime(), answeredAt: row.ended_at.getTime(), gatewayAt: row.gateway_created_at.getTime() };
}

/** An ended attempt's outcome and times. */
interface OutcomeRow {
  outcome: AttemptOutcome;
  started_at: Date;
  ended_at: Date;
}

export type AttemptsRepository = ReturnType<typeof createAttemptsRepository>;
