import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import type { TestProject } from 'vitest/node';
import { runMigrations } from '../db/migrate.js';
import { type EmbeddedPostgresHandle, startEmbeddedPostgres } from '../dev/embedded-postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A URL whose database part is replaced per test file (see createTestDatabase). */
    pgServerUrl: string;
    /** The migrated database every test database is cloned from. */
    pgTemplate: string;
  }
}

/**
 * Vitest global setup: one real Postgres for the whole run (DATABASE_URL, or an embedded one in
 * a temporary folder), with a migrated template database that each test file clones.
 */
export default async function setup(project: TestProject) {
  let embedded: EmbeddedPostgresHandle | undefined;
  let tempDir: string | undefined;
  let serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    tempDir = await mkdtemp(path.join(os.tmpdir(), 'pt-test-'));
    await chmod(tempDir, 0o755);
    embedded = await startEmbeddedPostgres({ dataDir: path.join(tempDir, 'pg'), database: 'postgres' });
    serverUrl = embedded.url;
  }
  const template = `pt_template_${process.pid}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`DROP DATABASE IF EXISTS ${template}`);
  await admin.unsafe(`CREATE DATABASE ${template}`);
  await runMigrations(withDatabase(serverUrl, template));
  project.provide('pgServerUrl', serverUrl);
  project.provide('pgTemplate', template);

  return async () => {
    await admin.unsafe(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`).catch(() => {});
    await admin.end({ timeout: 5 });
    await embedded?.stop();
    if (tempDir) await rm(tempDir, { recursive: true, force: true });
  };
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}
