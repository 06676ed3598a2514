import { parseGatewayTime } from '@pt/core';
import { request } from 'undici';
import type { BenchContext, CaseResult } from '../lib/context.js';
import { BENCH_SENDER_ACCOUNT, truncatePayments } from '../lib/infra.js';
import { type RunningServer, startApiProcess, startGatewayMockProcess, startSyncerProcess } from '../lib/servers.js';
import { median, percentile } from '../lib/stats.js';

const DELAY_SECONDS = 2;
const POLL_MS = 50;
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
 * own process. Payments are submitted at staggered moments so they fall at every phase of the
 * sync cycle; each is polled every 50 ms. Then a few ?refresh=true reads of freshly resolved ones.
 */
export async function runFreshness(ctx: BenchContext): Promise<CaseResult> {
  const { db, settings } = ctx;
  ctx.log(`case 4: freshness over ${settings.freshnessSamples} payments at SYNC_INTERVAL_MS=${settings.freshnessIntervalMs}`);
  await truncatePayments(db.sql);
  const gateway = await startGatewayMockProcess({ delaySeconds: DELAY_SECONDS });
  const api = await startApiProcess({ databaseUrl: db.url, gatewayUrl: gateway.url, profile: false });
  const syncer = await startSyncerProcess({
    databaseUrl: db.url,
    gatewayUrl: gateway.url,
    env: { SYNC_INTERVAL_MS: String(settings.freshnessIntervalMs) },
  });
  const call = (path: string, init: { method?: 'GET' | 'POST'; body?: string } = {}) => callApi(api, ctx.apiKey, path, init);
  try {
    // Spaced so that submissions do not line up with the interval (730 ms is no divisor of 5000).
    const spacingMs = 730;
    const followed = await Promise.all(
      Array.from({ length: settings.freshnessSamples }, async (_, i) => {
        await sleep(i * spacingMs);
        return follow(call, i);
      }),
    );
    const times = await gatewayTimes(gateway);
    const samples = followed.map((f) => {
      const t = times.get(f.confirmationId);
      if (!t) throw new Error(`the gateway does not list ${f.confirmationId}`);
      return { ...f, dueMs: t.createdMs + DELAY_SECONDS * 1000, gatewayUpdatedMs: t.updatedMs } satisfies Followed;
    });
    const lagMs = samples.map((s) => s.seenMs - s.dueMs);
    const refresh = await measureRefresh(call, Math.min(5, settings.freshnessSamples));
    const refreshMs = refresh.map((r) => r.latencyMs);
    return {
      rows: [
        { case: '4 freshness (interval 5 s)', metric: 'resolved → visible p50', unit: 'ms', ours: median(lagMs) },
        { case: '', metric: 'resolved → visible p95', unit: 'ms', ours: percentile(lagMs, 95) },
        { case: '', metric: 'resolved → visible max', unit: 'ms', ours: Math.max(...lagMs) },
        { case: '', metric: `?refresh=true answer p50 (${refresh.length})`, unit: 'ms', ours: median(refreshMs) },
      ],
      details: {
        intervalMs: settings.freshnessIntervalMs,
        gatewayDelaySeconds: DELAY_SECONDS,
        pollMs: POLL_MS,
        lagMs: { p50: median(lagMs), p95: percentile(lagMs, 95), max: Math.max(...lagMs), min: Math.min(...lagMs) },
        samples,
        refresh,
      },
    };
  } finally {
    await syncer.stop();
    await api.stop();
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
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const answer = await call(`/payments/${payment.id}`);
    if (TERMINAL.has(answer.body.status)) {
      return { id: payment.id, confirmationId: payment.confirmation_id as string, seenMs: Date.now() };
    }
    await sleep(POLL_MS);
  }
  throw new Error(`payment ${payment.id} was not resolved within 60 s`);
}

/** created_at and updated_at of every payment the gateway-mock holds, in epoch ms. */
async function gatewayTimes(gateway: RunningServer): Promise<Map<string, { createdMs: number; updatedMs: number }>> {
  const response = await fetch(`${gateway.url}/__mock/payments`);
  const list = (await response.json()) as Array<{ confirmation_id: string; created_at: string; updated_at: string }>;
  const ms = (text: string) => parseGatewayTime(text)?.getTime() ?? Number.NaN;
  return new Map(list.map((p) => [p.confirmation_id, { createdMs: ms(p.created_at), updatedMs: ms(p.updated_at) }]));
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
