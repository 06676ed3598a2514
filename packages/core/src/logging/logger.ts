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

/**
 * createLogger({ name }) → a JSON pino logger that redacts secrets and masks accounts, in what
 * is logged, in child loggers' bindings (scrubbingSerializers) and in serialized errors. This walk replaces pino's
 * `redact` option: that clones every object a wildcard path could reach, garbage on every request
 * log line and every request's child logger at thousands of requests a second (bench/README.md).
 */
export function createLogger({ name, level = 'info', destination }: CreateLoggerOptions): Logger {
  const options: LoggerOptions = {
    name,
    level,
    serializers: { ...scrubbingSerializers, err: scrubbedError },
    formatters: {
      bindings: (fields) => scrubLogValue(fields) as pino.Bindings,
      log: (object) => scrubLogValue(object) as Record<string, unknown>,
    },
  };
  return pino(options, destination ?? stdoutLines());
}
