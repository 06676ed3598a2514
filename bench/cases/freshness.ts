import { JsonArraySplitter, parseGatewayTime } from '@pt/core';
import { request } from 'undici';
import type { BenchContext, CaseResult, TableRow } from '../lib/context.js';
import { BENCH_SENDER_ACCOUNT, truncatePayments } from '../lib/infra.js';
import { type RunningServer, startApiProcess, startGatewayMockProcess, startSyncerProcess } from '../lib/servers.js';
import { median, percentile } from '../lib/stats.js';
import { formatCount, insertKnown, seedGateway } from './reconcile.js';

const DELAY_SECONDS = 2;
const POLL_MS = 50;
/** A 1M-entry cycle on a busy machine can take 20-30 s, and a payment may wait for two of them. */
const FOLLOW_LIMIT_MS = 180_000;
const TERMINAL = new Set(['settled', 'returned', 'failed']);

interface Followed {
  id: string;
  confirmationId: string;
  /** When the gateway's delay ran out (its created_at + delay): the payment is resolved there. */
  dueMs: number;
  /** The gateway's updated_at: the /status read (the syncer's) that first reported it resolved. */
  gatewayUpdatedMs: number;
  seenMs: number;
}

/**
 * Case 4: after the gateway resolves a payment, how long until GET /payments/{id} shows it,
 * with the API, the syncer (default SYNC_INTERVAL_MS) and the gateway-mock as shipped, each its
 * own process, and the gateway's list already holding N payments (known here as resolved), for
 * each N of BENCH_FRESHNESS_SIZES: a cycle grows with the list. Payments are submitted at
 * staggered moments so they fall at every phase of the sync cycle; each is polled every 50 ms.
 * Then a few ?refresh=true reads of freshly resolved ones.
 */
export async function runFreshness(ctx: BenchContext): Promise<CaseResult> {
  const rows: TableRow[] = [];
  const details: Record<string, unknown> = {};
  const largest = Math.max(...ctx.settings.freshnessSizes);
  for (const size of ctx.settings.freshnessSizes) {
    const result = await measureFreshness(ctx, size);
    details[String(size)] = result;
    const { lagMs, cycleMs, refreshMs } = result;
    const bound = ctx.settings.freshnessIntervalMs + cycleMs;
    const p95 = percentile(lagMs, 95);
    rows.push(
      {
        case: `4 freshness, ${formatCount(size)} at the gateway`,
        metric: 'resolved → visible p50',
        unit: 'ms',
        ours: median(lagMs),
      },
      {
        case: '',
        metric: `resolved → visible p95 (bound: interval + cycle ${Math.round(cycleMs)} ms)`,
        unit: 'ms',
        ours: p95,
        ...(size === largest ? { goal: `<= ${Math.round(bound)} ms`, met: p95 <= bound } : {}),
      },
      { case: '', metric: 'resolved → visible max', unit: 'ms', ours: Math.max(...lagMs) },
      { case: '', metric: `?refresh=true answer p50 (${refreshMs.length})`, unit: 'ms', ours: median(refreshMs) },
    );
  }
  return { rows, details };
}

async function measureFreshness(ctx: BenchContext, size: number) {
  const { db, settings } = ctx;
  ctx.log(
    `case 4: freshness over ${settings.freshnessSamples} payments at SYNC_INTERVAL_MS=${settings.freshnessIntervalMs}, ` +
      `${formatCount(size)} payments at the gateway`,
  );
  await truncatePayments(db.sql);
  const gateway = await startGatewayMockProcess({ delaySeconds: DELAY_SECONDS });
  let api: RunningServer | undefined;
  let syncer: RunningServer | undefined;
  try {
    if (size > 0) {
      const seeded = await seedGateway(gateway, size, 0);
      await insertKnown(db.sql, ctx.clientId, seeded.known);
      await db.sql`VACUUM ANALYZE payments`;
    }
    api = await startApiProcess({ databaseUrl: db.url, gatewayUrl: gateway.url, profile: false });
    syncer = await startSyncerProcess({
      databaseUrl: db.url,
      gatewayUrl: gateway.url,
      env: { SYNC_INTERVAL_MS: String(settings.freshnessIntervalMs) },
    });
    const running = api;
    const call = (path: string, init: { method?: 'GET' | 'POST'; body?: string } = {}) =>
      callApi(running, ctx.apiKey, path, init);
    // Spaced so that submissions do not line up with the interval (730 ms is no divisor of 5000).
    const spacingMs = 730;
    const followed = await Promise.all(
      Array.from({ length: settings.freshnessSamples }, async (_, i) => {
        await sleep(i * spacingMs);
        return follow(call, i);
      }),
    );
    const times = await gatewayTimes(gateway, new Set(followed.map((f) => f.confirmationId)));
    const samples = followed.map((f) => {
      const t = times.get(f.confirmationId);
      if (!t) throw new Error(`the gateway does not list ${f.confirmationId}`);
      return { ...f, dueMs: t.createdMs + DELAY_SECONDS * 1000, gatewayUpdatedMs: t.updatedMs } satisfies Followed;
    });
    const lagMs = samples.map((s) => s.seenMs - s.dueMs);
    const [state] = await db.sql<
      { cycle_ms: number | null }[]
    >`SELECT last_cycle_ms AS cycle_ms FROM sync_state WHERE name = 'gateway'`;
    const refresh = await measureRefresh(call, Math.min(5, settings.freshnessSamples));
    return {
      size,
      intervalMs: settings.freshnessIntervalMs,
      gatewayDelaySeconds: DELAY_SECONDS,
      pollMs: POLL_MS,
      /** The syncer's last cycle while the samples were followed (sync_state). */
      cycleMs: state?.cycle_ms ?? Number.NaN,
      lagMs,
      lagSummaryMs: { p50: median(lagMs), p95: percentile(lagMs, 95), max: Math.max(...lagMs), min: Math.min(...lagMs) },
      samples,
      refresh,
      refreshMs: refresh.map((r) => r.latencyMs),
    };
  } finally {
    await syncer?.stop();
    await api?.stop();
    await gateway.stop();
  }
}

type Call = (path: string, init?: { method?: 'GET' | 'POST'; body?: string }) => Promise<{ status: number; body: Payment }>;
interface Payment {
  id: string;
  status: string;
  confirmation_id: string | null;
}

async function callApi(api: RunningServer, apiKey: string, path: string, init: { method?: 'GET' | 'POST'; body?: string }) {
  const response = await request(`${api.url}${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    ...(init.body === undefined ? {} : { body: init.body }),
  });
  return { status: response.statusCode, body: (await response.body.json()) as Payment };
}

async function submit(call: Call, i: number): Promise<Payment> {
  const body = JSON.stringify({
    sender_account: BENCH_SENDER_ACCOUNT,
    receiver_account: `98765432109${i % 10}`,
    amount: '10.00',
  });
  const answer = await call('/payments', { method: 'POST', body });
  if (answer.status !== 201 || !answer.body.confirmation_id) throw new Error(`POST /payments answered ${answer.status}`);
  return answer.body;
}

/** Submits one payment and polls it until the API shows a resolution. */
async function follow(call: Call, i: number): Promise<Omit<Followed, 'dueMs' | 'gatewayUpdatedMs'>> {
  const payment = await submit(call, i);
  const deadline = Date.now() + FOLLOW_LIMIT_MS;
  while (Date.now() < deadline) {
    const answer = await call(`/payments/${payment.id}`);
    if (TERMINAL.has(answer.body.status)) {
      return { id: payment.id, confirmationId: payment.confirmation_id as string, seenMs: Date.now() };
    }
    await sleep(POLL_MS);
  }
  throw new Error(`payment ${payment.id} was not resolved within ${FOLLOW_LIMIT_MS / 1000} s`);
}

/** created_at and updated_at of the followed payments, in epoch ms (the mock's list, read as a stream). */
async function gatewayTimes(
  gateway: RunningServer,
  wanted: Set<string>,
): Promise<Map<string, { createdMs: number; updatedMs: number }>> {
  const response = await request(`${gateway.url}/__mock/payments`);
  const times = new Map<string, { createdMs: number; updatedMs: number }>();
  const ms = (text: string) => parseGatewayTime(text)?.getTime() ?? Number.NaN;
  const splitter = new JsonArraySplitter();
  for await (const chunk of response.body) {
    for (const p of (splitter.push(chunk as Buffer) ?? []) as Array<{
      confirmation_id: string;
      created_at: string;
      updated_at: string;
    }>)
      if (wanted.has(p.confirmation_id))
        times.set(p.confirmation_id, { createdMs: ms(p.created_at), updatedMs: ms(p.updated_at) });
  }
  splitter.end();
  return times;
}

/**
 * For each of `count` payments in turn: submit, wait until the gateway has resolved it, then one
 * GET ?refresh=true — the API wakes the syncer (NOTIFY) and waits for a fresher sync.
 */
async function measureRefresh(call: Call, count: number) {
  const results = [];
  for (let i = 0; i < count; i++) {
    const payment = await submit(call, i);
    await sleep(DELAY_SECONDS * 1000 + 200);
    const started = performance.now();
    const answer = await call(`/payments/${payment.id}?refresh=true`);
    results.push({ id: payment.id, latencyMs: performance.now() - started, status: answer.body.status });
  }
  return results;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
