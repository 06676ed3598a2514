/**
 * The floors for the API cases: the least code that does the same I/O as our routes, on the
 * same libraries (Fastify, postgres.js with a pool of 10, undici), no validation, no auth, no
 * logging. Run as its own process, like the API, so both meet the load generator the same way.
 *
 *   GET  /payments/:id  one SELECT by primary key (the API's own query text), the row as JSON
 *   GET  /payments      the filtered page: the same conditions as the API's, as postgres.js fragments
 *   POST /payments      INSERT (+ its event) → POST /submit to the gateway → UPDATE (+ its event)
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import postgres from 'postgres';
import { Agent, request } from 'undici';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};

const clientId = env('FLOOR_CLIENT_ID');
const gatewayUrl = env('GATEWAY_URL');
const sql = postgres(env('DATABASE_URL'), { max: 10, onnotice: () => {} });
const gateway = new Agent({ connections: 64, keepAliveTimeout: 4000 });
const app = Fastify({ logger: false });

/** The gateway's timestamps may carry no zone: that means UTC. */
const withZone = (at: string) => (/(Z|[+-]\d{2}:?\d{2})$/i.test(at) ? at : `${at}Z`);

interface SubmitBody {
  sender_account: string;
  receiver_account: string;
  amount: string;
  memo?: string | null;
}

app.get<{ Params: { id: string } }>('/payments/:id', async (req, reply) => {
  const [row] = await sql`
    SELECT p.id, p.client_id, p.status, p.amount::text AS amount, p.sender_account, p.receiver_account, p.memo,
      p.confirmation_id, p.attempts, p.last_error, p.created_at, p.submitted_at, p.resolved_at, p.updated_at,
      CASE WHEN p.status IN ('pending', 'unconfirmed') AND s.last_synced_at >= COALESCE(p.submitted_at, p.created_at)
           THEN s.last_synced_at ELSE p.last_synced_at END AS last_synced_at
    FROM payments p LEFT JOIN sync_state s ON s.name = 'gateway'
    WHERE p.id = ${req.params.id} AND p.client_id = ${clientId}`;
  return row ?? reply.code(404).send({ title: 'Not Found' });
});

// Its own pool of 10, unprepared like ours for these statements: a generic prepared plan cannot use
// an index for LIKE $n, and guesses every range alike (the API plans filtered lists with their values).
const listSql = postgres(env('DATABASE_URL'), { max: 10, prepare: false, onnotice: () => {} });
const LIST_COLUMNS = listSql`
  p.id, p.client_id, p.status, p.amount::text AS amount, p.sender_account, p.receiver_account, p.memo,
  p.confirmation_id, p.attempts, p.last_error, p.created_at, p.submitted_at, p.resolved_at, p.updated_at,
  CASE WHEN p.status IN ('pending', 'unconfirmed') AND s.last_synced_at >= COALESCE(p.submitted_at, p.created_at)
       THEN s.last_synced_at ELSE p.last_synced_at END AS last_synced_at`;

/** The API's id bound for a time range (ids are UUIDv7): the smallest id of that millisecond, an hour wider. */
const idAt = (iso: string, hours: number) => {
  const hex = (Date.parse(iso) + hours * 3_600_000).toString(16).padStart(12, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-0000-0000-000000000000`;
};

// No validation: the bench sends only well-formed values. LIKE's prefix needs no escaping for its memos.
app.get<{ Querystring: Record<string, string | undefined> }>('/payments', async (req) => {
  const q = req.query;
  const limit = Number(q.limit ?? 20);
  const and = (value: string | undefined, fragment: (v: string) => postgres.PendingQuery<postgres.Row[]>) =>
    value === undefined ? listSql`` : fragment(value);
  const rows = await listSql`
    SELECT ${LIST_COLUMNS} FROM payments p LEFT JOIN sync_state s ON s.name = 'gateway'
    WHERE p.client_id = ${clientId}
      ${and(q.status, (v) => listSql`AND p.status = ANY(${v.split(',')})`)}
      ${and(q.created_from, (v) => listSql`AND p.created_at >= ${v} AND p.id >= ${idAt(v, -1)}::uuid`)}
      ${and(q.created_to, (v) => listSql`AND p.created_at < ${v} AND p.id < ${idAt(v, 1)}::uuid`)}
      ${and(q.amount_min, (v) => listSql`AND p.amount >= ${v}`)}
      ${and(q.amount_max, (v) => listSql`AND p.amount <= ${v}`)}
      ${and(q.sender_account, (v) => listSql`AND p.sender_account = ${v}`)}
      ${and(q.receiver_account, (v) => listSql`AND p.receiver_account = ${v}`)}
      ${and(q.memo, (v) => listSql`AND p.memo LIKE ${`${v}%`}`)}
    ORDER BY p.id DESC LIMIT ${limit + 1}`;
  const last = rows.length > limit ? rows[limit - 1] : undefined;
  return { items: rows.slice(0, limit), next_cursor: last ? Buffer.from(String(last.id)).toString('base64url') : null };
});

app.post<{ Body: SubmitBody }>('/payments', async (req, reply) => {
  const body = req.body;
  const [payment] = await sql`
    WITH p AS (
      INSERT INTO payments (id, client_id, status, amount, sender_account, receiver_account, memo, attempts)
      VALUES (${randomUUID()}, ${clientId}, 'received', ${body.amount}, ${body.sender_account}, ${body.receiver_account},
              ${body.memo ?? null}, 1)
      RETURNING id
    ), ev AS (
      INSERT INTO payment_events (payment_id, from_status, to_status, source, seq) SELECT id, NULL, 'received', 'api', 1 FROM p
    ) SELECT id FROM p`;
  const answer = await request(`${gatewayUrl}/submit`, {
    method: 'POST',
    dispatcher: gateway,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...body, amount: Number(body.amount) }),
  });
  const accepted = (await answer.body.json()) as { confirmation_id: string; created_at: string };
  const [row] = await sql`
    WITH p AS (
      UPDATE payments SET status = 'pending', confirmation_id = ${accepted.confirmation_id},
        gateway_created_at = ${withZone(accepted.created_at)}, submitted_at = now(), updated_at = now()
      WHERE id = ${payment?.id as string} AND status = 'received'
      RETURNING *
    ), ev AS (
      INSERT INTO payment_events (payment_id, from_status, to_status, source, seq) SELECT id, 'received', 'pending', 'api', 2 FROM p
    ) SELECT * FROM p`;
  return reply.code(201).send(row);
});

process.once('SIGTERM', async () => {
  await app.close();
  await sql.end({ timeout: 5 });
  await listSql.end({ timeout: 5 });
  await gateway.close();
  process.exit(0);
});

await app.listen({ port: 0, host: '127.0.0.1' });
process.send?.({ port: (app.server.address() as AddressInfo).port });
