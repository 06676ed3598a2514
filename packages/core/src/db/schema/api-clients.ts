import { boolean, index, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/** An API client: the tenant every payment belongs to. One client may hold several keys. */
export const apiClients = pgTable('api_clients', {
  id: uuid('id').primaryKey(),
  name: text('name').notNull().unique(),
  isAdmin: boolean('is_admin').notNull().default(false),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * A key is `pt_<key_id>_<secret>`; only the SHA-256 of the secret is stored, looked up by
 * `key_id` and compared in constant time. Revoked keys stay for the record.
 */
export const apiKeys = pgTable(
  'api_keys',
  {
    keyId: text('key_id').primaryKey(),
    clientId: uuid('client_id')
      .notNull()
      .references(() => apiClients.id),
    secretHash: text('secret_hash').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    /** After this the key is refused (set on the old key by a rotation, after its grace period). */
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    /** When the key last authenticated a request (updated at most once a minute per key). */
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
  },
  (t) => [index('api_keys_client_id_idx').on(t.clientId)],
);

/**
 * The accounts a client may send payments from, registered by an admin. An account has one
 * owner: POST /payments from any other account is refused before anything is stored.
 */
export const clientAccounts = pgTable(
  'client_accounts',
  {
    account: text('account').primaryKey(),
    clientId: uuid('client_id')
      .notNull()
      .references(() => apiClients.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    /** Who registered it: an admin key's public id, or `cli` for `make account-add`. */
    createdBy: text('created_by').notNull(),
  },
  (t) => [index('client_accounts_client_id_idx').on(t.clientId)],
);
