import { pino } from 'pino';

/**
 * Lines gathered into ~4 KiB writes, handed to a writer (pino's SonicBoom) as one string. One
 * write(2) per line was a large share of the API's CPU at thousands of requests a second, and
 * SonicBoom's own buffering (`minLength`) re-measures its whole pending buffer, a growing string,
 * on every line, the more the larger the buffer (figures in bench/README.md). Lines wait at most
 * `maxDelayMs`.
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
export function stdoutLines(): LineBatcher {
  if (!stdout) {
    const batcher = new LineBatcher(pino.destination({ dest: 1, sync: true }));
    process.once('exit', () => batcher.flush());
    stdout = batcher;
  }
  return stdout;
}
