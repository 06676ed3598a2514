import type { Logger } from '@pt/core';
import { LRUCache } from 'lru-cache';

/** How often one process records one key's use at most. */
export const KEY_USE_RECORD_EVERY_MS = 60_000;

/**
 * Records when each API key was last used (api_keys.last_used_at), off the request path: at
 * most once a minute per key per process, in a statement the request never waits for. A key
 * recorded within the minute is remembered in a bounded LRU (lru-cache) with that TTL.
 */
export class KeyUsageRecorder {
  private readonly recent = new LRUCache<string, true>({ max: 10_000, ttl: KEY_USE_RECORD_EVERY_MS });

  constructor(
    private readonly touch: (keyIds: string[]) => Promise<void>,
    private readonly logger: Logger,
  ) {}

  used(keyId: string): void {
    if (this.recent.has(keyId)) return;
    this.recent.set(keyId, true);
    // A failure is retried a minute later, not on the next request (the database may be down).
    this.touch([keyId]).catch((error: unknown) => this.logger.warn({ err: error }, 'could not record an API key’s last use'));
  }
}
