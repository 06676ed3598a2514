import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';

/**
 * The repository's drizzle/ folder: the nearest one above this code, wherever the code is: its
 * source (packages/core/src/db) or a bundle (dist/migrate.mjs, in the repository or the image).
 */
export const migrationsFolder = findMigrationsFolder(path.dirname(fileURLToPath(import.meta.url)));

function findMigrationsFolder(from: string): string {
  for (let dir = from; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const folder = path.join(dir, 'drizzle');
    if (existsSync(path.join(folder, 'meta', '_journal.json'))) return folder;
  }
  // None: the source's place, which the migrator's error then names.
  return fileURLToPath(new URL('../../../../drizzle', import.meta.url));
}

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
