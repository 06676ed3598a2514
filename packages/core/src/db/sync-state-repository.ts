import type postgres from 'postgres';
import { SYNC_REQUEST_CHANNEL } from '../runtime-config.js';

export interface SyncStats {
  lastSyncedAt: Date;
  cycleMs: number;
  entries: number;
  changed: number;
  orphans: number;
}

/** The sync's state: its last complete cycle or error (read by `?refresh=true` and the report), and the wake-up. */
export function createSyncStateRepository(sql: postgres.Sql) {
  return {
    /** Wakes the syncers now (they LISTEN on SYNC_REQUEST_CHANNEL): `?refresh=true`. */
    async requestSync(): Promise<void> {
      await sql`SELECT pg_notify(${SYNC_REQUEST_CHANNEL}, '')`;
    },

    async saveSyncStats(stats: SyncStats): Promise<void> {
      await sql`
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
