import type { BenchContext, TableRow } from './context.js';
import { processCpuMicros } from './cpu-time.js';
import { type LoadOptions, type LoadResult, runLoad } from './load.js';
import type { RunningServer } from './servers.js';
import { median } from './stats.js';

export interface SideBySide {
  ours: MeasuredRun[];
  floor: MeasuredRun[];
  summary: {
    ours: SideSummary;
    floor: SideSummary;
    ratio: number;
  };
}

export interface SideSummary {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** The server process's CPU time per answered request, µs (Linux only). */
  cpuMicrosPerRequest: number | undefined;
}

type MeasuredRun = LoadResult & { cpuMicrosPerRequest?: number };

function summarise(runs: MeasuredRun[]): SideSummary {
  const cpu = runs.map((r) => r.cpuMicrosPerRequest).filter((v): v is number => v !== undefined);
  return {
    rps: median(runs.map((r) => r.rps)),
    p50Ms: median(runs.map((r) => r.p50Ms)),
    p99Ms: median(runs.map((r) => r.p99Ms)),
    cpuMicrosPerRequest: cpu.length > 0 ? median(cpu) : undefined,
  };
}

/**
 * The same load against our server and the floor, in alternating order round by round (so a
 * drift of the machine does not favour either), after one warm-up run each.
 */
export async function loadSideBySide(
  ctx: BenchContext,
  servers: { ours: RunningServer; floor: RunningServer },
  load: Omit<LoadOptions, 'url' | 'connections' | 'durationS'>,
  label: string,
): Promise<SideBySide> {
  const { settings } = ctx;
  const run = async (server: RunningServer, durationS: number): Promise<MeasuredRun> => {
    const cpuBefore = processCpuMicros(server.pid);
    const result = await runLoad({ ...load, url: server.url, connections: settings.connections, durationS });
    const cpuAfter = processCpuMicros(server.pid);
    if (cpuBefore === undefined || cpuAfter === undefined || result.requests === 0) return result;
    return { ...result, cpuMicrosPerRequest: (cpuAfter - cpuBefore) / (result.requests + result.non2xx) };
  };
  await run(servers.ours, settings.warmupS);
  await run(servers.floor, settings.warmupS);
  const ours: MeasuredRun[] = [];
  const floor: MeasuredRun[] = [];
  for (let round = 0; round < settings.rounds; round++) {
    const order = round % 2 === 0 ? (['ours', 'floor'] as const) : (['floor', 'ours'] as const);
    for (const side of order) {
      const result = await run(servers[side], settings.durationS);
      (side === 'ours' ? ours : floor).push(result);
      const cpu = result.cpuMicrosPerRequest === undefined ? '' : `, ${result.cpuMicrosPerRequest.toFixed(0)} µs CPU/request`;
      ctx.log(`  ${label} round ${round + 1} ${side}: ${Math.round(result.rps)} req/s, p99 ${result.p99Ms} ms${cpu}`);
    }
  }
  const summary = { ours: summarise(ours), floor: summarise(floor), ratio: 0 };
  summary.ratio = summary.ours.rps / summary.floor.rps;
  return { ours, floor, summary };
}

/**
 * A load case's rows: throughput against its goal (a minimum ratio to the floor), p50 and p99
 * latency, and the servers' own CPU per answered request (lower is better).
 */
export function loadRows(label: string, summary: SideBySide['summary'], goal: number): TableRow[] {
  const { ours, floor } = summary;
  return [
    {
      case: label,
      metric: 'throughput',
      unit: 'req/s',
      ours: ours.rps,
      floor: floor.rps,
      ratio: summary.ratio,
      goal: `>= ${goal}x floor`,
      met: summary.ratio >= goal,
    },
    { case: '', metric: 'p50 latency', unit: 'ms', ours: ours.p50Ms, floor: floor.p50Ms },
    { case: '', metric: 'p99 latency', unit: 'ms', ours: ours.p99Ms, floor: floor.p99Ms },
    {
      case: '',
      metric: 'server CPU per request',
      unit: 'µs',
      ours: ours.cpuMicrosPerRequest ?? Number.NaN,
      floor: floor.cpuMicrosPerRequest ?? Number.NaN,
      ...(ours.cpuMicrosPerRequest && floor.cpuMicrosPerRequest
        ? { ratio: ours.cpuMicrosPerRequest / floor.cpuMicrosPerRequest }
        : {}),
    },
  ];
}
