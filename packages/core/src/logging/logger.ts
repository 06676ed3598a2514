import os from 'node:os';
import { type Logger, type LoggerOptions, pino } from 'pino';
import { stdoutLines } from './line-batcher.js';
import { scrubbedError, scrubbingSerializers, scrubLogValue } from './redaction.js';

export type { Logger };

export interface CreateLoggerOptions {
  name: string;
  level?: string;
  /** A destination stream; tests pass one to capture every line. */
  destination?: pino.DestinationStream;
}

/** Where a logger made by createLogger writes, and the fields pino writes on each of its lines. */
export interface LoggerOutput {
  destination: pino.DestinationStream;
  /** The logger's `base` (pino's own default pid and hostname, and the name), in pino's order. */
  bindings: { pid: number; hostname: string; name: string };
}

const outputs = new WeakMap<Logger, LoggerOutput>();

/** What createLogger made `logger` with; undefined for any other logger (a child included). */
export function loggerOutput(logger: Logger): LoggerOutput | undefined {
  return outputs.get(logger);
}

/**
 * createLogger({ name }) → a JSON pino logger that redacts secrets and masks accounts, in what
 * is logged, in child loggers' bindings (scrubbingSerializers) and in serialized errors. This walk replaces pino's
 * `redact` option: that clones every object a wildcard path could reach, garbage on every request
 * log line and every request's child logger at thousands of requests a second (bench/README.md).
 */
export function createLogger({ name, level = 'info', destination }: CreateLoggerOptions): Logger {
  // pino's default base plus the name, given explicitly so requestLineWriter can write the same.
  const bindings = { pid: process.pid, hostname: os.hostname(), name };
  const options: LoggerOptions = {
    base: bindings,
    level,
    serializers: { ...scrubbingSerializers, err: scrubbedError },
    formatters: {
      bindings: (fields) => scrubLogValue(fields) as pino.Bindings,
      log: (object) => scrubLogValue(object) as Record<string, unknown>,
    },
  };
  const target = destination ?? stdoutLines();
  const logger = pino(options, target);
  outputs.set(logger, { destination: target, bindings });
  return logger;
}
