import { SYNCER_NODE_FLAGS } from '@pt/syncer';
import type postgres from 'postgres';
import { benchBundle, runForResult } from '../lib/children.js';
import type { BenchContext, CaseResult, TableRow } from '../lib/context.js';
import { deletingPayments, truncatePayments } from '../lib/infra.js';
import { type RunningServer, startGatewayMockProcess } from '../lib/servers.js';
import { median } from '../lib/stats.js';

/** Issue 15's goals, at the largest N: time against the floor (today's code before it), CPU against the limit. */
const TIME_GOAL = 0.6;
const CPU_GOAL = 2.5;
const RSS_GOAL_BYTES = 150 * 1024 * 1024;
const RESOLVED = ['settled', 'returned', 'failed'] as const;
const CHUNKS = 10;
/**
 * Both sides run bundled on plain node with the syncer's V8 flags (as the Docker image runs
 * the syncer), so the floor is the least code under the same runtime. BENCH_NODE_FLAGS adds
 * flags after them (the last one given wins): "--max-semi-space-size=16" shows V8's default.
 */
const NODE_FLAGS = [...SYNCER_NODE_FLAGS, ...(process.env.BENCH_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean)];

interface RunResult {
  wallMs: number;
  /** The process's own CPU (user + system) over the same span as wallMs. */
  cpuMs: number;
  peakRssBytes: number;
  baseRssBytes: number;
  entries: number;
  changed: number;
}

export interface ReconcilePoint {
  payments: number;
  tracked: number;
  ours: Summary;
  floor: Summary;
  /** Receive and split-parse only, no SQL: how near the cycle is to the parse limit. */
  limit: Summary;
}

interface Summary {
  wallMs: number;
  cpuMs: number;
  peakRssBytes: number;
  /** RSS once the process has loaded its code, before the cycle: runtime and modules. */
  baseRssBytes: number;
  rounds: RunResult[];
}

function summarise(rounds: RunResult[]): Summary {
  return {
    wallMs: median(rounds.map((r) => r.wallMs)),
    cpuMs: median(rounds.map((r) => r.cpuMs)),
    peakRssBytes: median(rounds.map((r) => r.peakRssBytes)),
    baseRssBytes: median(rounds.map((r) => r.baseRssBytes)),
    rounds,
  };
}

interface Seeded {
  tracked: string[];
  known: { ids: string[]; statuses: string[] };
}

/**
 * Case 3: one reconciliation with N payments at the gateway, a tenth of them tracked here as
 * `pending` and all of those resolved there; the other nine tenths are known here as resolved
 * (as they would be: we submitted them). Ours is the syncer's reconcile() in a child process;
 * the floor is a bare stream-parse + bulk UPDATE in a child process, as the syncer's code was
 * before it split the stream; the limit only receives and split-parses. Repeated for each N.
 */
export async function runReconcile(ctx: BenchContext): Promise<CaseResult & { points: ReconcilePoint[] }> {
  const points: ReconcilePoint[] = [];
  for (const payments of ctx.settings.reconcileSizes) points.push(await measurePoint(ctx, payments));

  const rows: TableRow[] = [];
  for (const point of points) {
    const timeRatio = point.ours.wallMs / point.floor.wallMs;
    const label = `3 reconcile ${formatCount(point.payments)} (${formatCount(point.tracked)} change)`;
    const isGoalSize = point.payments === Math.max(...ctx.settings.reconcileSizes);
    const cpuRatio = point.ours.cpuMs / point.limit.cpuMs;
    rows.push(
      {
        case: label,
        metric: 'wall time',
        unit: 's',
        ours: point.ours.wallMs / 1000,
        floor: point.floor.wallMs / 1000,
        ratio: timeRatio,
        ...(isGoalSize ? { goal: `<= ${TIME_GOAL}x floor`, met: timeRatio <= TIME_GOAL } : {}),
      },
      {
        case: '',
        metric: 'limit: receive + split-parse, no SQL (wall)',
        unit: 's',
        ours: point.limit.wallMs / 1000,
      },
      {
        case: '',
        metric: 'cycle / limit (wall)',
        unit: 'x',
        ours: point.ours.wallMs / point.limit.wallMs,
        floor: point.floor.wallMs / point.limit.wallMs,
      },
      {
        case: '',
        metric: 'gateway rows/s',
        unit: 'rows/s',
        ours: point.payments / (point.ours.wallMs / 1000),
        floor: point.payments / (point.floor.wallMs / 1000),
        ratio: point.floor.wallMs / point.ours.wallMs,
      },
      {
        case: '',
        metric: 'CPU of the process',
        unit: 's',
        ours: point.ours.cpuMs / 1000,
        floor: point.floor.cpuMs / 1000,
        ratio: point.ours.cpuMs / point.floor.cpuMs,
      },
      {
        case: '',
        metric: `CPU / limit's CPU (${(point.limit.cpuMs / 1000).toFixed(2)} s)`,
        unit: 'x',
        ours: cpuRatio,
        floor: point.floor.cpuMs / point.limit.cpuMs,
        ...(isGoalSize ? { goal: `<= x${CPU_GOAL}`, met: cpuRatio <= CPU_GOAL } : {}),
      },
      {
        case: '',
        metric: 'peak RSS',
        unit: 'MB',
        ours: point.ours.peakRssBytes / 2 ** 20,
        floor: point.floor.peakRssBytes / 2 ** 20,
        ratio: point.ours.peakRssBytes / point.floor.peakRssBytes,
        goal: '< 150 MB',
        met: point.ours.peakRssBytes < RSS_GOAL_BYTES,
      },
    );
    if (isGoalSize) {
      rows.push({
        case: '',
        metric: 'RSS before the cycle (node + code)',
        unit: 'MB',
        ours: point.ours.baseRssBytes / 2 ** 20,
        floor: point.floor.baseRssBytes / 2 ** 20,
      });
    }
  }
  rows.push(growthRow(points));
  return { rows, details: { points }, points };
}

async function measurePoint(ctx: BenchContext, payments: number): Promise<ReconcilePoint> {
  const { db, settings } = ctx;
  const trackedCount = Math.round(payments * settings.trackedShare);
  ctx.log(`case 3: reconcile with ${formatCount(payments)} payments at the gateway, ${formatCount(trackedCount)} tracked`);
  const gateway = await startGatewayMockProcess({ delaySeconds: 86_400 });
  try {
    const seeded = await seedGateway(gateway, payments, trackedCount);
    await truncatePayments(db.sql);
    await insertKnown(db.sql, ctx.clientId, seeded.known);
    const env = { DATABASE_URL: db.url, GATEWAY_URL: gateway.url };
    const results: Record<Side, RunResult[]> = { ours: [], floor: [], limit: [] };
    for (let round = 0; round < settings.rounds; round++) {
      const order: Side[] = round % 2 === 0 ? ['ours', 'floor', 'limit'] : ['limit', 'floor', 'ours'];
      for (const side of order) {
        if (side !== 'limit') await resetTracked(db.sql, ctx.clientId, seeded.tracked);
        const result = await runForResult<RunResult>(benchBundle(`reconcile-${side}`), {
          label: `reconcile-${side}`,
          env,
          profile: settings.profile,
          nodeFlags: NODE_FLAGS,
        });
        if (side === 'limit') checkAllRead(result, payments);
        else await checkAllChanged(db.sql, result, trackedCount, side);
        results[side].push(result);
        ctx.log(
          `  ${formatCount(payments)} round ${round + 1} ${side}: ${(result.wallMs / 1000).toFixed(2)} s, ` +
            `CPU ${(result.cpuMs / 1000).toFixed(2)} s, peak RSS ${Math.round(result.peakRssBytes / 2 ** 20)} MB`,
        );
      }
    }
    return {
      payments,
      tracked: trackedCount,
      ours: summarise(results.ours),
      floor: summarise(results.floor),
      limit: summarise(results.limit),
    };
  } finally {
    await gateway.stop();
  }
}

/**
 * Seeds the gateway-mock through POST /__mock/seed in CHUNKS rounds, so tracked entries are
 * spread along the list as they would be: each round adds untracked then tracked payments.
 */
export async function seedGateway(gateway: RunningServer, payments: number, trackedCount: number): Promise<Seeded> {
  const createdAt = new Date(Date.now() - 3_600_000).toISOString();
  const seeded: Seeded = { tracked: [], known: { ids: [], statuses: [] } };
  const seed = async (count: number, status: string): Promise<string[]> => {
    if (count === 0) return [];
    const response = await fetch(`${gateway.url}/__mock/seed`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ count, status, created_at: createdAt, return_ids: true }),
    });
    if (!response.ok) throw new Error(`seeding the gateway-mock answered ${response.status}: ${await response.text()}`);
    return (await response.json()) as string[];
  };
  for (let chunk = 0; chunk < CHUNKS; chunk++) {
    const share = (total: number) => Math.floor(total / CHUNKS) + (chunk < total % CHUNKS ? 1 : 0);
    const status = RESOLVED[chunk % RESOLVED.length] as string;
    const known = await seed(share(payments - trackedCount), status);
    for (const id of known) {
      seeded.known.ids.push(id);
      seeded.known.statuses.push(status);
    }
    for (const id of await seed(share(trackedCount), status)) seeded.tracked.push(id);
  }
  return seeded;
}

const PAYMENT_COLUMNS = `id, client_id, status, amount, sender_account, receiver_account, memo, confirmation_id, attempts,
  gateway_created_at, gateway_updated_at, submitted_at, resolved_at, created_at, updated_at`;

/** The payments we know as resolved already (most of the gateway's history). */
export async function insertKnown(sql: postgres.Sql, clientId: string, known: Seeded['known']): Promise<void> {
  for (let start = 0; start < known.ids.length; start += 50_000) {
    const ids = known.ids.slice(start, start + 50_000);
    const statuses = known.statuses.slice(start, start + 50_000);
    await sql.unsafe(
      `INSERT INTO payments (${PAYMENT_COLUMNS})
       SELECT gen_random_uuid(), $1, k.status, 100.50, '123456789012', '987654321098', NULL, k.cid, 1,
              now() - interval '1 hour', now() - interval '1 hour', now() - interval '1 hour', now(), now() - interval '1 hour', now()
       FROM unnest($2::text[], $3::text[]) AS k(cid, status)`,
      [clientId, ids, statuses],
    );
  }
}

/** Puts the tracked payments back to `pending` (fresh rows, no events), as before any round. */
async function resetTracked(sql: postgres.Sql, clientId: string, tracked: string[]): Promise<void> {
  await deletingPayments(sql, async (tx) => {
    await tx`DELETE FROM payment_events`;
    await tx`DELETE FROM payments WHERE memo = 'tracked'`;
    await tx`DELETE FROM sync_state`;
  });
  for (let start = 0; start < tracked.length; start += 50_000) {
    await sql.unsafe(
      `INSERT INTO payments (${PAYMENT_COLUMNS})
       SELECT gen_random_uuid(), $1, 'pending', 100.50, '123456789012', '987654321098', 'tracked', cid, 1,
              now() - interval '1 hour', now() - interval '1 hour', now() - interval '1 hour', NULL, now() - interval '1 hour', now()
       FROM unnest($2::text[]) AS cid`,
      [clientId, tracked.slice(start, start + 50_000)],
    );
  }
  await sql`VACUUM ANALYZE payments, payment_events`;
}

type Side = 'ours' | 'floor' | 'limit';

function checkAllRead(result: RunResult, payments: number): void {
  if (result.entries !== payments) throw new Error(`the limit read ${result.entries} of ${payments} entries`);
}

async function checkAllChanged(sql: postgres.Sql, result: RunResult, trackedCount: number, side: string): Promise<void> {
  const [row] = await sql<{ pending: number; events: number }[]>`
    SELECT (SELECT count(*)::int FROM payments WHERE memo = 'tracked' AND status = 'pending') AS pending,
           (SELECT count(*)::int FROM payment_events) AS events`;
  if (result.changed !== trackedCount || row?.pending !== 0 || row.events !== trackedCount) {
    throw new Error(
      `reconcile (${side}) changed ${result.changed} of ${trackedCount} tracked payments ` +
        `(${row?.pending} still pending, ${row?.events} events)`,
    );
  }
}

/**
 * Growth from the smallest to the largest N, time and memory, against N's own growth. Linear
 * within 10%: a 100k cycle takes about a second, and this machine's noise moves it that much
 * (the floor itself has measured x8.9 to x10.2 for x10 N).
 */
function growthRow(points: ReconcilePoint[]): TableRow {
  const first = points[0];
  const last = points.at(-1);
  if (!first || !last || first === last) return { case: '', metric: 'growth', unit: '', ours: Number.NaN };
  const sizeGrowth = last.payments / first.payments;
  const timeGrowth = last.ours.wallMs / first.ours.wallMs;
  return {
    case: '',
    metric: `time growth ${formatCount(first.payments)}→${formatCount(last.payments)} (N x${sizeGrowth.toFixed(0)})`,
    unit: 'x',
    ours: timeGrowth,
    floor: last.floor.wallMs / first.floor.wallMs,
    goal: `<= x${(sizeGrowth * 1.1).toFixed(0)} (linear ±10%)`,
    met: timeGrowth <= sizeGrowth * 1.1 && last.ours.peakRssBytes / first.ours.peakRssBytes <= sizeGrowth * 1.1,
  };
}

export function formatCount(n: number): string {
  return n >= 1_000_000 && n % 1_000_000 === 0 ? `${n / 1_000_000}M` : n >= 1000 ? `${Math.round(n / 1000)}k` : String(n);
}
