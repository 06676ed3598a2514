/** Environment configuration of the mock process, validated with zod. */
import { z } from 'zod';
import { MAX_CLOCK_OFFSET_MS } from './clock.js';
import { parseFaultsEnv, type ResolvedFaultConfig } from './faults.js';
import { TIMESTAMP_STYLES, type TimestampStyle } from './timestamps.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const envSchema = z.object({
  GATEWAY_PORT: z.coerce.number().int().min(0).max(65535).default(8001),
  GATEWAY_HOST: z.string().min(1).default('127.0.0.1'),
  PAYMENT_DELAY_SECONDS: z.coerce.number().min(0).default(10),
  GATEWAY_TIMESTAMP_STYLE: z.enum(TIMESTAMP_STYLES).default('naive'),
  GATEWAY_SEED_COUNT: z.coerce.number().int().min(0).max(10_000_000).default(0),
  // Milliseconds the gateway's clock is ahead of ours (negative: behind), to test clock skew.
  GATEWAY_CLOCK_OFFSET_MS: z.coerce.number().int().min(-MAX_CLOCK_OFFSET_MS).max(MAX_CLOCK_OFFSET_MS).default(0),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
});

export interface GatewayMockEnv {
  port: number;
  host: string;
  delaySeconds: number;
  timestampStyle: TimestampStyle;
  seedCount: number;
  clockOffsetMs: number;
  logLevel: (typeof LOG_LEVELS)[number];
  faults: ResolvedFaultConfig | undefined;
}

/** Reads the environment; throws an Error naming every bad variable. Blank values count as unset. */
export function loadEnv(env: NodeJS.ProcessEnv = process.env): GatewayMockEnv {
  const present = Object.fromEntries(
    Object.keys(envSchema.shape).flatMap((key) => {
      const value = env[key]?.trim();
      return value === undefined || value === '' ? [] : [[key, value]];
    }),
  );
  const parsed = envSchema.safeParse(present);
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((issue) => {
        const name = String(issue.path[0] ?? 'environment');
        return `${name}: ${issue.message} (got ${JSON.stringify(env[name] ?? null)})`;
      });
  let faults: ResolvedFaultConfig | undefined;
  try {
    faults = parseFaultsEnv(env.GATEWAY_FAULTS);
  } catch (error) {
    problems.push((error as Error).message);
  }
  if (!parsed.success || problems.length > 0) {
    throw new Error(`Invalid gateway-mock environment:\n  ${problems.join('\n  ')}`);
  }
  const e = parsed.data;
  return {
    port: e.GATEWAY_PORT,
    host: e.GATEWAY_HOST,
    delaySeconds: e.PAYMENT_DELAY_SECONDS,
    timestampStyle: e.GATEWAY_TIMESTAMP_STYLE,
    seedCount: e.GATEWAY_SEED_COUNT,
    clockOffsetMs: e.GATEWAY_CLOCK_OFFSET_MS,
    logLevel: e.LOG_LEVEL,
    faults,
  };
}
