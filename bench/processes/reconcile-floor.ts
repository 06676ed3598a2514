/**
 * The floor for one reconciliation, kept as the syncer's code was before issue 15 (the goal is
 * a ratio to it): reads the pending confirmation_ids, stream-parses GET /status with
 * @streamparser/json (the syncer's reader then; the syncer now splits and batch-parses), and
 * applies the entries that move a pending payment with one UPDATE … FROM unnest (writing each
 * payment's event in the same statement, as ours must) per 10,000 changes.
 */
import { JSONParser } from '@streamparser/json';
import postgres from 'postgres';
import { request } from 'undici';
import { peakRssBytes } from '../lib/peak-rss.js';

const BATCH = 10_000;
const databaseUrl = process.env.DATABASE_URL;
const gatewayUrl = process.env.GATEWAY_URL;
if (!databaseUrl || !gatewayUrl) throw new Error('DATABASE_URL and GATEWAY_URL are required');

interface Entry {
  confirmation_id: string;
  status: string;
  updated_at: string;
}

const withZone = (at: string) => (/(Z|[+-]\d{2}:?\d{2})$/i.test(at) ? at : `${at}Z`);
const sql = postgres(databaseUrl, { max: 4, onnotice: () => {} });
const baseRssBytes = process.memoryUsage().rss;
const cpuAtStart = process.cpuUsage();
const started = performance.now();

const tracked = new Set<string>();
const cursor = sql`SELECT confirmation_id FROM payments WHERE status = 'pending' AND confirmation_id IS NOT NULL`.cursor(10_000);
for await (const rows of cursor) for (const row of rows) tracked.add(row.confirmation_id as string);

let ids: string[] = [];
let statuses: string[] = [];
let times: string[] = [];
let entries = 0;
let changed = 0;

async function flush(): Promise<void> {
  if (ids.length === 0) return;
  const batch = { ids, statuses, times };
  ids = [];
  statuses = [];
  times = [];
  const result = await sql`
    WITH input AS (
      SELECT * FROM unnest(${batch.ids}::text[], ${batch.statuses}::text[], ${batch.times}::timestamptz[]) AS i(cid, status, at)
    ), upd AS (
      UPDATE payments p SET status = i.status, gateway_updated_at = i.at, updated_at = now(), last_synced_at = now(),
        resolved_at = now()
      FROM input i
      WHERE p.confirmation_id = i.cid AND p.status = 'pending' AND (p.gateway_updated_at IS NULL OR p.gateway_updated_at <= i.at)
      RETURNING p.id, i.status
    )
    INSERT INTO payment_events (payment_id, from_status, to_status, source, seq) SELECT id, 'pending', status, 'syncer', 3 FROM upd`;
  changed += result.count;
}

const parser = new JSONParser({ paths: ['$.*'], keepStack: false });
parser.onValue = ({ value }) => {
  entries++;
  const entry = value as unknown as Entry;
  if (entry.status === 'pending' || !tracked.has(entry.confirmation_id)) return;
  ids.push(entry.confirmation_id);
  statuses.push(entry.status);
  times.push(withZone(entry.updated_at));
};
const response = await request(`${gatewayUrl}/status`);
for await (const chunk of response.body) {
  parser.write(chunk as Buffer);
  if (ids.length >= BATCH) await flush();
}
if (!parser.isEnded) parser.end();
await flush();

const wallMs = performance.now() - started;
const cpu = process.cpuUsage(cpuAtStart);
const peakRss = peakRssBytes();
await sql.end({ timeout: 5 });
process.send?.({ wallMs, cpuMs: (cpu.user + cpu.system) / 1000, peakRssBytes: peakRss, baseRssBytes, entries, changed }, () =>
  process.disconnect(),
);
