import type postgres from 'postgres';
import type { ReconciliationReport } from '../validators/admin.js';
import { STATUS_SQL } from './sql-fragments.js';

export type { ReconciliationReport } from '../validators/admin.js';

export interface GatewayHealth {
  clockOffsetLowMs: number | null;
  clockOffsetHighMs: number | null;
  clockAlarm: boolean;
  listAlarm: boolean;
  careful: boolean;
  syncLagSeconds: number | null;
  foreignUnacknowledged: number;
  doubleSendAlarms: number;
  unconfirmed: number;
}

const iso = (value: Date | null | undefined) => (value instanceof Date ? value.toISOString() : null);
/** int columns come back as numbers, bigint and numeric ones as strings. */
const num = (value: number | string | null | undefined) => (value == null ? null : Number(value));

/** The operator's view: everything the syncer could not settle by itself, and the gateway's alarms. */
export function createAdminRepository(sql: postgres.Sql) {
  return {
    async reconciliationReport(options: {
      stalePendingMs: number;
      stuckReceivedMs: number;
      limit: number;
    }): Promise<ReconciliationReport> {
      const { limit } = options;
      const [state, unconfirmed, orphans, stale, missing, stuck, grouped] = await Promise.all([
        sql<SyncReportRow[]>`SELECT last_synced_at, last_cycle_ms, last_entries, last_changed, last_orphans, last_error,
                   careful_since, careful_reason, clock_offset_low_ms, clock_offset_high_ms, clock_alarm, list_alarm,
                   (extract(epoch FROM now() - last_synced_at) * 1000)::bigint AS lag_ms,
                   (SELECT count(*)::int FROM gateway_orphans WHERE kind = 'foreign' AND acknowledged_at IS NULL) AS foreign_open,
                   (SELECT count(*)::int FROM gateway_orphans WHERE kind = 'late_accept' AND acknowledged_at IS NULL) AS late_open
            FROM sync_state WHERE name = 'gateway'`,
        sql<
          UnconfirmedReportRow[]
        >`SELECT id, client_id, created_at, unconfirmed_from, unconfirmed_until, last_error FROM payments
            WHERE status = ${sql.unsafe(STATUS_SQL.unconfirmed)} ORDER BY created_at LIMIT ${limit}`,
        sql<
          OrphanReportRow[]
        >`SELECT o.confirmation_id, o.status, o.gateway_created_at, o.first_seen_at, o.kind, o.payment_id, o.acknowledged_at,
                 o.acknowledged_by, o.last_seen_at = s.last_synced_at AS in_last_read
            FROM gateway_orphans o LEFT JOIN sync_state s ON s.name = 'gateway' ORDER BY o.gateway_created_at LIMIT ${limit}`,
        sql<Array<{ id: string; client_id: string; confirmation_id: string | null; submitted_at: Date | null }>>`
            SELECT id, client_id, confirmation_id, submitted_at FROM payments
            WHERE status = ${sql.unsafe(STATUS_SQL.pending)} AND submitted_at < now() - ${options.stalePendingMs} * interval '1 millisecond'
            ORDER BY submitted_at LIMIT ${limit}`,
        sql<Array<{ id: string; client_id: string; confirmation_id: string | null; gateway_missing_since: Date | null }>>`
            SELECT id, client_id, confirmation_id, gateway_missing_since FROM payments
            WHERE status = ${sql.unsafe(STATUS_SQL.pending)} AND gateway_missing_since IS NOT NULL ORDER BY gateway_missing_since LIMIT ${limit}`,
        sql<StuckReportRow[]>`SELECT id, client_id, created_at, attempts, next_attempt_at, last_error FROM payments
            WHERE status = ${sql.unsafe(STATUS_SQL.received)} AND created_at < now() - ${options.stuckReceivedMs} * interval '1 millisecond'
            ORDER BY created_at LIMIT ${limit}`,
        sql<Array<{ id: string; status: string; group_confirmation_ids: string[] }>>`
            SELECT id, status, group_confirmation_ids FROM payments
            WHERE group_confirmation_ids IS NOT NULL ORDER BY resolved_at DESC NULLS LAST LIMIT ${limit}`,
      ]);
      const [sync] = state;
      return {
        sync: {
          last_synced_at: iso(sync?.last_synced_at),
          lag_ms: num(sync?.lag_ms),
          last_cycle_ms: num(sync?.last_cycle_ms),
          last_entries: num(sync?.last_entries),
          last_changed: num(sync?.last_changed),
          last_orphans: num(sync?.last_orphans),
          last_error: sync?.last_error ?? null,
        },
        gateway: {
          careful_since: iso(sync?.careful_since),
          careful_reason: sync?.careful_reason ?? null,
          clock_offset_low_ms: num(sync?.clock_offset_low_ms),
          clock_offset_high_ms: num(sync?.clock_offset_high_ms),
          clock_alarm: sync?.clock_alarm ?? null,
          list_alarm: sync?.list_alarm ?? null,
          foreign_unacknowledged: num(sync?.foreign_open) ?? 0,
          double_send_alarms: num(sync?.late_open) ?? 0,
        },
        unconfirmed: unconfirmed.map((r) => ({
          id: r.id,
          client_id: r.client_id,
          created_at: iso(r.created_at) ?? '',
          window_from: iso(r.unconfirmed_from),
          window_until: iso(r.unconfirmed_until),
          reason: r.last_error,
        })),
        orphans: orphans.map((r) => ({
          confirmation_id: r.confirmation_id,
          status: r.status,
          gateway_created_at: iso(r.gateway_created_at) ?? '',
          first_seen_at: iso(r.first_seen_at) ?? '',
          kind: r.kind,
          payment_id: r.payment_id,
          acknowledged_at: iso(r.acknowledged_at),
          acknowledged_by: r.acknowledged_by,
          in_last_read: r.in_last_read === true,
        })),
        stale_pending: stale.map((r) => ({
          id: r.id,
          client_id: r.client_id,
          confirmation_id: r.confirmation_id,
          submitted_at: iso(r.submitted_at),
        })),
        missing_at_gateway: missing.map((r) => ({
          id: r.id,
          client_id: r.client_id,
          confirmation_id: r.confirmation_id,
          missing_since: iso(r.gateway_missing_since),
        })),
        stuck_received: stuck.map((r) => ({
          id: r.id,
          client_id: r.client_id,
          created_at: iso(r.created_at) ?? '',
          attempts: r.attempts,
          next_attempt_at: iso(r.next_attempt_at),
          reason: r.last_error,
        })),
        grouped: grouped.map((r) => ({ id: r.id, status: r.status, group_confirmation_ids: r.group_confirmation_ids })),
      };
    },

    /** The gateway's alarms and the sync's freshness in one read, for the metrics endpoint. */
    async gatewayHealth(): Promise<GatewayHealth> {
      const [row] = await sql<GatewayHealthRow[]>`
        SELECT s.clock_offset_low_ms, s.clock_offset_high_ms, s.clock_alarm IS NOT NULL AS clock_alarm,
               s.list_alarm IS NOT NULL AS list_alarm, s.careful_since IS NOT NULL AS careful,
               extract(epoch FROM now() - s.last_synced_at) AS lag_s,
               (SELECT count(*)::int FROM gateway_orphans WHERE kind = 'foreign' AND acknowledged_at IS NULL) AS foreign_open,
               (SELECT count(*)::int FROM gateway_orphans WHERE kind = 'late_accept' AND acknowledged_at IS NULL) AS late_open,
               (SELECT count(*)::int FROM payments WHERE status = ${sql.unsafe(STATUS_SQL.unconfirmed)}) AS unconfirmed
        FROM sync_state s WHERE s.name = 'gateway'`;
      return {
        clockOffsetLowMs: num(row?.clock_offset_low_ms),
        clockOffsetHighMs: num(row?.clock_offset_high_ms),
        clockAlarm: row?.clock_alarm === true,
        listAlarm: row?.list_alarm === true,
        careful: row?.careful === true,
        syncLagSeconds: num(row?.lag_s),
        foreignUnacknowledged: num(row?.foreign_open) ?? 0,
        doubleSendAlarms: num(row?.late_open) ?? 0,
        unconfirmed: num(row?.unconfirmed) ?? 0,
      };
    },

    /**
     * An operator acknowledges the gateway's state: foreign entries seen so far and late
     * acceptances are marked with who and why (automatic decisions resume), and the list's
     * current size becomes its history (after a wipe, absence decisions resume from here).
     */
    async acknowledgeGateway(by: string, reason: string): Promise<{ acknowledgedForeign: number; listSize: number | null }> {
      return sql.begin(async (tx) => {
        const acknowledged = await tx`
          UPDATE gateway_orphans SET acknowledged_at = now(), acknowledged_by = ${by}, acknowledge_reason = ${reason}
          WHERE kind IN ('foreign', 'late_accept') AND acknowledged_at IS NULL`;
        const [state] = await tx<Array<{ max_entries: string | null }>>`
          UPDATE sync_state SET max_entries = last_entries, list_alarm = NULL WHERE name = 'gateway' RETURNING max_entries`;
        return { acknowledgedForeign: acknowledged.count, listSize: num(state?.max_entries) };
      });
    },
  };
}

/** The sync_state row with its counts of open alarms (bigint columns: strings). */
interface SyncReportRow {
  last_synced_at: Date | null;
  last_cycle_ms: number | null;
  last_entries: number | null;
  last_changed: number | null;
  last_orphans: number | null;
  last_error: string | null;
  careful_since: Date | null;
  careful_reason: string | null;
  clock_offset_low_ms: string | null;
  clock_offset_high_ms: string | null;
  clock_alarm: string | null;
  list_alarm: string | null;
  lag_ms: string | null;
  foreign_open: number;
  late_open: number;
}

interface UnconfirmedReportRow {
  id: string;
  client_id: string;
  created_at: Date;
  unconfirmed_from: Date | null;
  unconfirmed_until: Date | null;
  last_error: string | null;
}

interface OrphanReportRow {
  confirmation_id: string;
  status: string;
  gateway_created_at: Date;
  first_seen_at: Date;
  kind: ReconciliationReport['orphans'][number]['kind'];
  payment_id: string | null;
  acknowledged_at: Date | null;
  acknowledged_by: string | null;
  /** Null when no cycle completed yet. */
  in_last_read: boolean | null;
}

interface StuckReportRow {
  id: string;
  client_id: string;
  created_at: Date;
  attempts: number;
  next_attempt_at: Date | null;
  last_error: string | null;
}

/** Alarms and freshness for the metrics (lag_s is numeric: a string). */
interface GatewayHealthRow {
  clock_offset_low_ms: string | null;
  clock_offset_high_ms: string | null;
  clock_alarm: boolean;
  list_alarm: boolean;
  careful: boolean;
  lag_s: string | null;
  foreign_open: number;
  late_open: number;
  unconfirmed: number;
}

export type AdminRepository = ReturnType<typeof createAdminRepository>;
