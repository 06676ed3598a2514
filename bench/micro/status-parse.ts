/**
 * Reading GET /status's body three ways, in one process and without the network: the splitter
 * with a JSON.parse per batch (packages/core/src/gateway/json-array-splitter.ts, what the syncer
 * reads with), @streamparser/json as the syncer used it before (the floor of case 3 still does),
 * and one JSON.parse of the whole body. The body is N entries shaped as the gateway-mock writes
 * them, cut into 64 KiB chunks as a socket hands them over. CPU time of the whole read, medians of
 * five rounds in alternating order, and the peak RSS of the process after each method.
 *
 *   node_modules/.bin/tsx bench/micro/status-parse.ts [N]
 */
import { randomUUID } from 'node:crypto';
import { JSONParser } from '@streamparser/json';
import { JsonArraySplitter } from '../../packages/core/src/gateway/json-array-splitter.js';

const N = Number(process.argv[2] ?? 1_000_000);
const CHUNK = 64 * 1024;
const at = '2026-12-02T01:00:00.000000';
const parts: string[] = [];
for (let i = 0; i < N; i++)
  parts.push(
    `{"confirmation_id":"${randomUUID()}","status":"${i % 10 === 0 ? 'pending' : 'settled'}","created_at":"${at}","updated_at":"${at}"}`,
  );
const body = Buffer.from(`[${parts.join(',')}]`);
parts.length = 0;
const chunks: Buffer[] = [];
for (let start = 0; start < body.length; start += CHUNK) chunks.push(Buffer.from(body.subarray(start, start + CHUNK)));

/** What the syncer does with an entry first: look at its id and status. */
let seen = 0;
const look = (value: unknown) => {
  if ((value as { status?: string }).status === 'pending') seen++;
};

const methods: Record<string, () => void> = {
  splitter: () => {
    const splitter = new JsonArraySplitter();
    for (const chunk of chunks) {
      const batch = splitter.push(chunk);
      if (batch) for (const value of batch) look(value);
    }
    splitter.end();
  },
  '@streamparser/json': () => {
    const parser = new JSONParser({ paths: ['$.*'], keepStack: false });
    parser.onValue = ({ value }) => look(value);
    for (const chunk of chunks) parser.write(chunk);
    if (!parser.isEnded) parser.end();
  },
  'JSON.parse (whole body)': () => {
    for (const value of JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown[]) look(value);
  },
};

const cpuMs: Record<string, number[]> = Object.fromEntries(Object.keys(methods).map((name) => [name, []]));
for (let round = 0; round < 5; round++) {
  const names = Object.keys(methods);
  if (round % 2 === 1) names.reverse();
  for (const name of names) {
    const start = process.cpuUsage();
    (methods[name] as () => void)();
    const used = process.cpuUsage(start);
    cpuMs[name]?.push((used.user + used.system) / 1000);
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1] as number;
process.stdout.write(
  `${N} entries, ${(body.length / 2 ** 20).toFixed(0)} MiB, in ${chunks.length} chunks (${seen} pending seen)\n`,
);
const base = median(cpuMs.splitter ?? []);
for (const [name, times] of Object.entries(cpuMs))
  process.stdout.write(
    `${name.padEnd(24)} ${median(times).toFixed(0).padStart(6)} ms CPU  (${(median(times) / base).toFixed(2)}x the splitter)\n`,
  );
