import type { Logger } from 'pino';
import { loggerOutput } from './logger.js';

/** What the API logs about each answered request. */
export interface RequestLine {
  reqId: string;
  method: string;
  path: string;
  statusCode: number;
  responseTime: number;
}

/**
 * A writer for the one line every request writes: the bytes that
 * `logger.child({ reqId }).info({ method, path, statusCode, responseTime }, 'request completed')`
 * would write (a test compares them), built by one template instead of pino's key-by-key
 * serialization and the scrub walk (their cost per GET is in bench/README.md), for fields
 * that are ours to fill: an id, a method, a path, two numbers; never a secret or an account.
 * A logger not made by createLogger gets its own info() instead.
 */
export function requestLineWriter(logger: Logger): (line: RequestLine) => void {
  const output = loggerOutput(logger);
  if (!output) {
    return ({ reqId, ...line }) => logger.child({ reqId }).info(line, 'request completed');
  }
  const { destination } = output;
  const level = logger.levels.values.info;
  // What pino writes after "time" for this logger: `,"pid":1,"hostname":"…","name":"api"`.
  const bindings = Object.entries(output.bindings)
    .map(([key, value]) => `,${JSON.stringify(key)}:${JSON.stringify(value)}`)
    .join('');
  return (line) => {
    if (!logger.isLevelEnabled('info')) return;
    destination.write(
      `{"level":${level},"time":${Date.now()}${bindings},"reqId":${JSON.stringify(line.reqId)},` +
        `"method":${JSON.stringify(line.method)},"path":${JSON.stringify(line.path)},` +
        `"statusCode":${line.statusCode},"responseTime":${line.responseTime},"msg":"request completed"}\n`,
    );
  };
}
