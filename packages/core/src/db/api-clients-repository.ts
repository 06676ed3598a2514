import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { and, eq, isNull } from 'drizzle-orm';
import { uuidv7 } from 'uuidv7';
import type { Db } from './client.js';
import { apiClients, apiKeys } from './schema/index.js';

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
      return db.transaction(async (tx) => {
        const inserted = await tx
          .insert(apiClients)
          .values({ id: uuidv7(), name, isAdmin: options.isAdmin ?? false })
          .onConflictDoNothing({ target: apiClients.name })
          .returning();
        const [row] = inserted.length > 0 ? inserted : await tx.select().from(apiClients).where(eq(apiClients.name, name));
        if (!row) throw new Error(`client ${name} vanished while creating its key`);
        await tx.insert(apiKeys).values({ keyId, clientId: row.id, secretHash: hashSecret(secret).toString('hex') });
        return {
          client: { id: row.id, name: row.name, isAdmin: row.isAdmin },
          apiKey: `pt_${keyId}_${secret}`,
          created: inserted.length > 0,
        };
      });
    },

    /** The client a key belongs to, or null (unknown, malformed or revoked). Constant-time compare. */
    async authenticate(apiKey: string): Promise<ApiClient | null> {
      const parsed = parseApiKey(apiKey);
      if (!parsed) return null;
      const [row] = await db
        .select({ id: apiClients.id, name: apiClients.name, isAdmin: apiClients.isAdmin, secretHash: apiKeys.secretHash })
        .from(apiKeys)
        .innerJoin(apiClients, eq(apiClients.id, apiKeys.clientId))
        .where(and(eq(apiKeys.keyId, parsed.keyId), isNull(apiKeys.revokedAt)))
        .limit(1);
      if (!row) return null;
      const expected = Buffer.from(row.secretHash, 'hex');
      const actual = hashSecret(parsed.secret);
      if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return null;
      return { id: row.id, name: row.name, isAdmin: row.isAdmin };
    },

    /** Revokes every live key of the named client; returns how many. The client and its payments stay. */
    async revokeByName(name: string): Promise<number> {
      const [client] = await db.select({ id: apiClients.id }).from(apiClients).where(eq(apiClients.name, name));
      if (!client) return 0;
      const rows = await db
        .update(apiKeys)
        .set({ revokedAt: new Date() })
        .where(and(eq(apiKeys.clientId, client.id), isNull(apiKeys.revokedAt)))
        .returning({ keyId: apiKeys.keyId });
      return rows.length;
    },
  };
}

export type ApiClientsRepository = ReturnType<typeof createApiClientsRepository>;
