import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { inject } from 'vitest';
import { withDatabase } from './global-setup.js';

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A fresh, migrated database for one test file, cloned from the run's template (fast). */
export async function createTestDatabase(): Promise<TestDatabase> {
  return createScratchDatabase('pt_test', `TEMPLATE ${inject('pgTemplate')}`);
}

/**
 * A new database on the run's server, named `<prefix>_<random>` and created with `options`
 * (a TEMPLATE clause, or nothing for an empty one), with the way to drop it again.
 */
export async function createScratchDatabase(prefix: string, options = ''): Promise<TestDatabase> {
  const serverUrl = inject('pgServerUrl');
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const onServer = async (statement: string) => {
    const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
    try {
      await admin.unsafe(statement);
    } finally {
      await admin.end({ timeout: 5 });
    }
  };
  await onServer(`CREATE DATABASE ${name} ${options}`);
  return { url: withDatabase(serverUrl, name), drop: () => onServer(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}
