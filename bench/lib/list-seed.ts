import type postgres from 'postgres';

/** The filtered list's data: the bench's client holds `count` payments, four smaller clients the rest. */
export interface ListSeed {
  /** The bench client's accounts, receivers that exist for it, and the time span it covers. */
  senders: string[];
  receivers: string[];
  from: Date;
  to: Date;
}

const SPAN_DAYS = 180;

/**
 * Inserts `count` payments of `clientId` plus a quarter as many again spread over four other
 * clients (80 % / 10 / 5 / 5: one big client, as real traffic is skewed), one statement per
 * 250,000 rows. Rows are 180 days of history in time order with UUIDv7 ids (built in SQL, so any
 * Postgres works), 80 % settled, 8 % returned, 5 % failed, 5 % pending, 2 % received; amounts
 * 1.00-5000.99; three sender accounts per client; ~200,000 receivers; memos `INV-<8 digits>` (2 %
 * without one). Ends with VACUUM ANALYZE, as a table this old would be.
 */
export async function seedListPayments(sql: postgres.Sql, clientId: string, others: string[], count: number): Promise<ListSeed> {
  const total = Math.round(count * 1.25);
  const to = new Date();
  const from = new Date(to.getTime() - SPAN_DAYS * 86_400_000);
  const stepMs = (to.getTime() - from.getTime()) / total;
  const clients = [clientId, ...others];
  for (let start = 1; start <= total; start += 250_000) {
    const end = Math.min(total, start + 249_999);
    await sql`
      INSERT INTO payments (id, client_id, status, amount, sender_account, receiver_account, memo, confirmation_id,
                            attempts, created_at, updated_at, submitted_at, resolved_at)
      SELECT (lpad(to_hex(ms), 12, '0') || '7' || substr(h, 1, 3) || '8' || substr(h, 4, 15))::uuid,
             (${clients}::uuid[])[c + 1],
             CASE WHEN v < 205 THEN 'settled' WHEN v < 225 THEN 'returned' WHEN v < 238 THEN 'failed'
                  WHEN v < 250 THEN 'pending' ELSE 'received' END,
             1 + (('x' || substr(h, 22, 6))::bit(24)::int % 500000) / 100.0,
             lpad((c * 10 + g % 3)::text, 10, '5'),
             lpad((('x' || substr(h, 28, 5))::bit(20)::int % 200000)::text, 10, '7'),
             CASE WHEN v2 < 5 THEN NULL ELSE 'INV-' || lpad((g / 3)::text, 8, '0') END,
             'seed-' || g, 1, at, at, at, CASE WHEN v < 238 THEN at END
      FROM (
        SELECT g, h, at, (extract(epoch FROM at) * 1000)::bigint AS ms,
               ('x' || substr(h, 20, 2))::bit(8)::int AS v, ('x' || substr(h, 18, 2))::bit(8)::int AS v2,
               CASE WHEN g % 20 < 16 THEN 0 WHEN g % 20 < 18 THEN 1 WHEN g % 20 = 18 THEN 2 ELSE 3 + g % 40 / 20 END AS c
        FROM (SELECT g, md5(g::text) AS h, ${from}::timestamptz + g * ${stepMs}::float8 * interval '1 millisecond' AS at
              FROM generate_series(${start}::int, ${end}::int) AS g) AS numbered
      ) AS rows`;
  }
  await sql`VACUUM ANALYZE payments`;
  const senders = await sql<{ a: string }[]>`
    SELECT DISTINCT sender_account AS a FROM payments WHERE client_id = ${clientId}`;
  const receivers = await sql<{ a: string }[]>`
    SELECT receiver_account AS a FROM payments WHERE client_id = ${clientId} ORDER BY random() LIMIT 200`;
  return { senders: senders.map((r) => r.a), receivers: receivers.map((r) => r.a), from, to };
}
