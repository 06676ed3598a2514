import { createApiClientsRepository, createSql, runMigrations } from '@pt/core';
import postgres from 'postgres';
import { startInfra } from './infra.js';

// `tsx scripts/explain-plans.ts [N]`: loads N payments (default 100,000) into a scratch database
// and prints the plan of every hot query, to check each is an index scan.
const N = Number(process.argv[2] ?? 100_000);
const infra = await startInfra({ log: (line) => process.stderr.write(`${line}\n`), gateway: false });
const admin = postgres(infra.databaseUrl, { max: 1, onnotice: () => {} });
await admin.unsafe('DROP DATABASE IF EXISTS pt_explain WITH (FORCE)');
await admin.unsafe('CREATE DATABASE pt_explain');
const url = new URL(infra.databaseUrl);
url.pathname = '/pt_explain';
await runMigrations(url.toString());
const { sql, close } = createSql(url.toString(), { max: 2 });
const { client } = await createApiClientsRepository(sql).create('explain');
const statuses = ['settled', 'returned', 'failed', 'pending', 'received', 'unconfirmed'];
await sql`
  INSERT INTO payments (id, client_id, status, amount, sender_account, receiver_account, confirmation_id, submitted_at, next_attempt_at, unconfirmed_from, unconfirmed_until)
  SELECT gen_random_uuid(), ${client.id},
         (${statuses}::text[])[CASE WHEN g % 100 < 90 THEN 1 + g % 3 WHEN g % 100 < 98 THEN 4 WHEN g % 100 < 99 THEN 5 ELSE 6 END],
         10.00, '11112222', '33334444', 'c-' || g, now(), now(), now(), now()
  FROM generate_series(1, ${N}) g`;
await sql`UPDATE payments SET confirmation_id = NULL WHERE status IN ('received', 'unconfirmed')`;
await sql`ANALYZE payments`;
const [one] = await sql`SELECT id FROM payments LIMIT 1`;
const id = one?.id as string;

const queries: Array<[string, string]> = [
  [
    'GET /payments/{id}',
    `SELECT * FROM payments p LEFT JOIN sync_state s ON s.name = 'gateway' WHERE p.id = '${id}' AND p.client_id = '${client.id}'`,
  ],
  ['GET /payments (page)', `SELECT * FROM payments p WHERE p.client_id = '${client.id}' ORDER BY p.id DESC LIMIT 21`],
  [
    'GET /payments?status=pending',
    `SELECT * FROM payments p WHERE p.client_id = '${client.id}' AND p.status = 'pending' ORDER BY p.id DESC LIMIT 21`,
  ],
  ['events of a payment', `SELECT * FROM payment_events WHERE payment_id = '${id}' ORDER BY id`],
  [
    'syncer: tracked (pending) ids',
    `SELECT confirmation_id, status, gateway_updated_at FROM payments WHERE status = 'pending' AND confirmation_id IS NOT NULL`,
  ],
  [
    'syncer: bulk apply join',
    `SELECT p.id FROM unnest(ARRAY['c-1','c-2','c-3']) AS i(confirmation_id) JOIN payments p ON p.confirmation_id = i.confirmation_id`,
  ],
  [
    'syncer: due re-submissions',
    `SELECT id FROM payments WHERE status = 'received' AND attempt_started_at IS NULL AND next_attempt_at <= now() ORDER BY next_attempt_at LIMIT 100`,
  ],
  [
    'syncer: interrupted attempts',
    `SELECT id FROM payments WHERE status = 'received' AND attempt_started_at IS NOT NULL AND next_attempt_at <= now()`,
  ],
  ['syncer: unconfirmed', `SELECT id FROM payments WHERE status = 'unconfirmed' ORDER BY unconfirmed_from`],
  [
    'syncer: possible owners',
    `SELECT id FROM payments WHERE status = 'unconfirmed' OR (status = 'received' AND attempt_started_at IS NOT NULL)`,
  ],
  ['syncer: clear missing flags', `SELECT id FROM payments WHERE gateway_missing_since IS NOT NULL`],
];
for (const [name, query] of queries) {
  const plan = await sql.unsafe(`EXPLAIN ${query}`);
  process.stdout.write(`\n${name}\n${plan.map((row) => `  ${row['QUERY PLAN']}`).join('\n')}\n`);
}
await close();
await admin.unsafe('DROP DATABASE IF EXISTS pt_explain WITH (FORCE)');
await admin.end();
await infra.stop();
