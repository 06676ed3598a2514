import { createClientAccountsRepository, createSql, runMigrations } from '@pt/core';
import { ACCOUNTS_USAGE, parseAccountsArgs, runAccountsCommand } from './accounts-command.js';
import { startInfra } from './infra.js';

// `make account-add NAME=acme ACCOUNT=12345678` registers a sender account to a client;
// `make accounts NAME=acme` lists them (on stdout); `make account-remove NAME=acme ACCOUNT=…` removes one.
const parsed = parseAccountsArgs(process.argv.slice(2));
if (!parsed) {
  process.stderr.write(`${ACCOUNTS_USAGE}\n`);
  process.exit(2);
}
const infra = await startInfra({ log: (line) => process.stderr.write(`${line}\n`), gateway: false });
const { sql, close } = createSql(infra.databaseUrl, { max: 1 });
try {
  await runMigrations(infra.databaseUrl);
  process.exitCode = await runAccountsCommand(parsed, createClientAccountsRepository(sql), {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  });
} finally {
  await close();
  await infra.stop();
}
