import { index, integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { apiKeys } from './api-clients.js';

/**
 * A signed-in operator console: the SHA-256 of a random token (the cookie holds the token), the
 * admin key it was exchanged for (checked again on every request, so revoking the key ends the
 * session) and when it ends. Shared by every API process; expired rows are pruned at sign-in.
 */
export const consoleSessions = pgTable(
  'console_sessions',
  {
    tokenHash: text('token_hash').primaryKey(),
    keyId: text('key_id')
      .notNull()
      .references(() => apiKeys.keyId),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('console_sessions_expires_idx').on(t.expiresAt)],
);

/**
 * The syncer's recent complete cycles, for the console's chart: one small row per cycle, written
 * with sync_state and pruned to the last SYNC_CYCLES_KEPT_MS in the same statement.
 */
export const syncCycles = pgTable(
  'sync_cycles',
  {
    syncedAt: timestamp('synced_at', { withTimezone: true }).notNull(),
    cycleMs: integer('cycle_ms').notNull(),
    entries: integer('entries').notNull(),
    changed: integer('changed').notNull(),
  },
  (t) => [index('sync_cycles_synced_at_idx').on(t.syncedAt)],
);
