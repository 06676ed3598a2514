import type { Logger } from '@pt/core';

/**
 * Logs a payment's decision only when it changes: an ambiguous payment is judged every cycle,
 * and one line per cycle per payment drowns the log. The cycle's summary carries the counts.
 */
export class DecisionJournal {
  private last = new Map<string, string>();

  constructor(private readonly logger: Logger) {}

  note(key: string, decision: string, level: 'info' | 'warn' | 'error', fields: Record<string, unknown>, message: string): void {
    if (this.last.get(key) === decision) return;
    this.last.set(key, decision);
    this.logger[level]({ ...fields, decision }, message);
  }

  /** Forgets payments no longer judged (settled), so the map stays as small as the open set. */
  retain(keys: Iterable<string>): void {
    const keep = new Set(keys);
    for (const key of this.last.keys()) if (!keep.has(key)) this.last.delete(key);
  }
}
