import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../logging/logger.js';

/** A pino destination that keeps every line, so tests can assert on what was logged. */
export function createLogCapture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      callback();
    },
  });
  return { stream, lines, text: () => lines.join('\n') };
}

/** Runs `write` with a logger named `test` writing into a new capture; resolves with the capture once its lines are in. */
export async function logOnce(write: (logger: Logger) => void) {
  const capture = createLogCapture();
  const logger = createLogger({ name: 'test', destination: capture.stream });
  write(logger);
  await new Promise((resolve) => setImmediate(resolve));
  return capture;
}
