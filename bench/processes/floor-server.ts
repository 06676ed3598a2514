/**
 * The floors for the API cases: the least code that does the same I/O as our routes, on the
 * same libraries (Fastify, postgres.js with a pool of 10, undici), no validation, no auth, no
 * logging. Run as its own process, like the API, so both meet the load generator the same way.
 *
 *   GET  /payments/:id  one SELECT by primary key (the API's own query text), the row as JSON
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
  await gateway.close();
  process.exit(0);
});

await app.listen({ port: 0, host: '127.0.0.1' });
process.send?.({ port: (app.server.address() as AddressInfo).port });
