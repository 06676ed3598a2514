import type { BenchContext } from './context.js';
import { type LoadOptions, type LoadResult, runLoad } from './load.js';
import type { RunningServer } from './servers.js';
import { median } from './stats.js';

export interface SideBySide {
  ours: LoadResult[];
  floor: LoadResult[];
  summary: {
    ours: { rps: number; p50Ms: number; p99Ms: number };
    floor: { rps: number; p50Ms: number; p99Ms: number };
    ratio: number;
  };
}

function summarise(runs: LoadResult[]) {
  return {
    rps: median(runs.map((r) => r.rps)),
    p50Ms: median(runs.map((r) => r.p50Ms)),
    p99Ms: median(runs.map((r) => r.p99Ms)),
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
  const run = (server: RunningServer, durationS: number) =>
    runLoad({ ...load, url: server.url, connections: settings.connections, durationS });
  await run(servers.ours, settings.warmupS);
  await run(servers.floor, settings.warmupS);
  const ours: LoadResult[] = [];
  const floor: LoadResult[] = [];
  for (let round = 0; round < settings.rounds; round++) {
    const order = round % 2 === 0 ? (['ours', 'floor'] as const) : (['floor', 'ours'] as const);
    for (const side of order) {
      const result = await run(servers[side], settings.durationS);
      (side === 'ours' ? ours : floor).push(result);
      ctx.log(`  ${label} round ${round + 1} ${side}: ${Math.round(result.rps)} req/s, p99 ${result.p99Ms} ms`);
    }
  }
  const summary = { ours: summarise(ours), floor: summarise(floor), ratio: 0 };
  summary.ratio = summary.ours.rps / summary.floor.rps;
  return { ours, floor, summary };
}
