/**
 * `make bench`: every benchmark side by side with its floor, in one run on this machine.
 * Starts its own Postgres (embedded, in a temporary folder) unless BENCH_DATABASE_URL is given,
 * the gateway-mock, the API and the syncer as separate processes; the load generator
 * (autocannon) runs here. Prints a table; writes bench/results/<timestamp>.json, latest.json
 * and the reconcile chart (SVG). See bench/README.md for the cases and the knobs.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { runFreshness } from './cases/freshness.js';
import { runGetPayment } from './cases/get-payment.js';
import { runListPayments } from './cases/list-payments.js';
import { runMetricsCost } from './cases/metrics-cost.js';
import { runPostPayment } from './cases/post-payment.js';
import { runPostgresQueue } from './cases/postgres-queue.js';
import { type ReconcilePoint, runReconcile } from './cases/reconcile.js';
import { runWebhooks } from './cases/webhooks.js';
import { reconcileChart } from './lib/chart.js';
import { prepareBundles, ROOT, stopAllChildren } from './lib/children.js';
import type { BenchContext, CaseResult, TableRow } from './lib/context.js';
import { createBenchClient, startDatabase } from './lib/infra.js';
import { describeMachine, renderTable, writeResults } from './lib/report.js';
import { type CaseName, loadSettings } from './lib/settings.js';

const RESULTS_DIR = path.join(ROOT, 'bench/results');
const log = (line: string) => process.stdout.write(`${line}\n`);

// Cheap, well-isolated cases first; the long reconcile curve last.
const CASES: Array<[CaseName, (ctx: BenchContext) => Promise<CaseResult>]> = [
  ['get', runGetPayment],
  ['metrics', runMetricsCost],
  ['pgqueue', runPostgresQueue],
  ['post', runPostPayment],
  ['list', runListPayments],
  ['freshness', runFreshness],
  ['webhooks', runWebhooks],
  ['reconcile', runReconcile],
];

const settings = loadSettings();
const startedAt = new Date();
log(
  `make bench: ${settings.quick ? 'QUICK (smoke run: small N, 1 round)' : 'full'} run, cases ${[...settings.cases].join(', ')}`,
);
log('bundling the apps and the floors (scripts/bundle.ts): they run on plain node, as shipped');
await prepareBundles(['floor-server', 'reconcile-ours', 'reconcile-floor', 'reconcile-limit', 'webhooks-floor']);
const db = await startDatabase(settings.databaseUrl, log);

let stopping = false;
async function shutdown(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    await stopAllChildren();
    await db.stop().catch(() => {});
  }
  process.exit(code);
}
process.once('SIGINT', () => void shutdown(130));
process.once('SIGTERM', () => void shutdown(143));

const machine = describeMachine(db.serverVersion);
log(
  `machine: ${machine.nproc} cores, ${machine.cpu}, ${machine.memoryGb} GB, Node ${machine.node}, Postgres ${machine.postgres}`,
);
const { clientId, apiKey } = await createBenchClient(db.url);
const ctx: BenchContext = { settings, db, clientId, apiKey, log };

const rows: TableRow[] = [];
const details: Record<string, unknown> = {};
let reconcilePoints: ReconcilePoint[] | undefined;
let failures = 0;
for (const [name, run] of CASES) {
  if (!settings.cases.has(name)) continue;
  try {
    const result = await run(ctx);
    rows.push(...result.rows);
    details[name] = result.details;
    if ('points' in result) reconcilePoints = result.points as ReconcilePoint[];
  } catch (error) {
    failures++;
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    log(`case ${name} FAILED: ${message}`);
    details[name] = { error: message };
    await stopAllChildren();
  }
}

const table = renderTable(rows);
const finishedAt = new Date();
const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
const file = writeResults(RESULTS_DIR, stamp, {
  startedAt,
  finishedAt,
  durationS: Math.round((finishedAt.getTime() - startedAt.getTime()) / 1000),
  machine,
  database: db.origin,
  settings: { ...settings, cases: [...settings.cases], databaseUrl: settings.databaseUrl ? '(given)' : undefined },
  table: rows,
  tableMarkdown: table,
  cases: details,
});
if (reconcilePoints && reconcilePoints.length > 0) {
  const svg = reconcileChart(
    reconcilePoints,
    `${machine.nproc} cores, ${machine.cpu}, Node ${machine.node}, Postgres ${machine.postgres} · medians of ${settings.rounds} · ${stamp}`,
  );
  writeFileSync(path.join(RESULTS_DIR, `${stamp}-reconcile.svg`), svg);
  writeFileSync(path.join(RESULTS_DIR, 'reconcile-latest.svg'), svg);
}

log('');
log(`${machine.nproc} cores · ${machine.cpu} · Node ${machine.node} · Postgres ${machine.postgres} (${db.origin})`);
log(
  `medians of ${settings.rounds} round(s), ${settings.durationS} s of load at ${settings.connections} connections; ratio = ours / floor`,
);
log(table);
log(
  `\nwritten: ${path.relative(ROOT, file)}, bench/results/latest.json${reconcilePoints ? ', bench/results/reconcile-latest.svg' : ''}`,
);
log(`took ${Math.round((finishedAt.getTime() - startedAt.getTime()) / 1000)} s`);
await shutdown(failures > 0 ? 1 : 0);
