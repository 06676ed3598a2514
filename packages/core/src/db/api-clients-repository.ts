import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { and, eq, isNull } from 'drizzle-orm';
import { uuidv7 } from 'uuidv7';
import type { Db } from './client.js';
import { apiClients } from './schema/index.js';

export interface ApiClient {
  id: string;
  name: string;
  isAdmin: boolean;
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

/** API clients and their keys. A key is shown once, at creation; only its hash is stored. */
export function createApiClientsRepository(db: Db) {
  return {
    async create(name: string, options: { isAdmin?: boolean } = {}): Promise<{ client: ApiClient; apiKey: string }> {
      const keyId = randomBytes(9).toString('base64url').replace(/[-_]/g, 'x').slice(0, 12);
      const secret = randomBytes(32).toString('base64url');
      const id = uuidv7();
      await db.insert(apiClients).values({
        id,
        name,
        keyId,
        secretHash: hashSecret(secret).toString('hex'),
        isAdmin: options.isAdmin ?? false,
      });
      return { client: { id, name, isAdmin: options.isAdmin ?? false }, apiKey: `pt_${keyId}_${secret}` };
    },

    /** The client a key belongs to, or null (unknown, malformed or revoked). Constant-time compare. */
    async authenticate(apiKey: string): Promise<ApiClient | null> {
      const parsed = parseApiKey(apiKey);
      if (!parsed) return null;
      const [row] = await db
        .select()
        .from(apiClients)
        .where(and(eq(apiClients.keyId, parsed.keyId), isNull(apiClients.revokedAt)))
        .limit(1);
      if (!row) return null;
      const expected = Buffer.from(row.secretHash, 'hex');
      const actual = hashSecret(parsed.secret);
      if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return null;
      return { id: row.id, name: row.name, isAdmin: row.isAdmin };
    },

    /** Revokes every live key of the named client; returns how many. */
    async revokeByName(name: string): Promise<number> {
      const rows = await db
        .update(apiClients)
        .set({ revokedAt: new Date() })
        .where(and(eq(apiClients.name, name), isNull(apiClients.revokedAt)))
        .returning({ id: apiClients.id });
      return rows.length;
    },

    async countActive(): Promise<number> {
      const rows = await db.select({ id: apiClients.id }).from(apiClients).where(isNull(apiClients.revokedAt)).limit(1);
      return rows.length;
    },
  };
}

export type ApiClientsRepository = ReturnType<typeof createApiClientsRepository>;
