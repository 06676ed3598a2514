import type postgres from 'postgres';
import type { Payment } from '../payments/payment.js';
import { GATEWAY_STATUSES, type GatewayStatus, STATUS, type TransitionSource } from '../payments/status.js';
import type { UnownedEntry } from '../protocol/matching.js';
import { isUniqueViolation, prepared, type SqlParameter } from './client.js';
import { firstPayment, PAYMENT_COLUMNS, type PaymentRow } from './payment-rows.js';
import {
  EVENT_OUTBOX_COLUMNS,
  eventOutboxValues,
  NEXT_EVENT_SEQ,
  STATUS_SQL,
  transitionFromSql,
  transitionSql,
} from './sql-fragments.js';

export interface StoredOwner {
  paymentId: string;
  attempt: number;
  state: 'unconfirmed' | 'in_flight';
  /** Our (the database's) clock, epoch ms: the attempt's start and the end of its window. */
  from: number;
  until: number;
  /** The gateway-clock window, once frozen. */
  windowFromGw: number | null;
  windowUntilGw: number | null;
}

export interface GatewayAlarms {
  clockOffsetLowMs: number | null;
  clockOffsetHighMs: number | null;
  clockAlarm: string | null;
  listAlarm: string | null;
}

/** A link or a group takes the gateway entry's status: every gateway status may follow unconfirmed. */
const takeEntryStatus = transitionFromSql(STATUS.unconfirmed, GATEWAY_STATUSES);
const requeueing = transitionSql(STATUS.unconfirmed, STATUS.received);
const rejecting = transitionSql(STATUS.unconfirmed, STATUS.rejected);

/**
 * The statements that settle submissions whose outcome is unknown: the possible owners of
 * unowned gateway entries, and each decision (link, re-queue, reject, group), every one guarded
 * by the attempt it was judged on, so a decision taken on stale facts changes nothing.
 */
export function createUnconfirmedRepository(sql: postgres.Sql) {
  async function one(text: string, params: SqlParameter[]): Promise<Payment | null> {
    return firstPayment(await prepared<PaymentRow>(sql, text, params));
  }
  const returning = `SELECT ${PAYMENT_COLUMNS} FROM p LEFT JOIN sync_state s ON s.name = 'gateway'`;

  return {
    /**
     * The database's time, then every payment that could own an unowned entry: unconfirmed ones
     * and attempts open right now (their window runs to the end of their lease). The time is
     * read first: an attempt opened after it cannot be among the owners, nor own earlier entries.
     */
    async loadOwners(): Promise<{ loadedAt: number; owners: StoredOwner[] }> {
      const [clock] = await sql<Array<{ now: Date }>>`SELECT clock_timestamp() AS now`;
      // An unconfirmed payment's window is its ambiguous attempt; an attempt in flight runs to its lease.
      const rows = await prepared<OwnerRow>(
        sql,
        `SELECT id, attempts, status = ${STATUS_SQL.unconfirmed} AS unconfirmed,
                CASE WHEN status = ${STATUS_SQL.unconfirmed} THEN unconfirmed_from ELSE attempt_started_at END AS from_at,
                CASE WHEN status = ${STATUS_SQL.unconfirmed} THEN unconfirmed_until ELSE next_attempt_at END AS until_at,
                window_from_gw, window_until_gw
         FROM payments
         WHERE status = ${STATUS_SQL.unconfirmed} OR (status = ${STATUS_SQL.received} AND attempt_started_at IS NOT NULL)`,
        [],
      );
      return { loadedAt: (clock?.now ?? new Date()).getTime(), owners: rows.map(toStoredOwner) };
    },

    /** Stores gateway-clock windows once samples on both sides confirm them. */
    async freezeWindows(windows: Array<{ paymentId: string; attempt: number; from: number; until: number }>): Promise<void> {
      if (windows.length === 0) return;
      await sql`
        UPDATE payments p SET window_from_gw = w.from_gw, window_until_gw = w.until_gw
        FROM unnest(${windows.map((w) => w.paymentId)}::uuid[], ${windows.map((w) => w.attempt)}::int[],
                    ${windows.map((w) => Math.floor(w.from))}::bigint[], ${windows.map((w) => Math.ceil(w.until))}::bigint[])
             AS w(id, attempt, from_gw, until_gw)
        WHERE p.id = w.id AND p.attempts = w.attempt AND p.status = ${sql.unsafe(STATUS_SQL.unconfirmed)}`;
    },

    /** Links an unconfirmed payment to the entry found for it, if still on the attempt judged. */
    async link(
      paymentId: string,
      attempt: number,
      entry: { confirmationId: string; status: GatewayStatus; createdAt: Date; updatedAt: Date },
      reason: string,
      syncedAt: Date,
    ): Promise<Payment | null> {
      try {
        return await one(
          `WITH cur AS (
             SELECT id FROM payments WHERE id = $1 AND attempts = $2 AND status = ${takeEntryStatus} FOR UPDATE
           ), p AS (
             UPDATE payments p SET status = $4, confirmation_id = $3, gateway_created_at = $5, gateway_updated_at = $6,
               submitted_at = COALESCE(p.submitted_at, p.unconfirmed_from), last_synced_at = $7, unconfirmed_from = NULL,
               unconfirmed_until = NULL, window_from_gw = NULL, window_until_gw = NULL, last_error = NULL,
               resolved_at = CASE WHEN $4 = ${STATUS_SQL.pending} THEN NULL ELSE clock_timestamp() END, updated_at = clock_timestamp(),
               ${NEXT_EVENT_SEQ}
             FROM cur WHERE p.id = cur.id RETURNING p.*
           ), ev AS (
             INSERT INTO payment_events (payment_id, from_status, to_status, source, reason, ${EVENT_OUTBOX_COLUMNS})
             SELECT id, ${takeEntryStatus}, $4, 'syncer', $8, ${eventOutboxValues('p')} FROM p
           ) ${returning}`,
          [paymentId, attempt, entry.confirmationId, entry.status, entry.createdAt, entry.updatedAt, syncedAt, reason],
        );
      } catch (error) {
        // the confirmation_id was claimed meanwhile (unique index): decided again next cycle
        if (isUniqueViolation(error)) return null;
        throw error;
      }
    },

    /**
     * Queues an unconfirmed payment to be sent again: the gateway provably never recorded it
     * (the syncer, guarded by the attempt it judged) or an operator says so (attempt null).
     */
    async requeue(paymentId: string, attempt: number | null, source: TransitionSource, reason: string): Promise<Payment | null> {
      return one(
        `WITH cur AS (
           SELECT id FROM payments WHERE id = $1 AND ($2::int IS NULL OR attempts = $2) AND status = ${requeueing.from} FOR UPDATE
         ), p AS (
           UPDATE payments p SET status = ${requeueing.to}, next_attempt_at = clock_timestamp(), attempt_started_at = NULL,
             unconfirmed_from = NULL, unconfirmed_until = NULL, window_from_gw = NULL, window_until_gw = NULL, last_error = $4,
             updated_at = clock_timestamp(), ${NEXT_EVENT_SEQ}
           FROM cur WHERE p.id = cur.id RETURNING p.*
         ), ev AS (
           INSERT INTO payment_events (payment_id, from_status, to_status, source, reason, ${EVENT_OUTBOX_COLUMNS})
           SELECT id, ${requeueing.from}, ${requeueing.to}, $3, $4, ${eventOutboxValues('p')} FROM p
         ) ${returning}`,
        [paymentId, attempt, source, reason],
      );
    },

    /** Every attempt is proven unrecorded and none is left: rejected, never sent again. */
    async rejectUnrecorded(paymentId: string, attempt: number, reason: string): Promise<Payment | null> {
      return one(
        `WITH cur AS (
           SELECT id FROM payments WHERE id = $1 AND attempts = $2 AND status = ${rejecting.from} FOR UPDATE
         ), p AS (
           UPDATE payments p SET status = ${rejecting.to}, unconfirmed_from = NULL, unconfirmed_until = NULL, window_from_gw = NULL,
             window_until_gw = NULL, last_error = $3, resolved_at = clock_timestamp(), updated_at = clock_timestamp(), ${NEXT_EVENT_SEQ}
           FROM cur WHERE p.id = cur.id RETURNING p.*
         ), ev AS (
           INSERT INTO payment_events (payment_id, from_status, to_status, source, reason, ${EVENT_OUTBOX_COLUMNS})
           SELECT id, ${rejecting.from}, ${rejecting.to}, 'syncer', $3, ${eventOutboxValues('p')} FROM p
         ) ${returning}`,
        [paymentId, attempt, reason],
      );
    },

    /**
     * A closed group: k unconfirmed payments and exactly k entries only they can own, all with
     * the same final status. Every payment takes it, keeping the group's entries; the entries are
     * recorded as claimed. All or nothing: if any payment moved on, nothing changes.
     */
    async resolveGroup(
      owners: Array<{ paymentId: string; attempt: number }>,
      entries: UnownedEntry[],
      status: GatewayStatus,
      reason: string,
    ): Promise<number> {
      const ids = entries.map((e) => e.confirmationId);
      return sql
        .begin(async (tx) => {
          const updated = await tx`
          WITH cur AS (
            SELECT p.id FROM payments p
            JOIN unnest(${owners.map((o) => o.paymentId)}::uuid[], ${owners.map((o) => o.attempt)}::int[]) AS g(id, attempt)
              ON p.id = g.id AND p.attempts = g.attempt
            WHERE p.status = ${tx.unsafe(takeEntryStatus)} FOR UPDATE OF p
          ), p AS (
            UPDATE payments p SET status = ${status}, group_confirmation_ids = ${ids}::text[], unconfirmed_from = NULL,
              unconfirmed_until = NULL, window_from_gw = NULL, window_until_gw = NULL, last_error = ${reason},
              resolved_at = clock_timestamp(), updated_at = clock_timestamp(), ${tx.unsafe(NEXT_EVENT_SEQ)}
            FROM cur WHERE p.id = cur.id RETURNING p.*
          )
          INSERT INTO payment_events (payment_id, from_status, to_status, source, reason, ${tx.unsafe(EVENT_OUTBOX_COLUMNS)})
          SELECT id, ${tx.unsafe(takeEntryStatus)}, ${status}, 'syncer', ${reason}, ${tx.unsafe(eventOutboxValues('p'))} FROM p`;
          if (updated.count !== owners.length) throw new GroupChanged();
          await tx`
          INSERT INTO gateway_orphans (confirmation_id, status, gateway_created_at, kind)
          SELECT * FROM unnest(${ids}::text[], ${entries.map((e) => e.status)}::text[],
                               ${entries.map((e) => new Date(e.createdAt).toISOString())}::timestamptz[], ${ids.map(() => 'grouped')}::text[])
          ON CONFLICT (confirmation_id) DO UPDATE SET kind = 'grouped', status = EXCLUDED.status, last_seen_at = now()`;
          return updated.count;
        })
        .catch((error: unknown) => {
          if (error instanceof GroupChanged) return 0;
          throw error;
        });
    },

    /**
     * Which of these confirmation_ids are accounted for: held by a payment, claimed by a group or
     * a late acceptance, or already flagged as foreign (which blocks until acknowledged).
     */
    async accountedFor(ids: string[]): Promise<Set<string>> {
      if (ids.length === 0) return new Set();
      const rows = await sql<Array<{ confirmation_id: string }>>`
        SELECT confirmation_id FROM payments WHERE confirmation_id = ANY(${ids}::text[])
        UNION ALL
        SELECT confirmation_id FROM gateway_orphans WHERE confirmation_id = ANY(${ids}::text[]) AND kind <> 'candidate'`;
      return new Set(rows.map((row) => row.confirmation_id));
    },

    /**
     * Keeps what an operator must look at: candidates of ambiguous payments, and foreign entries.
     * Every kept entry already recorded is stamped with this read (`listedAt`, the cycle's start,
     * which becomes sync_state.last_synced_at once the cycle completes): an operator may link only
     * an entry the last complete read showed. `seen` is the cycle's kept entries, bounded by the
     * open windows and the foreign check, never by the gateway's history.
     */
    async saveUnowned(candidates: UnownedEntry[], foreign: UnownedEntry[], seen: string[], listedAt: Date): Promise<void> {
      if (seen.length > 0) {
        await sql`
          UPDATE gateway_orphans SET last_seen_at = ${listedAt}
          WHERE confirmation_id = ANY(${seen}::text[]) AND kind IN ('candidate', 'foreign')`;
      }
      const save = async (entries: UnownedEntry[], kind: 'candidate' | 'foreign') => {
        if (entries.length === 0) return;
        await sql`
          INSERT INTO gateway_orphans (confirmation_id, status, gateway_created_at, kind, last_seen_at)
          SELECT *, ${listedAt}::timestamptz FROM unnest(${entries.map((e) => e.confirmationId)}::text[], ${entries.map((e) => e.status)}::text[],
                               ${entries.map((e) => new Date(e.createdAt).toISOString())}::timestamptz[], ${entries.map(() => kind)}::text[])
          ON CONFLICT (confirmation_id) DO UPDATE SET status = EXCLUDED.status, last_seen_at = EXCLUDED.last_seen_at,
            kind = CASE WHEN gateway_orphans.kind = 'candidate' THEN EXCLUDED.kind ELSE gateway_orphans.kind END`;
      };
      await save(foreign, 'foreign');
      await save(candidates, 'candidate');
      // Candidates a payment now holds (linked) are settled.
      await sql`DELETE FROM gateway_orphans o USING payments p WHERE o.kind = 'candidate' AND p.confirmation_id = o.confirmation_id`;
    },

    /** Foreign entries no operator has acknowledged yet: while any exist, automatic decisions stop. */
    async unacknowledgedForeign(): Promise<number> {
      const [row] = await sql<Array<{ n: number }>>`
        SELECT count(*)::int AS n FROM gateway_orphans WHERE kind = 'foreign' AND acknowledged_at IS NULL`;
      return row?.n ?? 0;
    },

    async readWatermark(): Promise<number | null> {
      // bigint columns come back as strings from postgres.js
      const [row] = await sql<Array<{ foreign_watermark_gw: string | null }>>`
        SELECT foreign_watermark_gw FROM sync_state WHERE name = 'gateway'`;
      return row?.foreign_watermark_gw == null ? null : Number(row.foreign_watermark_gw);
    },

    /** The cycle's view of the gateway: clock offset and alarms, and how far entries were checked. */
    async saveGatewayView(view: GatewayAlarms & { foreignWatermarkGw: number | null }): Promise<void> {
      await sql`
        INSERT INTO sync_state (name, clock_offset_low_ms, clock_offset_high_ms, clock_alarm, list_alarm, foreign_watermark_gw, updated_at)
        VALUES ('gateway', ${view.clockOffsetLowMs}, ${view.clockOffsetHighMs}, ${view.clockAlarm}, ${view.listAlarm},
                ${view.foreignWatermarkGw}, now())
        ON CONFLICT (name) DO UPDATE SET clock_offset_low_ms = EXCLUDED.clock_offset_low_ms,
          clock_offset_high_ms = EXCLUDED.clock_offset_high_ms, clock_alarm = EXCLUDED.clock_alarm,
          list_alarm = EXCLUDED.list_alarm,
          foreign_watermark_gw = GREATEST(EXCLUDED.foreign_watermark_gw, sync_state.foreign_watermark_gw), updated_at = now()`;
    },
  };
}

class GroupChanged extends Error {}

/**
 * A possible owner of unowned entries: its attempt's window in our clock (never null for the
 * payments loadOwners selects), and the gateway-clock window once frozen (bigint: strings).
 */
interface OwnerRow {
  id: string;
  attempts: number;
  unconfirmed: boolean;
  from_at: Date;
  until_at: Date;
  window_from_gw: string | null;
  window_until_gw: string | null;
}

function toStoredOwner(row: OwnerRow): StoredOwner {
  return {
    paymentId: row.id,
    attempt: row.attempts,
    state: row.unconfirmed ? 'unconfirmed' : 'in_flight',
    from: row.from_at.getTime(),
    until: row.until_at.getTime(),
    windowFromGw: row.window_from_gw == null ? null : Number(row.window_from_gw),
    windowUntilGw: row.window_until_gw == null ? null : Number(row.window_until_gw),
  };
}

export type UnconfirmedRepository = ReturnType<typeof createUnconfirmedRepository>;
