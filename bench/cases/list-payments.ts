import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createApiClientsRepository, createPaymentsRepository, type PaymentFilter } from '@pt/core';
import { request } from 'undici';
import { ROOT } from '../lib/children.js';
import { loadRows, loadSideBySide } from '../lib/compare.js';
import type { BenchContext, CaseResult, TableRow } from '../lib/context.js';
import { truncatePayments } from '../lib/infra.js';
import { type ListSeed, seedListPayments } from '../lib/list-seed.js';
import { startApiAndFloor, startApiProcess, startGatewayMockProcess } from '../lib/servers.js';

const GOAL = 0.7;

/** The kinds of filtered page a client asks for; each request is one of them with random values. */
const KINDS = ['statuses', 'day', 'amount', 'receiver', 'sender+status', 'memo', 'week+amount+status'] as const;
type Kind = (typeof KINDS)[number];

const pick = <T>(values: readonly T[]): T => values[Math.floor(Math.random() * values.length)] as T;

/** One query of a kind, as the filter the repository takes and as the query string both servers get. */
function query(kind: Kind, seed: ListSeed): { filter: PaymentFilter; search: string } {
  const span = seed.to.getTime() - seed.from.getTime();
  const day = (days: number) => {
    const start = new Date(seed.from.getTime() + Math.random() * (span - days * 86_400_000));
    return { start, end: new Date(start.getTime() + days * 86_400_000) };
  };
  switch (kind) {
    case 'statuses':
      return { filter: { statuses: ['pending', 'received'] }, search: 'status=pending,received' };
    case 'day': {
      const { start, end } = day(1);
      return {
        filter: { createdFrom: start, createdTo: end },
        search: `created_from=${start.toISOString()}&created_to=${end.toISOString()}`,
      };
    }
    case 'amount':
      return { filter: { amountMin: '4900.00' }, search: 'amount_min=4900.00' };
    case 'receiver': {
      const receiver = pick(seed.receivers);
      return { filter: { receiverAccount: receiver }, search: `receiver_account=${receiver}` };
    }
    case 'sender+status': {
      const sender = pick(seed.senders);
      return { filter: { senderAccount: sender, statuses: ['failed'] }, search: `sender_account=${sender}&status=failed` };
    }
    case 'memo': {
      const prefix = `INV-00${String(Math.floor(Math.random() * 33_000)).padStart(5, '0')}`;
      return { filter: { memoPrefix: prefix }, search: `memo=${prefix}` };
    }
    case 'week+amount+status': {
      const { start, end } = day(7);
      return {
        filter: { createdFrom: start, createdTo: end, amountMin: '1000.00', amountMax: '2000.00', statuses: ['settled'] },
        search: `created_from=${start.toISOString()}&created_to=${end.toISOString()}&amount_min=1000.00&amount_max=2000.00&status=settled`,
      };
    }
  }
}

/**
 * Case 7: GET /payments with filters, at 50 connections, the bench's client holding
 * `listPayments` payments (of 1.25x as many in the table), against the floor's bare postgres.js
 * route running the same query. Also writes each kind's plan (EXPLAIN ANALYZE, BUFFERS) and
 * measures the CSV export's peak memory for 100k and all rows.
 */
export async function runListPayments(ctx: BenchContext): Promise<CaseResult> {
  const { db, settings } = ctx;
  const count = settings.listPayments;
  ctx.log(`case 7: GET /payments with filters, ${count.toLocaleString('en')} payments of one client`);
  await truncatePayments(db.sql);
  const clients = createApiClientsRepository(db.sql);
  const others = await Promise.all([1, 2, 3, 4].map(async (i) => (await clients.create(`list-${i}-${Date.now()}`)).client.id));
  const started = Date.now();
  const seed = await seedListPayments(db.sql, ctx.clientId, others, count);
  ctx.log(`  seeded in ${Math.round((Date.now() - started) / 1000)} s`);

  const plans = await explainEach(ctx, seed);
  const paths = Array.from({ length: 700 }, (_, i) => `/payments?${query(KINDS[i % KINDS.length] as Kind, seed).search}`);
  const { ours, floor, stop } = await startApiAndFloor(ctx);
  let load: Awaited<ReturnType<typeof loadSideBySide>>;
  try {
    load = await loadSideBySide(
      ctx,
      { ours, floor },
      { method: 'GET', paths, headers: { authorization: `Bearer ${ctx.apiKey}` } },
      'list',
    );
  } finally {
    await stop();
  }
  const exports = await measureExports(ctx, seed);
  const rows: TableRow[] = [
    ...loadRows('7 GET /payments?filters', load.summary, GOAL),
    ...exports.map((e) => ({
      case: '',
      metric: `CSV export ${e.label}: peak RSS (${Math.round(e.rows / 1000)}k rows, ${Math.round(e.rows / e.seconds)} rows/s)`,
      unit: 'MB',
      ours: e.peakRssMb,
    })),
  ];
  return { rows, details: { payments: count, kinds: KINDS, plans, exports, ...load } };
}

/** Each kind's plan at this size, written beside the results and logged as one line per kind. */
async function explainEach(ctx: BenchContext, seed: ListSeed): Promise<Record<string, string[]>> {
  const payments = createPaymentsRepository(ctx.db.sql);
  const plans: Record<string, string[]> = {};
  for (const kind of ['none', ...KINDS] as const) {
    const filter = kind === 'none' ? {} : query(kind, seed).filter;
    await payments.listForClient(ctx.clientId, { limit: 20, filter }); // warm, as under load
    const plan = await payments.explainListForClient(ctx.clientId, { limit: 20, filter });
    plans[kind] = [JSON.stringify(filter), ...plan];
    const index = /(?:Index|Bitmap Index) (?:Only )?Scan (?:Backward )?using (\w+)/.exec(plan.join('\n'))?.[1] ?? 'no index';
    const time = plan.find((line) => line.startsWith('Execution Time'));
    ctx.log(`  plan ${kind}: ${index}, ${time}`);
  }
  const file = path.join(ROOT, 'bench/results', `${new Date().toISOString().replace(/[:.]/g, '-')}-list-plans.txt`);
  writeFileSync(
    file,
    Object.entries(plans)
      .map(([kind, lines]) => `## ${kind}\n${lines.join('\n')}\n`)
      .join('\n'),
  );
  ctx.log(`  plans written to ${path.relative(ROOT, file)}`);
  return plans;
}

interface ExportFigure {
  label: string;
  rows: number;
  seconds: number;
  peakRssMb: number;
  rssBeforeMb: number;
}

/**
 * The CSV export's memory: a fresh API process per export (its VmHWM is its peak since start),
 * first ~100k rows (the newest, by created_from), then every one of the client's rows.
 */
async function measureExports(ctx: BenchContext, seed: ListSeed): Promise<ExportFigure[]> {
  const gateway = await startGatewayMockProcess({ delaySeconds: 3600 });
  const figures: ExportFigure[] = [];
  try {
    const tenth = new Date(seed.to.getTime() - (seed.to.getTime() - seed.from.getTime()) / 10);
    for (const [label, search] of [
      ['~100k', `format=csv&created_from=${tenth.toISOString()}`],
      ['all', 'format=csv'],
    ] as const) {
      const api = await startApiProcess({ databaseUrl: ctx.db.url, gatewayUrl: gateway.url, profile: false });
      try {
        const rssBeforeMb = status(api.pid, 'VmRSS');
        const started = process.hrtime.bigint();
        const answer = await request(`${api.url}/payments?${search}`, { headers: { authorization: `Bearer ${ctx.apiKey}` } });
        let lines = 0;
        for await (const chunk of answer.body) {
          for (const byte of chunk as Buffer) if (byte === 10) lines++;
        }
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        // lines counts CRLFs: the header's, and any inside quoted cells (none in this data)
        const figure = { label, rows: lines - 1, seconds, peakRssMb: status(api.pid, 'VmHWM'), rssBeforeMb };
        ctx.log(
          `  export ${label}: ${figure.rows} rows in ${seconds.toFixed(1)} s, API peak RSS ${figure.peakRssMb} MB (${rssBeforeMb} MB before)`,
        );
        figures.push(figure);
      } finally {
        await api.stop();
      }
    }
  } finally {
    await gateway.stop();
  }
  return figures;
}

/** A /proc/<pid>/status figure in MB (VmHWM: the peak resident set since the process started). */
function status(pid: number | undefined, field: 'VmHWM' | 'VmRSS'): number {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(text)?.[1] ?? Number.NaN);
  return Math.round(kb / 1024);
}
