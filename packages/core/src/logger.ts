import { type Logger, type LoggerOptions, pino } from 'pino';

export type { Logger };

/**
 * Paths that may hold an account number or a secret. Account numbers are masked to their
 * last four digits by the serializer below; secrets are removed outright.
 */
export const redactPaths = [
  'req.headers.authorization',
  'req.headers["idempotency-key"]',
  'headers.authorization',
  'authorization',
  'apiKey',
  'api_key',
  'key',
  'password',
  'databaseUrl',
  '*.apiKey',
  '*.password',
];

const ACCOUNT_FIELDS = new Set(['sender_account', 'receiver_account', 'senderAccount', 'receiverAccount']);

/** "1234567890" → "******7890". Anything shorter than five characters is fully masked. */
export function maskAccount(account: string): string {
  if (account.length <= 4) return '*'.repeat(account.length);
  return `${'*'.repeat(account.length - 4)}${account.slice(-4)}`;
}

/**
 * Masks account fields wherever they appear in plain objects and arrays, copying only the
 * parts that change (most log objects hold no account and are returned as they are: this runs
 * on every log line). Anything else (Error, Date, Fastify's request and reply) is passed
 * through untouched: this runs before pino's serializers, and a copy of own enumerable keys
 * would turn those into `{}`.
 */
export function maskAccounts(value: unknown, depth = 0): unknown {
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    value.forEach((item, i) => {
      const masked = maskAccounts(item, depth + 1);
      if (masked === item) return;
      copy ??= [...value];
      copy[i] = masked;
    });
    return copy ?? value;
  }
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return value;
  let copy: Record<string, unknown> | undefined;
  for (const key in value) {
    const v = (value as Record<string, unknown>)[key];
    const masked = ACCOUNT_FIELDS.has(key) && typeof v === 'string' ? maskAccount(v) : maskAccounts(v, depth + 1);
    if (masked === v) continue;
    copy ??= { ...(value as Record<string, unknown>) };
    copy[key] = masked;
  }
  return copy ?? value;
}

export interface CreateLoggerOptions {
  name: string;
  level?: string;
  /** A destination stream; tests pass one to capture every line. */
  destination?: pino.DestinationStream;
}

/** createLogger({ name }) → a JSON pino logger that redacts secrets and masks accounts. */
export function createLogger({ name, level = 'info', destination }: CreateLoggerOptions): Logger {
  const options: LoggerOptions = {
    name,
    level,
    redact: { paths: redactPaths, censor: '[redacted]' },
    formatters: {
      log: (object) => maskAccounts(object) as Record<string, unknown>,
    },
  };
  return pino(options, destination ?? stdoutLines());
}

/**
 * Lines gathered into ~4 KiB writes, handed to a writer (pino's SonicBoom) as one string. One
 * write(2) per line cost a quarter of the API's CPU at thousands of requests a second; SonicBoom's
 * own buffering (`minLength`) re-measures its whole pending buffer, a growing string, on every
 * line (~2.5 µs a line at 4 KiB, more with a larger buffer). Lines wait at most `maxDelayMs`.
 */
export class LineBatcher implements pino.DestinationStream {
  private lines: string[] = [];
  private size = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly target: { write(chunk: string): unknown },
    private readonly maxChars = 4096,
    private readonly maxDelayMs = 100,
  ) {}

  write(line: string): void {
    this.lines.push(line);
    this.size += line.length;
    if (this.size >= this.maxChars) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.maxDelayMs).unref();
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.lines.length === 0) return;
    const chunk = this.lines.join('');
    this.lines = [];
    this.size = 0;
    this.target.write(chunk);
  }
}

let stdout: LineBatcher | undefined;

/**
 * The process's stdout for logs: one batcher for every logger, writing synchronously (so what
 * is batched is on stdout when the process exits, whatever the order of exit handlers). A
 * SIGKILL may lose the last 100 ms of lines.
 */
function stdoutLines(): LineBatcher {
  if (!stdout) {
    const batcher = new LineBatcher(pino.destination({ dest: 1, sync: true }));
    process.once('exit', () => batcher.flush());
    stdout = batcher;
  }
  return stdout;
}
