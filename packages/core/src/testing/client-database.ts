import { createApiClientsRepository } from '../db/api-clients-repository.js';
import { createSql } from '../db/client.js';
import { createClientAccountsRepository } from '../db/client-accounts-repository.js';
import { createTestDatabase } from './database.js';

/** The sender account the client of createClientDatabase owns. */
export const CLIENT_ACCOUNT = '12345678';

/**
 * A fresh test database with one API client `name`, owner of CLIENT_ACCOUNT, and a pool of
 * `max` connections on it: what a repository test needs to store payments. `close()` ends the
 * pool and drops the database.
 */
export async function createClientDatabase(name: string, max = 2) {
  const database = await createTestDatabase();
  const db = createSql(database.url, { max });
  const clientId = (await createApiClientsRepository(db.sql).create(name)).client.id;
  await createClientAccountsRepository(db.sql).register(name, CLIENT_ACCOUNT, 'test');
  return {
    db,
    clientId,
    async close() {
      await db.close();
      await database.drop();
    },
  };
}

export type ClientDatabase = Awaited<ReturnType<typeof createClientDatabase>>;
