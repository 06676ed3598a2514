import { createHash, randomBytes } from 'node:crypto';
import type postgres from 'postgres';

/** A live console session: the admin key it stands for, and when it ends. */
export interface ConsoleSession {
  /** The public id of the admin key: what the operator's actions record as their actor. */
  keyId: string;
  clientName: string;
  expiresAt: Date;
}

/** Only the token's SHA-256 is stored: a copy of the table signs nobody in. */
export function hashSessionToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * The operator console's sessions, in Postgres so that any API process serves any request.
 * A session is worth what its admin key is: every read checks the key is still live (not
 * revoked, not expired) and still an admin's, so revoking the key ends its sessions at once.
 */
export function createConsoleSessionsRepository(sql: postgres.Sql) {
  return {
    /** A new session for the admin key `keyId`; returns its token (for the cookie, never stored). Prunes expired ones. */
    async open(keyId: string, ttlMs: number): Promise<{ token: string; expiresAt: Date }> {
      const token = randomBytes(32).toString('base64url');
      const [row] = await sql<Array<{ expires_at: Date }>>`
        WITH pruned AS (DELETE FROM console_sessions WHERE expires_at < now())
        INSERT INTO console_sessions (token_hash, key_id, expires_at)
        VALUES (${hashSessionToken(token)}, ${keyId}, now() + ${ttlMs} * interval '1 millisecond')
        RETURNING expires_at`;
      if (!row) throw new Error('console session insert returned no row');
      return { token, expiresAt: row.expires_at };
    },

    /** The session of this token if it is live and its key is still a live admin key; null otherwise. */
    async find(token: string): Promise<ConsoleSession | null> {
      const [row] = await sql<Array<{ key_id: string; name: string; expires_at: Date }>>`
        SELECT s.key_id, c.name, s.expires_at FROM console_sessions s
        JOIN api_keys k ON k.key_id = s.key_id JOIN api_clients c ON c.id = k.client_id
        WHERE s.token_hash = ${hashSessionToken(token)} AND s.expires_at > now() AND c.is_admin
          AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now())`;
      return row ? { keyId: row.key_id, clientName: row.name, expiresAt: row.expires_at } : null;
    },

    /** Ends the session of this token (sign-out); true when there was one. */
    async close(token: string): Promise<boolean> {
      const deleted = await sql`DELETE FROM console_sessions WHERE token_hash = ${hashSessionToken(token)}`;
      return deleted.count > 0;
    },
  };
}

export type ConsoleSessionsRepository = ReturnType<typeof createConsoleSessionsRepository>;
