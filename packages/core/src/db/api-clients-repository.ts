import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type postgres from 'postgres';
import { uuidv7 } from 'uuidv7';

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

/** API clients and their keys. A key is shown once, at creation; only its hash is stored. */
export function createApiClientsRepository(sql: postgres.Sql) {
  return {
    /**
     * A new key for the client `name`, creating the client first if it does not exist (so
     * rotating a key keeps the client's payments). `isAdmin` applies when the client is created.
     */
    async create(
      name: string,
      options: { isAdmin?: boolean } = {},
    ): Promise<{ client: ApiClient; apiKey: string; created: boolean }> {
      const keyId = randomBytes(9).toString('base64url').replace(/[-_]/g, 'x').slice(0, 12);
      const secret = randomBytes(32).toString('base64url');
      return sql.begin(async (tx) => {
        const inserted = await tx<ApiClientRow[]>`
          INSERT INTO api_clients (id, name, is_admin) VALUES (${uuidv7()}, ${name}, ${options.isAdmin ?? false})
          ON CONFLICT (name) DO NOTHING RETURNING id, name, is_admin`;
        const [row] =
          inserted.length > 0
            ? inserted
            : await tx<ApiClientRow[]>`SELECT id, name, is_admin FROM api_clients WHERE name = ${name}`;
        if (!row) throw new Error(`client ${name} vanished while creating its key`);
        await tx`
          INSERT INTO api_keys (key_id, client_id, secret_hash) VALUES (${keyId}, ${row.id}, ${hashSecret(secret).toString('hex')})`;
        return { client: toApiClient(row, keyId), apiKey: `pt_${keyId}_${secret}`, created: inserted.length > 0 };
      });
    },

    /** The client a key belongs to, or null (unknown, malformed or revoked). Constant-time compare. */
    async authenticate(apiKey: string): Promise<ApiClient | null> {
      const parsed = parseApiKey(apiKey);
      if (!parsed) return null;
      const [row] = await sql<Array<ApiClientRow & { secret_hash: string }>>`
        SELECT c.id, c.name, c.is_admin, k.secret_hash FROM api_keys k JOIN api_clients c ON c.id = k.client_id
        WHERE k.key_id = ${parsed.keyId} AND k.revoked_at IS NULL LIMIT 1`;
      if (!row) return null;
      const expected = Buffer.from(row.secret_hash, 'hex');
      const actual = hashSecret(parsed.secret);
      if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return null;
      return toApiClient(row, parsed.keyId);
    },

    /** Revokes every live key of the named client; returns how many. The client and its payments stay. */
    async revokeByName(name: string): Promise<number> {
      const revoked = await sql`
        UPDATE api_keys k SET revoked_at = now() FROM api_clients c
        WHERE c.name = ${name} AND k.client_id = c.id AND k.revoked_at IS NULL`;
      return revoked.count;
    },
  };
}

export type ApiClientsRepository = ReturnType<typeof createApiClientsRepository>;
