import { createApiClientsRepository, createSql, DEFAULT_ROTATION_GRACE_MS, runMigrations } from '@pt/core';
import ms from 'ms';
import { startInfra } from './infra.js';

// `make api-key NAME=acme [ADMIN=1]` prints a new key (and nothing else on stdout).
// `make api-key-revoke NAME=acme` revokes every key of that client.
// `make api-key-rotate NAME=acme [GRACE=24h]` prints a new key; the old ones expire after GRACE.
const COMMANDS = ['create', 'revoke', 'rotate'];
const [command, name] = process.argv.slice(2);
if (!name || !/^[\w.-]{1,64}$/.test(name) || !command || !COMMANDS.includes(command)) {
  process.stderr.write('usage: api-key.ts create|revoke|rotate NAME   (NAME: letters, digits, . _ -; up to 64)\n');
  process.exit(2);
}
const graceMs = gracePeriod(process.env.GRACE);

/** GRACE as `ms` reads it (`90s`, `30m`, `24h`, `7d`, or `0`); unset: 24 h. A bare number other than 0 is refused (which unit?). */
function gracePeriod(value: string | undefined): number {
  if (value === undefined || value === '') return DEFAULT_ROTATION_GRACE_MS;
  const parsed = /^\d+$/.test(value) && value !== '0' ? undefined : ms(value as ms.StringValue);
  if (typeof parsed !== 'number' || !Number.isFinite(parsed) || parsed < 0) {
    process.stderr.write(`GRACE must be a duration such as 30m, 24h or 7d (or 0), not ${JSON.stringify(value)}\n`);
    process.exit(2);
  }
  return parsed;
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
  } else if (command === 'rotate') {
    const rotated = await clients.rotate(name, graceMs);
    if (rotated) {
      const when = rotated.retiresAt.toISOString();
      process.stderr.write(`new key for ${name}; its ${rotated.retired} other key(s) stop working at ${when}\n`);
      process.stdout.write(`${rotated.apiKey}\n`);
    } else {
      process.stderr.write(`no client named ${name}\n`);
      process.exitCode = 1;
    }
  } else {
    const revoked = await clients.revokeByName(name);
    process.stderr.write(`revoked ${revoked} key(s) of ${name}\n`);
    if (revoked === 0) process.exitCode = 1;
  }
} finally {
  await close();
  await infra.stop();
}
