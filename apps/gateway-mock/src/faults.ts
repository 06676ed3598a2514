/**
 * Fault injection: the config schema (zod), the GATEWAY_FAULTS parser and
 * the decision logic ("does a fault fire for this request, and which?").
 *
 * Rules are evaluated in order and the first rule that fires wins.
 * `probability` draws from a seeded PRNG (mulberry32) when `seed` is set,
 * so tests are deterministic; `count` limits a rule to its next N firings.
 */
import { z } from 'zod';

export const SUBMIT_FAULT_KINDS = [
  'latency',
  'error',
  'rate_limit',
  'hang',
  'reset',
  'malformed',
  'accept_then_error',
  'accept_then_reset',
  'accept_then_hang',
] as const;

export const STATUS_FAULT_KINDS = ['latency', 'error', 'rate_limit', 'hang', 'reset', 'truncated', 'malformed'] as const;

export const ERROR_STATUS_CODES = [500, 502, 503, 504] as const;

export type SubmitFaultKind = (typeof SUBMIT_FAULT_KINDS)[number];
export type StatusFaultKind = (typeof STATUS_FAULT_KINDS)[number];
export type FaultEndpoint = 'submit' | 'status';

function ruleSchema<const K extends readonly [string, ...string[]]>(kinds: K) {
  return z
    .strictObject({
      kind: z.enum(kinds),
      /** Chance (0..1) that the rule fires on a request; default 1. */
      probability: z.number().min(0).max(1).optional(),
      /** Fire on the next N requests only (counted when fired); unlimited if absent. */
      count: z.number().int().min(0).optional(),
      /** Delay before answering; required for `latency`, a pre-delay for the other kinds. */
      latency_ms: z.number().min(0).max(3_600_000).optional(),
      /** `Retry-After` value for `rate_limit`; default 1. */
      retry_after_s: z.number().min(0).optional(),
      /** HTTP status for `error` / `accept_then_error`; 500, 502, 503 or 504 (default 500). */
      status_code: z.literal(ERROR_STATUS_CODES).optional(),
    })
    .superRefine((rule, ctx) => {
      if (rule.kind === 'latency' && rule.latency_ms === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['latency_ms'],
          message: 'latency_ms is required for kind "latency"',
        });
      }
    });
}

export const submitFaultRuleSchema = ruleSchema(SUBMIT_FAULT_KINDS);
export const statusFaultRuleSchema = ruleSchema(STATUS_FAULT_KINDS);

export const faultConfigSchema = z.strictObject({
  submit: z.array(submitFaultRuleSchema).default([]),
  status: z.array(statusFaultRuleSchema).default([]),
  /** Seed for the probability draws; unseeded draws use Math.random. */
  seed: z.number().int().optional(),
});

/** Fault config as written by a user (submit/status may be omitted). */
export type FaultConfig = z.input<typeof faultConfigSchema>;
/** Fault config after validation and defaults. */
export type ResolvedFaultConfig = z.output<typeof faultConfigSchema>;
export type SubmitFaultRule = z.output<typeof submitFaultRuleSchema>;
export type StatusFaultRule = z.output<typeof statusFaultRuleSchema>;

/** Validation error text for a fault config (zod's readable format). */
export function describeFaultConfigError(error: z.ZodError): string {
  return z.prettifyError(error);
}

/**
 * Parses the GATEWAY_FAULTS environment value (JSON of the fault config).
 * Returns undefined when unset or blank; throws an Error naming the
 * variable when the JSON or its shape is wrong.
 */
export function parseFaultsEnv(raw: string | undefined): ResolvedFaultConfig | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (error) {
    throw new Error(`GATEWAY_FAULTS is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = faultConfigSchema.safeParse(json);
  if (!parsed.success) {
    throw new Error(`GATEWAY_FAULTS is not a valid fault config:\n${describeFaultConfigError(parsed.error)}`);
  }
  return parsed.data;
}

/** mulberry32: a tiny, fast, seedable PRNG returning floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface ActiveRule<R> {
  readonly rule: R;
  remaining: number | undefined;
}

export type FaultCounts = Record<FaultEndpoint, Record<string, number>>;

/** Holds the current fault config and decides, per request, which fault fires. */
export class FaultController {
  #submit: ActiveRule<SubmitFaultRule>[] = [];
  #status: ActiveRule<StatusFaultRule>[] = [];
  #seed: number | undefined;
  #random: () => number = Math.random;
  #injected: FaultCounts = { submit: {}, status: {} };

  constructor(config?: FaultConfig) {
    if (config !== undefined) this.set(config);
  }

  /** Validates and installs a config (throws a ZodError when invalid); resets counts and the PRNG. */
  set(config: FaultConfig): ResolvedFaultConfig {
    const parsed = faultConfigSchema.parse(config);
    this.#submit = parsed.submit.map((rule) => ({ rule, remaining: rule.count }));
    this.#status = parsed.status.map((rule) => ({ rule, remaining: rule.count }));
    this.#seed = parsed.seed;
    this.#random = parsed.seed === undefined ? Math.random : mulberry32(parsed.seed);
    return this.current();
  }

  clear(): void {
    this.set({});
  }

  /** The active config; `count` shows what is left of each counted rule. */
  current(): ResolvedFaultConfig {
    const view = <R extends { count?: number | undefined }>(rules: ActiveRule<R>[]): R[] =>
      rules.map(({ rule, remaining }) => (remaining === undefined ? { ...rule } : { ...rule, count: remaining }));
    const config: ResolvedFaultConfig = { submit: view(this.#submit), status: view(this.#status) };
    if (this.#seed !== undefined) config.seed = this.#seed;
    return config;
  }

  /** How many faults fired, by endpoint and kind. */
  injected(): FaultCounts {
    return { submit: { ...this.#injected.submit }, status: { ...this.#injected.status } };
  }

  resetCounts(): void {
    this.#injected = { submit: {}, status: {} };
  }

  decideSubmit(): SubmitFaultRule | undefined {
    return this.#decide('submit', this.#submit);
  }

  decideStatus(): StatusFaultRule | undefined {
    return this.#decide('status', this.#status);
  }

  #decide<R extends { kind: string; probability?: number | undefined }>(
    endpoint: FaultEndpoint,
    rules: ActiveRule<R>[],
  ): R | undefined {
    for (const active of rules) {
      if (active.remaining !== undefined && active.remaining <= 0) continue;
      const { probability } = active.rule;
      // Draw only for rules with a probability, so adding a count-only rule
      // does not shift the seeded sequence of the others.
      if (probability !== undefined && !(this.#random() < probability)) continue;
      if (active.remaining !== undefined) active.remaining -= 1;
      const counts = this.#injected[endpoint];
      counts[active.rule.kind] = (counts[active.rule.kind] ?? 0) + 1;
      return active.rule;
    }
    return undefined;
  }
}
