/**
 * What one `make bench` run measures, read from the environment. The full run stays under
 * ~15 minutes on 2 cores; BENCH_QUICK=1 is a smoke run of every case in a minute or two.
 */
export interface BenchSettings {
  quick: boolean;
  /** Rounds per case; each figure is the median over them. */
  rounds: number;
  /** Seconds of load per autocannon run, and of warm-up before the first. */
  durationS: number;
  warmupS: number;
  connections: number;
  /** Payments in our database while GET /payments/{id} is measured. */
  getPayments: number;
  /** The bench client's payments while GET /payments with filters is measured (the table holds 1.25x). */
  listPayments: number;
  /** Gateway list sizes for the reconcile curve; a tenth of each is tracked here and changes. */
  reconcileSizes: number[];
  trackedShare: number;
  /** Freshness: payments followed from submission to the API showing their resolution. */
  freshnessSamples: number;
  freshnessIntervalMs: number;
  /** Payments already at the gateway (and known here as resolved) while freshness is measured. */
  freshnessSizes: number[];
  /** Raw postgres.js SELECTs per run for the stock-vs-patched queue comparison. */
  queueQueries: number;
  /** Webhooks: status changes drained as a backlog, then changes written at a steady rate for latency. */
  webhookChanges: number;
  webhookLatencyChanges: number;
  /** Which cases to run (BENCH_CASES=get,metrics,post,list,reconcile,freshness,pgqueue,webhooks). */
  cases: Set<CaseName>;
  /** BENCH_PROFILE=1: run our processes under --cpu-prof (profiles under bench/results/profiles). */
  profile: boolean;
  databaseUrl: string | undefined;
}

export const CASE_NAMES = ['get', 'metrics', 'post', 'list', 'reconcile', 'freshness', 'pgqueue', 'webhooks'] as const;
export type CaseName = (typeof CASE_NAMES)[number];

function flag(value: string | undefined): boolean {
  return value === '1' || value === 'true';
}

function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got ${JSON.stringify(raw)}`);
  return value;
}

function sizes(name: string, fallback: number[]): number[] {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const values = raw.split(',').map((part) => Number(part.trim()));
  if (values.some((value) => !Number.isInteger(value) || value <= 0)) {
    throw new Error(`${name} must be a comma-separated list of positive integers, got ${JSON.stringify(raw)}`);
  }
  return values;
}

export function loadSettings(env: NodeJS.ProcessEnv = process.env): BenchSettings {
  const quick = flag(env.BENCH_QUICK);
  const requested = (env.BENCH_CASES ?? CASE_NAMES.join(','))
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  const unknown = requested.filter((name) => !(CASE_NAMES as readonly string[]).includes(name));
  if (unknown.length > 0) throw new Error(`BENCH_CASES: unknown case(s) ${unknown.join(', ')}; known: ${CASE_NAMES.join(', ')}`);
  return {
    quick,
    rounds: positiveInt('BENCH_ROUNDS', quick ? 1 : 3),
    durationS: positiveInt('BENCH_DURATION_S', quick ? 3 : 10),
    warmupS: quick ? 1 : 3,
    connections: 50,
    getPayments: quick ? 20_000 : 100_000,
    listPayments: positiveInt('BENCH_LIST_PAYMENTS', quick ? 100_000 : 1_000_000),
    reconcileSizes: sizes('BENCH_RECONCILE_SIZES', quick ? [20_000, 60_000, 200_000] : [100_000, 300_000, 1_000_000]),
    trackedShare: 0.1,
    freshnessSamples: positiveInt('BENCH_FRESHNESS_SAMPLES', quick ? 4 : 20),
    // The syncer's default SYNC_INTERVAL_MS: freshness is measured as shipped.
    freshnessIntervalMs: 5000,
    freshnessSizes: sizes('BENCH_FRESHNESS_SIZES', quick ? [20_000] : [100_000, 1_000_000]),
    queueQueries: quick ? 60_000 : 300_000,
    webhookChanges: positiveInt('BENCH_WEBHOOK_CHANGES', quick ? 20_000 : 100_000),
    webhookLatencyChanges: quick ? 2500 : 10_000,
    cases: new Set(requested as CaseName[]),
    profile: flag(env.BENCH_PROFILE),
    databaseUrl: env.BENCH_DATABASE_URL || undefined,
  };
}
