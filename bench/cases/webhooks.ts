import {
  createGatewayChangesRepository,
  createWebhookEndpointsRepository,
  newSigningSecret,
  WEBHOOK_EVENT_TYPES,
} from '@pt/core';
import { loadSyncerConfig, WEBHOOKS_NODE_FLAGS } from '@pt/syncer';
import type postgres from 'postgres';
import { benchBundle, spawnScript, stopChild } from '../lib/children.js';
import type { BenchContext, CaseResult } from '../lib/context.js';
import { postgresCpuMicros, processCpuMicros } from '../lib/cpu-time.js';
import { type RunningServer, startGatewayMockProcess, startSyncerProcess } from '../lib/servers.js';
import { median, percentile } from '../lib/stats.js';
import { freshPendingPayments, resolutions } from '../lib/webhook-backlog.js';
import { startWebhookReceiver, type WebhookReceiver } from '../lib/webhook-receiver.js';

const RATE_GOAL = 0.7;
/** The latency phase writes a batch of changes every TICK_MS, LATENCY_RATE changes a second. */
const TICK_MS = 100;
const LATENCY_RATE = 500;
const RESOLVED = ['settled', 'returned', 'failed'] as const;
const DRAIN_TIMEOUT_MS = 15 * 60_000;

interface SideRun {
  /** From the first arrival to the last. */
  deliveriesPerSecond: number;
  drainMs: number;
  /** From the backlog's commit to the first delivery's arrival (the wait for the next run or read, and what precedes the first send). */
  firstMs: number;
  cpuMicrosPerDelivery: number | undefined;
  /** The database server's CPU during the drain, per delivery (both sides use the same server). */
  dbCpuMicrosPerDelivery: number | undefined;
  /** The bench process's CPU during the drain (the receiver, mostly), per delivery. */
  receiverCpuMicrosPerDelivery: number;
  latencyMs: { p50: number; p99: number; max: number; count: number };
  /** Requests beyond one per event (at-least-once delivery may repeat one). */
  repeats: number;
}

/**
 * Case 6: webhook delivery. With the sender started and idle, a backlog of status changes is
 * committed at once (the syncer's own bulk apply, applyGatewayChanges, in one statement) and
 * drained to a local receiver: deliveries per second from the first arrival to the last (the
 * wait for the first, the next run's or read's, is shown apart), and each process's CPU from the
 * commit to the last arrival. Then changes are
 * written at a steady LATENCY_RATE and each one's time from its event (`at`, its transaction's
 * time) to its arrival is measured. Ours is the syncer as shipped (its webhook loop, with an
 * empty gateway); the floor (bench/processes/webhooks-floor.ts) reads, signs and POSTs the same
 * events at the same concurrency and records nothing.
 */
export async function runWebhooks(ctx: BenchContext): Promise<CaseResult> {
  const { db, settings } = ctx;
  const backlog = settings.webhookChanges;
  const paced = settings.webhookLatencyChanges;
  ctx.log(`case 6: webhooks, ${backlog.toLocaleString('en')} changes drained, then ${paced} at ${LATENCY_RATE}/s`);
  const receiver = await startWebhookReceiver();
  const gateway = await startGatewayMockProcess({ delaySeconds: 3600 });
  const config = loadSyncerConfig({ DATABASE_URL: db.url, GATEWAY_URL: gateway.url });
  try {
    const secret = newSigningSecret();
    await createWebhookEndpointsRepository(db.sql).create({
      clientId: ctx.clientId,
      url: receiver.url,
      eventTypes: [...WEBHOOK_EVENT_TYPES],
      enabled: true,
      description: 'bench receiver',
      secret,
    });
    const startOurs = () =>
      startSyncerProcess({
        databaseUrl: db.url,
        gatewayUrl: gateway.url,
        profile: settings.profile,
        // The webhook dispatcher as shipped: the syncer's `webhooks` process (make run-app, compose).
        env: { SYNCER_JOBS: 'webhooks', WEBHOOK_ALLOW_HTTP: 'true', WEBHOOK_ALLOWED_CIDRS: '127.0.0.0/8' },
      });
    const startFloor = async (): Promise<RunningServer> => {
      const child = spawnScript(benchBundle('webhooks-floor'), {
        label: 'webhooks-floor',
        profile: settings.profile,
        nodeFlags: WEBHOOKS_NODE_FLAGS, // the runtime settings ours runs with: a comparison of code
        env: {
          DATABASE_URL: db.url,
          RECEIVER_URL: receiver.url,
          WEBHOOK_SECRET: secret,
          FLOOR_CONCURRENCY: String(config.WEBHOOK_CONCURRENCY),
          FLOOR_BATCH: String(config.WEBHOOK_BATCH_SIZE),
          FLOOR_INTERVAL_MS: String(config.WEBHOOK_INTERVAL_MS),
        },
      });
      return { url: '', pid: child.pid, stop: () => stopChild(child) };
    };
    const runs: Record<'ours' | 'floor', SideRun[]> = { ours: [], floor: [] };
    for (let round = 0; round < settings.rounds; round++) {
      const order = round % 2 === 0 ? (['ours', 'floor'] as const) : (['floor', 'ours'] as const);
      for (const side of order) {
        const run = await measureSide(db.sql, ctx.clientId, receiver, side === 'ours' ? startOurs : startFloor, {
          backlog,
          paced,
        });
        runs[side].push(run);
        ctx.log(
          `  round ${round + 1} ${side}: ${Math.round(run.deliveriesPerSecond)} deliveries/s, change → delivery ` +
            `p50 ${Math.round(run.latencyMs.p50)} ms, p99 ${Math.round(run.latencyMs.p99)} ms, ${run.repeats} repeats; ` +
            `first after ${Math.round(run.firstMs)} ms; CPU per delivery: sender ${Math.round(run.cpuMicrosPerDelivery ?? 0)} µs, ` +
            `database ${Math.round(run.dbCpuMicrosPerDelivery ?? 0)} µs, receiver ${Math.round(run.receiverCpuMicrosPerDelivery)} µs`,
        );
      }
    }
    return {
      rows: tableRows(runs, backlog, config.WEBHOOK_INTERVAL_MS),
      details: { backlog, paced, latencyRate: LATENCY_RATE, runs },
    };
  } finally {
    await gateway.stop();
    await receiver.close();
  }
}

function tableRows(runs: Record<'ours' | 'floor', SideRun[]>, backlog: number, intervalMs: number) {
  const med = (side: 'ours' | 'floor', get: (run: SideRun) => number | undefined) =>
    median(runs[side].map(get).filter((v): v is number => v !== undefined));
  const rate = { ours: med('ours', (r) => r.deliveriesPerSecond), floor: med('floor', (r) => r.deliveriesPerSecond) };
  const p99 = { ours: med('ours', (r) => r.latencyMs.p99), floor: med('floor', (r) => r.latencyMs.p99) };
  const cpu = { ours: med('ours', (r) => r.cpuMicrosPerDelivery), floor: med('floor', (r) => r.cpuMicrosPerDelivery) };
  const p99Goal = 1000 + intervalMs;
  return [
    {
      case: `6 webhooks (${Math.round(backlog / 1000)}k changes)`,
      metric: 'deliveries/s (backlog)',
      unit: '/s',
      ours: rate.ours,
      floor: rate.floor,
      ratio: rate.ours / rate.floor,
      goal: `>= ${RATE_GOAL}x floor`,
      met: rate.ours / rate.floor >= RATE_GOAL,
    },
    {
      case: '',
      metric: 'first delivery after the commit',
      unit: 'ms',
      ours: med('ours', (r) => r.firstMs),
      floor: med('floor', (r) => r.firstMs),
    },
    {
      case: '',
      metric: `change → delivery p50 (${LATENCY_RATE}/s)`,
      unit: 'ms',
      ours: med('ours', (r) => r.latencyMs.p50),
      floor: med('floor', (r) => r.latencyMs.p50),
    },
    {
      case: '',
      metric: `change → delivery p99 (${LATENCY_RATE}/s)`,
      unit: 'ms',
      ours: p99.ours,
      floor: p99.floor,
      goal: `< ${p99Goal} ms (1 s + interval)`,
      met: p99.ours < p99Goal,
    },
    { case: '', metric: 'sender CPU per delivery', unit: 'µs', ours: cpu.ours, floor: cpu.floor, ratio: cpu.ours / cpu.floor },
    {
      case: '',
      metric: 'database CPU per delivery',
      unit: 'µs',
      ours: med('ours', (r) => r.dbCpuMicrosPerDelivery),
      floor: med('floor', (r) => r.dbCpuMicrosPerDelivery),
    },
  ];
}

/** How long a sender is given to start and go idle (its first read or run finding nothing). */
const SETTLE_MS = 2000;

/**
 * One side: fresh tables, the sender started and idle, the backlog committed at once, drained;
 * then the paced phase. The drain's clock and CPU start at the backlog's commit, so neither
 * side's process start-up counts: what is measured is a running sender meeting a burst.
 */
async function measureSide(
  sql: postgres.Sql,
  clientId: string,
  receiver: WebhookReceiver,
  start: () => Promise<RunningServer>,
  sizes: { backlog: number; paced: number },
): Promise<SideRun> {
  const confirmationIds = await freshPendingPayments(sql, clientId, sizes.backlog + sizes.paced);
  receiver.reset();
  const changes = createGatewayChangesRepository(sql);
  const apply = (ids: string[]) => changes.applyGatewayChanges(resolutions(ids, RESOLVED), new Date());
  const [backend] = await sql<{ pid: number }[]>`SELECT pg_backend_pid() AS pid`;
  const dbCpu = () => (backend ? postgresCpuMicros(backend.pid) : undefined);

  const sender = await start();
  try {
    await sleep(SETTLE_MS);
    // One statement, so one transaction: the whole backlog becomes visible at once.
    await apply(confirmationIds.slice(0, sizes.backlog));
    const committedAt = Date.now();
    const [senderCpuBefore, dbCpuBefore, benchCpuBefore] = [processCpuMicros(sender.pid), dbCpu(), process.cpuUsage()];
    const [mark] = await sql<{ id: string }[]>`SELECT coalesce(max(id), 0)::text AS id FROM payment_events`;
    await receiver.waitFor(sizes.backlog, DRAIN_TIMEOUT_MS);
    const arrivals = [...receiver.arrivals.values()];
    // The rate runs from the first arrival: before it, each side waits for its next run or read
    // (up to an interval, as shipped: a phase that is luck, not code), shown apart as firstMs.
    const firstMs = Math.min(...arrivals) - committedAt;
    const drainMs = Math.max(...arrivals) - committedAt - firstMs;
    const [senderCpuAfter, dbCpuAfter, benchCpu] = [processCpuMicros(sender.pid), dbCpu(), process.cpuUsage(benchCpuBefore)];
    const perDelivery = (before: number | undefined, after: number | undefined) =>
      before === undefined || after === undefined ? undefined : (after - before) / sizes.backlog;

    const perTick = Math.max(1, Math.round((LATENCY_RATE * TICK_MS) / 1000));
    const tickStart = Date.now();
    for (let at = sizes.backlog, tick = 1; at < sizes.backlog + sizes.paced; at += perTick, tick++) {
      await apply(confirmationIds.slice(at, Math.min(at + perTick, sizes.backlog + sizes.paced)));
      await sleep(tickStart + tick * TICK_MS - Date.now());
    }
    await receiver.waitFor(sizes.backlog + sizes.paced, DRAIN_TIMEOUT_MS);
    const latencies = await changeToDelivery(sql, receiver, mark?.id ?? '0');
    return {
      deliveriesPerSecond: (sizes.backlog - 1) / (drainMs / 1000),
      drainMs,
      firstMs,
      cpuMicrosPerDelivery: perDelivery(senderCpuBefore, senderCpuAfter),
      dbCpuMicrosPerDelivery: perDelivery(dbCpuBefore, dbCpuAfter),
      receiverCpuMicrosPerDelivery: (benchCpu.user + benchCpu.system) / sizes.backlog,
      latencyMs: {
        p50: median(latencies),
        p99: percentile(latencies, 99),
        max: Math.max(...latencies),
        count: latencies.length,
      },
      repeats: receiver.requests() - receiver.arrivals.size,
    };
  } finally {
    await sender.stop();
  }
}

/** For each event after `afterId`: its arrival at the receiver minus its `at`, in ms. */
async function changeToDelivery(sql: postgres.Sql, receiver: WebhookReceiver, afterId: string): Promise<number[]> {
  const events = await sql<{ id: string; at_ms: number }[]>`
    SELECT id::text, extract(epoch FROM at) * 1000 AS at_ms FROM payment_events WHERE id > ${afterId} AND seq IS NOT NULL`;
  return events.map((event) => {
    const arrived = receiver.arrivals.get(`evt_${event.id}`);
    if (arrived === undefined) throw new Error(`event ${event.id} never arrived`);
    return arrived - Number(event.at_ms);
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
