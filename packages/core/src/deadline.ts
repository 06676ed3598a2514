import { EventEmitter } from 'node:events';

/**
 * A deadline for a whole request (connect, send, answer), disarmed with `clear()` when the request
 * ends. It is an EventEmitter with `aborted` and `reason`, which undici takes as a request's
 * `signal` as it takes an AbortSignal. `AbortSignal.timeout` cannot be disarmed: each one lives,
 * with its timer, until it fires, thousands at a time under load, and costs the POST case several
 * times what this does (figures in bench/README.md, "Hand-written replacements").
 */
export class Deadline extends EventEmitter {
  aborted = false;
  reason: unknown;
  private readonly timer: NodeJS.Timeout;

  constructor(ms: number) {
    super();
    this.timer = setTimeout(() => {
      this.aborted = true;
      this.reason = new DOMException(`no complete answer within ${ms} ms`, 'TimeoutError');
      this.emit('abort');
    }, ms);
  }

  clear(): void {
    clearTimeout(this.timer);
  }
}
