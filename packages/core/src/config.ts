import { z } from 'zod';

/**
 * Parses environment variables with a zod object schema. On failure it throws a
 * ConfigError whose message names every bad variable, so `main.ts` can print it and exit.
 */
export function parseEnv<S extends z.ZodObject>(schema: S, env: NodeJS.ProcessEnv = process.env): z.output<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => `  ${issue.path.join('.') || '(env)'}: ${issue.message}`);
  throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Runs `fn`; a ConfigError ends the process with its message instead of a stack trace. */
export function loadConfigOrExit<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

/** Shared variable shapes. Empty strings count as unset so `FOO= make run-app` means "default". */
const emptyAsUndefined = (value: unknown) => (value === '' ? undefined : value);

export const envInt = (fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  z.preprocess(emptyAsUndefined, z.coerce.number().int().min(min).max(max).default(fallback));

/** `true` or `false` (anything else is refused), as a boolean. */
export const envFlag = (fallback: boolean) =>
  z.preprocess(emptyAsUndefined, z.enum(['true', 'false']).default(fallback ? 'true' : 'false')).transform((v) => v === 'true');

export const envUrl = () => z.preprocess(emptyAsUndefined, z.url().optional());

/** A URL the process cannot run without (`make run-app` fills these in when they are unset). */
export const requiredUrl = () =>
  z.preprocess(emptyAsUndefined, z.url({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a URL') }));

export const logLevel = z.preprocess(
  emptyAsUndefined,
  z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
);
