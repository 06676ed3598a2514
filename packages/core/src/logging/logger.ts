import os from 'node:os';
import { type Logger, type LoggerOptions, pino } from 'pino';
import { stdoutLines } from './line-batcher.js';
import { scrubbedError, scrubLogValue } from './redaction.js';

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
 * is logged, in child loggers' bindings and in serialized errors. This walk replaces pino's
 * `redact` option: that clones every object a wildcard path could reach, garbage on every request
 * log line and every request's child logger at thousands of requests a second (bench/README.md).
 */
export function createLogger({ name, level = 'info', destination }: CreateLoggerOptions): Logger {
  // pino's default base plus the name, given explicitly so requestLineWriter can write the same.
  const bindings = { pid: process.pid, hostname: os.hostname(), name };
  const options: LoggerOptions = {
    base: bindings,
    level,
    serializers: { err: scrubbedError },
    formatters: {
      bindings: (fields) => scrubLogValue(fields) as pino.Bindings,
      log: (object) => scrubLogValue(object) as Record<string, unknown>,
    },
  };
  const target = destination ?? stdoutLines();
  const logger = pino(options, target);
  outputs.set(logger, { destination: target, bindings });
  // pino applies `formatters.bindings` to the root's bindings only: child() resets it to an
  // identity for the child unless that call passes its own `formatters`. Its public options
  // reach a child's bindings only through `serializers`, one top-level key at a time (a secret
  // nested in an object binding would pass), or `hooks.streamWrite`, a parse of every line.
  // So a child's (and a grandchild's: each inherits this method) are scrubbed here, once, when
  // it is created.
  const child = logger.child;
  logger.child = function scrubbedChild(this: Logger, childBindings, childOptions) {
    return child.call(this, scrubLogValue(childBindings) as pino.Bindings, childOptions);
  } as Logger['child'];
  return logger;
}
