import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { drizzle } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { migrationsFolder } from '../db/migrate.js';
import { createScratchDatabase, type TestDatabase } from './database.js';

/**
 * A fresh database with no migration applied, on the run's server: for upgrade tests, which
 * build the schema a previous release left (see migrateUpTo) and then run today's migrations.
 */
export async function createEmptyDatabase(): Promise<TestDatabase> {
  return createScratchDatabase('pt_empty');
}

interface JournalEntry {
  idx: number;
  tag: string;
  when: number;
}

async function readJournal(): Promise<{ entries: JournalEntry[] }> {
  return JSON.parse(await readFile(path.join(migrationsFolder, 'meta', '_journal.json'), 'utf8')) as { entries: JournalEntry[] };
}

/** The tags of every migration in the repository, in the order they apply. */
export async function migrationTags(): Promise<string[]> {
  return (await readJournal()).entries.map((entry) => entry.tag);
}

/**
 * Applies the repository's migrations up to and including `lastTag`, as the release that
 * shipped with that migration did: drizzle's migrator runs against a temporary folder holding
 * those SQL files and a journal of only their entries (copied from the real journal, so the
 * recorded `created_at` values are the ones today's migrator compares against).
 * Returns the tags applied.
 */
export async function migrateUpTo(url: string, lastTag: string): Promise<string[]> {
  const journal = await readJournal();
  const last = journal.entries.findIndex((entry) => entry.tag === lastTag);
  if (last < 0) throw new Error(`no migration ${lastTag} in the journal`);
  const entries = journal.entries.slice(0, last + 1);

  const folder = await mkdtemp(path.join(os.tmpdir(), 'pt-migrations-'));
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await mkdir(path.join(folder, 'meta'));
    await writeFile(path.join(folder, 'meta', '_journal.json'), JSON.stringify({ ...journal, entries }, null, 2));
    for (const entry of entries) {
      await copyFile(path.join(migrationsFolder, `${entry.tag}.sql`), path.join(folder, `${entry.tag}.sql`));
    }
    await migrate(drizzle(sql), { migrationsFolder: folder });
  } finally {
    await sql.end({ timeout: 5 });
    await rm(folder, { recursive: true, force: true });
  }
  return entries.map((entry) => entry.tag);
}
