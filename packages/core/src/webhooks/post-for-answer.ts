import type { Dispatcher } from 'undici';

/** How much of an answer the delivery log keeps. */
export const EXCERPT_BYTES = 512;

/** What a receiver answered: its status and the first bytes of its body (null when empty). */
export interface Answer {
  statusCode: number;
  excerpt: string | null;
}

/** Where a POST goes, parsed once per URL. */
export interface Target {
  origin: string;
  path: string;
}

export function targetOf(url: string): Target {
  const parsed = new URL(url);
  return { origin: parsed.origin, path: `${parsed.pathname}${parsed.search}` };
}

/**
 * postForAnswer(dispatcher, target, headers, body, timeoutMs) → the receiver's status and the
 * first EXCERPT_BYTES of its answer, or a rejection (connection refused, reset, the deadline).
 *
 * Through undici's dispatch API rather than `request`: `request` wraps every answer in a
 * Readable stream, of which the dispatcher reads a few bytes, and that stream cost each delivery
 * more CPU than anything else the sender does (bench/README.md, webhooks). Here the answer's
 * chunks arrive in the handler; once the excerpt is full the rest is not read (the connection is
 * closed, as a destroyed body did). No redirect is followed (dispatch follows none). The whole exchange,
 * from the connection to the answer's end, is bounded by `timeoutMs`: a receiver that answers
 * a byte at a time never holds a delivery past it.
 */
export function postForAnswer(
  dispatcher: Dispatcher,
  target: Target,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
): Promise<Answer> {
  return new Promise<Answer>((resolve, reject) => {
    const handler = new AnswerHandler(resolve, reject, timeoutMs);
    dispatcher.dispatch({ origin: target.origin, path: target.path, method: 'POST', headers, body }, handler);
  });
}

class AnswerHandler implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | undefined;
  private statusCode = 0;
  private readonly chunks: Buffer[] = [];
  private size = 0;
  private settled = false;
  /** Why the exchange ended early (the deadline, or the excerpt full), to abort with once it starts. */
  private abortWith: Error | undefined;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly resolve: (answer: Answer) => void,
    private readonly reject: (error: Error) => void,
    timeoutMs: number,
  ) {
    this.timer = setTimeout(() => {
      const error = new DOMException(`no complete answer within ${timeoutMs} ms`, 'TimeoutError');
      this.fail(error);
      this.abort(error);
    }, timeoutMs);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.abortWith) controller.abort(this.abortWith);
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number): void {
    // (a 1xx is informational: the answer is the status after it)
    if (statusCode >= 200) this.statusCode = statusCode;
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.settled) return;
    this.chunks.push(chunk);
    this.size += chunk.length;
    if (this.size >= EXCERPT_BYTES) {
      this.succeed();
      this.abort(new Error('the excerpt is read; the rest of the answer is not'));
    }
  }

  onResponseEnd(): void {
    this.succeed();
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.fail(error);
  }

  private abort(reason: Error): void {
    this.abortWith = reason;
    this.controller?.abort(reason);
  }

  private succeed(): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.timer);
    const bytes = this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks);
    const text = bytes.subarray(0, EXCERPT_BYTES).toString('utf8');
    this.resolve({ statusCode: this.statusCode, excerpt: text.length > 0 ? text : null });
  }

  private fail(error: Error): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.timer);
    this.reject(error);
  }
}
