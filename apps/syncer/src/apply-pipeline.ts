/**
 * Runs the cycle's bulk statements one at a time without making the reader wait for each:
 * `apply` starts a statement and returns once the previous one has finished, so the list's next
 * batch is parsed while this one runs in Postgres. At most one statement is in flight and one
 * batch of changes waits for it (backpressure: the reader stops until the statement ahead ends).
 * A failed statement fails the next `apply` or `drain`.
 */
export class ApplyPipeline {
  private inFlight: Promise<void> | undefined;

  /** Waits for the statement in flight, then starts `run` without waiting for it. */
  async apply(run: () => Promise<void>): Promise<void> {
    await this.drain();
    const started = run();
    // Its failure is thrown by the next apply or drain; until then it must not count as unhandled.
    started.catch(() => {});
    this.inFlight = started;
  }

  /** Waits for the statement in flight, if any; throws its error. */
  async drain(): Promise<void> {
    const inFlight = this.inFlight;
    this.inFlight = undefined;
    await inFlight;
  }
}
