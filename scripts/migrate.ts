import { runMigrations } from '@pt/core';
import { startInfra } from './infra.js';

// `make migrate`: applies pending migrations to DATABASE_URL (or the embedded Postgres).
const infra = await startInfra({ log: (line) => process.stderr.write(`${line}\n`), gateway: false });
try {
  await runMigrations(infra.databaseUrl);
  process.stderr.write('migrations applied\n');
} finally {
  await infra.stop();
}
