/**
 * The floor for webhook delivery: the least code that does the dispatcher's I/O. Reads the
 * status changes' events after the last one it sent (by id: the bench writes them one
 * transaction after another), signs each with standardwebhooks and POSTs it with undici to the
 * receiver, FLOOR_CONCURRENCY at a time, FLOOR_BATCH events per read; waits FLOOR_INTERVAL_MS
 * when a read found nothing, as the dispatcher does. Nothing is recorded: no deliveries, no
 * attempts, no retries. Runs until SIGTERM.
 */
import postgres from 'postgres';
import { Webhook } from 'standardwebhooks';
import { request } from 'undici';

const env = process.env;
const databaseUrl = env.DATABASE_URL;
const receiverUrl = env.RECEIVER_URL;
const secret = env.WEBHOOK_SECRET;
if (!databaseUrl || !receiverUrl || !secret) throw new Error('DATABASE_URL, RECEIVER_URL and WEBHOOK_SECRET are required');
const concurrency = Number(env.FLOOR_CONCURRENCY ?? 16);
const batch = Number(env.FLOOR_BATCH ?? 100);
const intervalMs = Number(env.FLOOR_INTERVAL_MS ?? 1000);

interface EventRow {
  id: string;
  seq: number;
  to_status: string;
  at: Date;
  snapshot: Record<string, unknown> | null;
  payment_id: string;
  amount: string;
  sender_account: string;
  receiver_account: string;
  memo: string | null;
  created_at: Date;
}

const sql = postgres(databaseUrl, { max: 4, onnotice: () => {} });
const webhook = new Webhook(secret);
let stopping = false;
process.once('SIGTERM', () => {
  stopping = true;
});

async function send(row: EventRow): Promise<void> {
  const msgId = `evt_${row.id}`;
  const now = new Date();
  const body = JSON.stringify({
    type: `payment.${row.to_status}`,
    timestamp: row.at.toISOString(),
    data: {
      event_id: msgId,
      sequence: row.seq,
      payment: {
        id: row.payment_id,
        status: row.to_status,
        amount: row.amount,
        sender_account: row.sender_account,
        receiver_account: row.receiver_account,
        memo: row.memo,
        created_at: row.created_at.toISOString(),
        ...row.snapshot,
      },
    },
  });
  const response = await request(receiverUrl as string, {
    method: 'POST',
    body,
    headers: {
      'content-type': 'application/json',
      'webhook-id': msgId,
      'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
      'webhook-signature': webhook.sign(msgId, now, body),
    },
  });
  await response.body.dump();
}

let lastId = '0';
while (!stopping) {
  const rows = await sql<EventRow[]>`
    SELECT e.id, e.seq, e.to_status, e.at, e.snapshot, p.id AS payment_id, p.amount::text AS amount,
      p.sender_account, p.receiver_account, p.memo, p.created_at
    FROM payment_events e JOIN payments p ON p.id = e.payment_id
    WHERE e.id > ${lastId} AND e.seq IS NOT NULL ORDER BY e.id LIMIT ${batch}`;
  const last = rows.at(-1);
  if (last) lastId = last.id;
  const queue = [...rows];
  const worker = async () => {
    for (let row = queue.shift(); row; row = queue.shift()) await send(row);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, rows.length) }, worker));
  if (rows.length < batch && !stopping) await new Promise((resolve) => setTimeout(resolve, intervalMs));
}
await sql.end({ timeout: 5 });
