import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';

/** The repository's drizzle/ folder, wherever the process was started from. */
export const migrationsFolder = fileURLToPath(new URL('../../../../drizzle', import.meta.url));

/**
 * Applies pending migrations on a client of its own (max: 1, as drizzle-kit expects).
 * Applied migrations are recorded, so running it twice changes nothing.
 */
export async function runMigrations(url: string): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await migrate(drizzle(sql), { migrationsFolder });
  } finally {
    await sql.end({ timeout: 5 });
  }
}
