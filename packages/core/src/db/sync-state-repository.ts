import type postgres from 'postgres';
import { SYNC_REQUEST_CHANNEL } from '../runtime-config.js';

export interface SyncStats {
  lastSyncedAt: Date;
  cycleMs: number;
  entries: number;
  changed: number;
  orphans: number;
}

/** How long the console's history of cycles (sync_cycles) keeps a cycle: its chart shows the last hour. */
export const SYNC_CYCLES_KEPT_MS = 2 * 3_600_000;

/** A complete cycle as the console's chart draws it. */
export interface SyncCycle {
  syncedAt: Date;
  cycleMs: number;
  entries: number;
  changed: number;
}

/** The sync's state: its last complete cycle or error (read by `?refresh=true` and the report), and the wake-up. */
export function createSyncStateRepository(sql: postgres.Sql) {
  return {
    /** Wakes the syncers now (they LISTEN on SYNC_REQUEST_CHANNEL): `?refresh=true`. */
    async requestSync(): Promise<void> {
      await sql`SELECT pg_notify(${SYNC_REQUEST_CHANNEL}, '')`;
    },

    /** The cycle's figures: sync_state, one row of history, and the history's pruning, in one statement. */
    async saveSyncStats(stats: SyncStats): Promise<void> {
      await sql`
        WITH history AS (
          INSERT INTO sync_cycles (synced_at, cycle_ms, entries, changed)
          VALUES (${stats.lastSyncedAt}, ${stats.cycleMs}, ${stats.entries}, ${stats.changed})
        ), pruned AS (
          DELETE FROM sync_cycles WHERE synced_at < now() - ${SYNC_CYCLES_KEPT_MS} * interval '1 millisecond'
        )
        INSERT INTO sync_state (name, last_synced_at, last_cycle_ms, last_entries, last_changed, last_orphans, last_error, updated_at)
        VALUES ('gateway', ${stats.lastSyncedAt}, ${stats.cycleMs}, ${stats.entries}, ${stats.changed}, ${stats.orphans}, NULL, now())
        ON CONFLICT (name) DO UPDATE SET last_synced_at = EXCLUDED.last_synced_at, last_cycle_ms = EXCLUDED.last_cycle_ms,
          last_entries = EXCLUDED.last_entries, last_changed = EXCLUDED.last_changed, last_orphans = EXCLUDED.last_orphans,
          last_error = NULL, max_entries = GREATEST(sync_state.max_entries, EXCLUDED.last_entries), updated_at = now()`;
    },

    async saveSyncError(message: string): Promise<void> {
      await sql`
        INSERT INTO sync_state (name, last_error, updated_at) VALUES ('gateway', ${message}, now())
        ON CONFLICT (name) DO UPDATE SET last_error = EXCLUDED.last_error, updated_at = now()`;
    },

    /** The complete cycles since `since`, oldest first. */
    async recentCycles(since: Date): Promise<SyncCycle[]> {
      const rows = await sql<Array<{ synced_at: Date; cycle_ms: number; entries: number; changed: number }>>`
        SELECT synced_at, cycle_ms, entries, changed FROM sync_cycles WHERE synced_at >= ${since} ORDER BY synced_at`;
      return rows.map((r) => ({ syncedAt: r.synced_at, cycleMs: r.cycle_ms, entries: r.entries, changed: r.changed }));
    },

    async readSyncState(): Promise<{ lastSyncedAt: Date | null; lastError: string | null; maxEntries: number | null } | null> {
      const [row] = await sql<
        SyncStateRow[]
      >`SELECT last_synced_at, last_error, max_entries FROM sync_state WHERE name = 'gateway'`;
      return row
        ? {
            lastSyncedAt: row.last_synced_at,
            lastError: row.last_error,
            maxEntries: row.max_entries == null ? null : Number(row.max_entries),
          }
        : null;
    },
  };
}

/** The sync's freshness (max_entries is a bigint: a string from postgres.js). */
interface SyncStateRow {
  last_synced_at: Date | null;
  last_error: string | null;
  max_entries: string | null;
}

export type SyncStateRepository = ReturnType<typeof createSyncStateRepository>;
