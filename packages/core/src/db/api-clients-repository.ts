import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type postgres from 'postgres';
import { uuidv7 } from 'uuidv7';
import { API_KEYS_CHANGED_CHANNEL } from '../runtime-config.js';

/** A client as one of its keys authenticates it. */
export interface ApiClient {
  id: string;
  name: string;
  isAdmin: boolean;
  /** The public id of the key in use: what audit records and rate limits name (never the secret). */
  keyId: string;
}

const KEY_PATTERN = /^pt_([A-Za-z0-9]{12})_([A-Za-z0-9_-]{43})$/;

function hashSecret(secret: string): Buffer {
  return createHash('sha256').update(secret).digest();
}

/** Splits "pt_<key_id>_<secret>"; null for anything else. */
export function parseApiKey(key: string): { keyId: string; secret: string } | null {
  const match = KEY_PATTERN.exec(key);
  return match?.[1] && match[2] ? { keyId: match[1], secret: match[2] } : null;
}

/** An api_clients row. */
interface ApiClientRow {
  id: string;
  name: string;
  is_admin: boolean;
}

function toApiClient(row: ApiClientRow, keyId: string): ApiClient {
  return { id: row.id, name: row.name, isAdmin: row.is_admin, keyId };
}

/** A key that authenticated: its client, and when the key stops working (null: never). */
export interface VerifiedKey {
  client: ApiClient;
  expiresAt: Date | null;
}

/** The default grace period of `rotate`: the old keys keep working this long (24 h). */
export const DEFAULT_ROTATION_GRACE_MS = 24 * 3_600_000;

/** Key ids per notification: 500 ids of 12 characters stay far below NOTIFY's 8000-byte payload limit. */
const IDS_PER_NOTIFICATION = 500;

/** A fresh key: its public id, the secret shown once, and the secret's hash to store. */
function newKey(): { keyId: string; secret: string; secretHash: string } {
  const keyId = randomBytes(9).toString('base64url').replace(/[-_]/g, 'x').slice(0, 12);
  const secret = randomBytes(32).toString('base64url');
  return { keyId, secret, secretHash: hashSecret(secret).toString('hex') };
}

/**
 * Tells every API process (they LISTEN on API_KEYS_CHANGED_CHANNEL) to forget these keys.
 * Sent inside the caller's transaction: Postgres delivers it at commit, and only then.
 */
async function notifyKeysChanged(tx: postgres.TransactionSql, keyIds: string[]): Promise<void> {
  for (let i = 0; i < keyIds.length; i += IDS_PER_NOTIFICATION) {
    const payload = keyIds.slice(i, i + IDS_PER_NOTIFICATION).join(',');
    await tx`SELECT pg_notify(${API_KEYS_CHANGED_CHANNEL}, ${payload})`;
  }
}

/** API clients and their keys. A key is shown once, at creation; only its hash is stored. */
export function createApiClientsRepository(sql: postgres.Sql) {
  /** Inserts a new key for the client; returns the key to show. */
  async function insertKey(tx: postgres.TransactionSql, clientId: string): Promise<{ keyId: string; apiKey: string }> {
    const { keyId, secret, secretHash } = newKey();
    await tx`INSERT INTO api_keys (key_id, client_id, secret_hash) VALUES (${keyId}, ${clientId}, ${secretHash})`;
    return { keyId, apiKey: `pt_${keyId}_${secret}` };
  }

  /** The key's client and expiry, or null (unknown, malformed, revoked or expired). Constant-time compare. */
  async function verify(apiKey: string): Promise<VerifiedKey | null> {
    const parsed = parseApiKey(apiKey);
    if (!parsed) return null;
    const [row] = await sql<Array<ApiClientRow & { secret_hash: string; expires_at: Date | null }>>`
      SELECT c.id, c.name, c.is_admin, k.secret_hash, k.expires_at FROM api_keys k JOIN api_clients c ON c.id = k.client_id
      WHERE k.key_id = ${parsed.keyId} AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now())
      LIMIT 1`;
    if (!row) return null;
    const expected = Buffer.from(row.secret_hash, 'hex');
    const actual = hashSecret(parsed.secret);
    if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return null;
    return { client: toApiClient(row, parsed.keyId), expiresAt: row.expires_at };
  }

  return {
    /**
     * A new key for the client `name`, creating the client first if it does not exist (so
     * rotating a key keeps the client's payments). `isAdmin` applies when the client is created.
     */
    async create(
      name: string,
      options: { isAdmin?: boolean } = {},
    ): Promise<{ client: ApiClient; apiKey: string; created: boolean }> {
      return sql.begin(async (tx) => {
        const inserted = await tx<ApiClientRow[]>`
          INSERT INTO api_clients (id, name, is_admin) VALUES (${uuidv7()}, ${name}, ${options.isAdmin ?? false})
          ON CONFLICT (name) DO NOTHING RETURNING id, name, is_admin`;
        const [row] =
          inserted.length > 0
            ? inserted
            : await tx<ApiClientRow[]>`SELECT id, name, is_admin FROM api_clients WHERE name = ${name}`;
        if (!row) throw new Error(`client ${name} vanished while creating its key`);
        const { keyId, apiKey } = await insertKey(tx, row.id);
        return { client: toApiClient(row, keyId), apiKey, created: inserted.length > 0 };
      });
    },

    verify,

    /** The client a key belongs to, or null (unknown, malformed, revoked or expired). */
    async authenticate(apiKey: string): Promise<ApiClient | null> {
      return (await verify(apiKey))?.client ?? null;
    },

    /** Revokes every live key of the named client; returns how many. The client and its payments stay. */
    async revokeByName(name: string): Promise<number> {
      return sql.begin(async (tx) => {
        const revoked = await tx<Array<{ key_id: string }>>`
          UPDATE api_keys k SET revoked_at = now() FROM api_clients c
          WHERE c.name = ${name} AND k.client_id = c.id AND k.revoked_at IS NULL
          RETURNING k.key_id`;
        await notifyKeysChanged(
          tx,
          revoked.map((r) => r.key_id),
        );
        return revoked.length;
      });
    },

    /**
     * Rotation: a new key for the named client, and every key of it still working expires after
     * `graceMs` (sooner if it already expired sooner). Null when there is no such client.
     */
    async rotate(
      name: string,
      graceMs: number = DEFAULT_ROTATION_GRACE_MS,
    ): Promise<{ client: ApiClient; apiKey: string; retired: number; retiresAt: Date } | null> {
      return sql.begin(async (tx) => {
        const [row] = await tx<ApiClientRow[]>`SELECT id, name, is_admin FROM api_clients WHERE name = ${name} FOR UPDATE`;
        if (!row) return null;
        // now() is the transaction's start: one instant for the answer and every key.
        const [{ retires_at: retiresAt }] = await tx<[{ retires_at: Date }]>`
          SELECT now() + ${graceMs}::float8 * interval '1 millisecond' AS retires_at`;
        const retired = await tx<Array<{ key_id: string }>>`
          UPDATE api_keys SET expires_at = LEAST(COALESCE(expires_at, 'infinity'), ${retiresAt})
          WHERE client_id = ${row.id} AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())
          RETURNING key_id`;
        const { keyId, apiKey } = await insertKey(tx, row.id);
        await notifyKeysChanged(
          tx,
          retired.map((r) => r.key_id),
        );
        return { client: toApiClient(row, keyId), apiKey, retired: retired.length, retiresAt };
      });
    },

    /** Records that these keys were just used (api_keys.last_used_at); callers do it off the request path. */
    async touch(keyIds: string[]): Promise<void> {
      await sql`UPDATE api_keys SET last_used_at = now() WHERE key_id = ANY(${keyIds}::text[])`;
    },
  };
}

export type ApiClientsRepository = ReturnType<typeof createApiClientsRepository>;
