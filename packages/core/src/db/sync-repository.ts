import type postgres from 'postgres';
import { isoTime } from '../iso-time.js';
import type { Payment } from '../payments/payment.js';
import type { GatewayStatus, PaymentStatus } from '../payments/status.js';
import { TrackedPayments } from '../payments/tracked-payments.js';
import { prepared } from './client.js';
import { toPayment } from './payments-repository.js';
import { ALLOWED_TRANSITIONS_VALUES, PAYMENT_COLUMNS, TERMINAL_LIST } from './sql-fragments.js';

export interface GatewayChange {
  confirmationId: string;
  status: GatewayStatus;
  updatedAt: Date;
}

export interface UnconfirmedPayment {
  id: string;
  from: Date;
  until: Date;
}

export interface SyncStats {
  lastSyncedAt: Date;
  cycleMs: number;
  entries: number;
  changed: number;
  orphans: number;
}

/** The syncer's statements: bulk reconciliation, the re-submission queue, sync state. */
export function createSyncRepository(sql: postgres.Sql) {
  return {
    /** Every payment the gateway may still move (pending), by confirmation_id. */
    async loadTracked(): Promise<TrackedPayments> {
      const tracked = new TrackedPayments();
      const cursor = sql`
        SELECT confirmation_id, status, gateway_updated_at FROM payments
        WHERE status = 'pending' AND confirmation_id IS NOT NULL`.cursor(10_000);
      for await (const rows of cursor) {
        for (const row of rows) {
          tracked.add(row.confirmation_id as string, row.status as PaymentStatus, row.gateway_updated_at as Date | null);
        }
      }
      return tracked;
    },

    /**
     * Applies a batch of gateway reports in one statement: only allowed transitions, never
     * over a newer gateway update, each with its event. Returns how many payments changed.
     */
    async applyGatewayChanges(changes: GatewayChange[], syncedAt: Date): Promise<number> {
      if (changes.length === 0) return 0;
      const ids = changes.map((c) => c.confirmationId);
      const statuses = changes.map((c) => c.status);
      const times = changes.map((c) => isoTime(c.updatedAt));
      const result = await sql`
        WITH input AS (
          SELECT * FROM unnest(${ids}::text[], ${statuses}::text[], ${times}::timestamptz[]) AS i(confirmation_id, status, updated_at)
        ), allowed(from_status, to_status) AS (VALUES ${sql.unsafe(ALLOWED_TRANSITIONS_VALUES)}),
        cur AS (
          SELECT p.id, p.status AS from_status, i.status AS to_status, i.updated_at
          FROM input i
          JOIN payments p ON p.confirmation_id = i.confirmation_id
          JOIN allowed a ON a.from_status = p.status AND a.to_status = i.status
          WHERE p.gateway_updated_at IS NULL OR p.gateway_updated_at <= i.updated_at
          FOR UPDATE OF p
        ), upd AS (
          UPDATE payments p SET status = cur.to_status, gateway_updated_at = cur.updated_at, updated_at = now(),
            last_synced_at = ${syncedAt},
            resolved_at = CASE WHEN cur.to_status IN (${sql.unsafe(TERMINAL_LIST)}) THEN now() ELSE p.resolved_at END
          FROM cur WHERE p.id = cur.id
          RETURNING p.id, cur.from_status, cur.to_status
        )
        INSERT INTO payment_events (payment_id, from_status, to_status, source)
        SELECT id, from_status, to_status, 'syncer' FROM upd`;
      return result.count;
    },

    /**
     * Claims up to `limit` queued payments whose retry time has come, opening an attempt with a
     * lease. SKIP LOCKED lets several syncers share the queue without waiting on each other.
     */
    async claimDue(limit: number, leaseMs: number): Promise<Payment[]> {
      const rows = await prepared(
        sql,
        `WITH due AS (
           SELECT id FROM payments
           WHERE status = 'received' AND attempt_started_at IS NULL AND next_attempt_at <= now()
           ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED
         ), p AS (
           UPDATE payments p SET attempts = p.attempts + 1, attempt_started_at = now(),
             next_attempt_at = now() + $2 * interval '1 millisecond', updated_at = now()
           FROM due WHERE p.id = due.id RETURNING p.*
         ) SELECT ${PAYMENT_COLUMNS} FROM p LEFT JOIN sync_state s ON s.name = 'gateway'`,
        [limit, leaseMs],
      );
      return rows.map((row) => toPayment(row as Record<string, unknown>));
    },

    /**
     * An attempt whose lease ran out while still open belongs to a process that died between
     * sending and recording: its outcome is unknown, so it becomes `unconfirmed`, never re-sent.
     */
    async expireInterruptedAttempts(): Promise<number> {
      const result = await sql`
        WITH cur AS (
          SELECT id FROM payments
          WHERE status = 'received' AND attempt_started_at IS NOT NULL AND next_attempt_at <= now()
          FOR UPDATE SKIP LOCKED
        ), upd AS (
          UPDATE payments p SET status = 'unconfirmed', unconfirmed_from = p.attempt_started_at,
            unconfirmed_until = p.next_attempt_at, attempt_started_at = NULL, next_attempt_at = NULL,
            last_error = 'submission interrupted before its outcome was recorded', updated_at = now()
          FROM cur WHERE p.id = cur.id RETURNING p.id
        )
        INSERT INTO payment_events (payment_id, from_status, to_status, source, reason)
        SELECT id, 'received', 'unconfirmed', 'syncer', 'submission interrupted before its outcome was recorded' FROM upd`;
      return result.count;
    },

    async listUnconfirmed(): Promise<UnconfirmedPayment[]> {
      const rows = await sql`
        SELECT id, unconfirmed_from, unconfirmed_until FROM payments
        WHERE status = 'unconfirmed' ORDER BY unconfirmed_from`;
      return rows.map((row) => ({
        id: row.id as string,
        from: row.unconfirmed_from as Date,
        until: row.unconfirmed_until as Date,
      }));
    },

    /**
     * Every payment that could own a gateway entry no local row holds: unconfirmed ones (with
     * their attempt window) and those with an attempt open right now, in any process.
     */
    async listPossibleOwners(): Promise<Array<{ id: string; from: Date; until: Date | null }>> {
      const rows = await sql`
        SELECT id, status, unconfirmed_from, unconfirmed_until, attempt_started_at FROM payments
        WHERE status = 'unconfirmed' OR (status = 'received' AND attempt_started_at IS NOT NULL)`;
      return rows.map((row) =>
        row.status === 'unconfirmed'
          ? { id: row.id as string, from: row.unconfirmed_from as Date, until: row.unconfirmed_until as Date }
          : { id: row.id as string, from: row.attempt_started_at as Date, until: null },
      );
    },

    /** Which of these confirmation_ids some local payment already holds. */
    async knownConfirmationIds(ids: string[]): Promise<Set<string>> {
      if (ids.length === 0) return new Set();
      const rows = await sql`SELECT confirmation_id FROM payments WHERE confirmation_id = ANY(${ids}::text[])`;
      return new Set(rows.map((row) => row.confirmation_id as string));
    },

    /**
     * After a complete status list: flags pending payments whose confirmation_id it did not
     * hold (the gateway "lost" them), and clears the flag on those it held again.
     */
    async markMissing(missing: string[], listedAt: Date): Promise<void> {
      if (missing.length > 0)
        await sql`
        UPDATE payments SET gateway_missing_since = COALESCE(gateway_missing_since, ${listedAt})
        WHERE status = 'pending' AND confirmation_id = ANY(${missing}::text[])`;
      await sql`
        UPDATE payments SET gateway_missing_since = NULL
        WHERE gateway_missing_since IS NOT NULL AND NOT (confirmation_id = ANY(${missing}::text[]))`;
    },

    /** Keeps the gateway entries an operator must look at; forgets those now linked. */
    async saveOrphans(orphans: Array<{ confirmationId: string; status: string; createdAt: Date }>): Promise<void> {
      if (orphans.length > 0) {
        await sql`
          INSERT INTO gateway_orphans (confirmation_id, status, gateway_created_at)
          SELECT * FROM unnest(${orphans.map((o) => o.confirmationId)}::text[], ${orphans.map((o) => o.status)}::text[],
                               ${orphans.map((o) => isoTime(o.createdAt))}::timestamptz[])
          ON CONFLICT (confirmation_id) DO UPDATE SET status = EXCLUDED.status, last_seen_at = now()`;
      }
      await sql`DELETE FROM gateway_orphans o USING payments p WHERE p.confirmation_id = o.confirmation_id`;
    },

    async saveSyncStats(stats: SyncStats): Promise<void> {
      await sql`
        INSERT INTO sync_state (name, last_synced_at, last_cycle_ms, last_entries, last_changed, last_orphans, last_error, updated_at)
        VALUES ('gateway', ${stats.lastSyncedAt}, ${stats.cycleMs}, ${stats.entries}, ${stats.changed}, ${stats.orphans}, NULL, now())
        ON CONFLICT (name) DO UPDATE SET last_synced_at = EXCLUDED.last_synced_at, last_cycle_ms = EXCLUDED.last_cycle_ms,
          last_entries = EXCLUDED.last_entries, last_changed = EXCLUDED.last_changed, last_orphans = EXCLUDED.last_orphans,
          last_error = NULL, updated_at = now()`;
    },

    async saveSyncError(message: string): Promise<void> {
      await sql`
        INSERT INTO sync_state (name, last_error, updated_at) VALUES ('gateway', ${message}, now())
        ON CONFLICT (name) DO UPDATE SET last_error = EXCLUDED.last_error, updated_at = now()`;
    },

    async readSyncState(): Promise<{ lastSyncedAt: Date | null; lastError: string | null } | null> {
      const [row] = await sql`SELECT last_synced_at, last_error FROM sync_state WHERE name = 'gateway'`;
      return row ? { lastSyncedAt: row.last_synced_at as Date | null, lastError: row.last_error as string | null } : null;
    },
  };
}

export type SyncRepository = ReturnType<typeof createSyncRepository>;
