import { createApiClientsRepository, createSql, runMigrations } from '@pt/core';
import { startInfra } from './infra.js';

// `make api-key NAME=acme [ADMIN=1]` prints a new key (and nothing else on stdout).
// `make api-key-revoke NAME=acme` revokes every key of that client.
const [command, name] = process.argv.slice(2);
if (!name || !/^[\w.-]{1,64}$/.test(name) || (command !== 'create' && command !== 'revoke')) {
  process.stderr.write('usage: api-key.ts create|revoke NAME   (NAME: letters, digits, . _ -; up to 64)\n');
  process.exit(2);
}
const infra = await startInfra({ log: (line) => process.stderr.write(`${line}\n`), gateway: false });
const { sql, close } = createSql(infra.databaseUrl, { max: 1 });
try {
  await runMigrations(infra.databaseUrl);
  const clients = createApiClientsRepository(sql);
  if (command === 'create') {
    const isAdmin = process.env.ADMIN === '1' || process.env.ADMIN === 'true';
    const { apiKey, client, created } = await clients.create(name, { isAdmin });
    if (!created) process.stderr.write(`added a key to the existing client ${name}${client.isAdmin ? ' (admin)' : ''}\n`);
    if (!created && isAdmin && !client.isAdmin)
      process.stderr.write(`note: ${name} is not an admin client; ADMIN=1 applies only when a client is created\n`);
    process.stdout.write(`${apiKey}\n`);
  } else {
    const revoked = await clients.revokeByName(name);
    process.stderr.write(`revoked ${revoked} key(s) of ${name}\n`);
    if (revoked === 0) process.exitCode = 1;
  }
} finally {
  await close();
  await infra.stop();
}
