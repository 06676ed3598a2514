import type { ApiClient } from '@pt/core';
import { LRUCache } from 'lru-cache';

export interface AuthCacheOptions {
  /** AUTH_CACHE_TTL_MS: how long an answer is remembered while revocations are not heard; 0 = never. */
  ttlMs: number;
  /** Most Authorization headers remembered as valid. */
  maxValid?: number;
  /** Most Authorization headers remembered as refused (a separate cache: junk never evicts valid keys). */
  maxFailed?: number;
  /** The clock of the TTLs (performance.now() by default; tests pass their own). */
  perf?: { now(): number };
}

/**
 * What the API remembers about Authorization headers, in two bounded LRU caches (lru-cache): the
 * headers of valid keys, and headers that were refused. Filling the second with junk evicts only
 * junk. While revocations are heard (LISTEN, see key-changes-listener.ts) a valid key is kept
 * until it is revoked, evicted or expires; while they are not, for at most `ttlMs`.
 *
 * A look-up that was in flight when a key changed must not store what it read before the change:
 * callers take `epoch` before looking up and pass it back; any revocation or flush moves it on.
 */
export class AuthCache {
  private readonly valid: LRUCache<string, ApiClient>;
  private readonly refused: LRUCache<string, true>;
  private readonly ttlMs: number;
  private heard = false;
  private generation = 0;

  constructor(options: AuthCacheOptions) {
    this.ttlMs = options.ttlMs;
    // A clock of the test's own is read on every check (lru-cache otherwise reuses a reading for 1 ms).
    const clock = options.perf ? { perf: options.perf, ttlResolution: 0 } : {};
    this.valid = new LRUCache({ max: options.maxValid ?? 10_000, ...clock });
    this.refused = new LRUCache({ max: options.maxFailed ?? 10_000, ttl: Math.max(1, options.ttlMs), ...clock });
  }

  /** False when AUTH_CACHE_TTL_MS is 0: nothing is remembered, every request is looked up. */
  get enabled(): boolean {
    return this.ttlMs > 0;
  }

  /** The current epoch, to pass to `rememberValid` after a look-up. */
  get epoch(): number {
    return this.generation;
  }

  get size(): { valid: number; refused: number } {
    return { valid: this.valid.size, refused: this.refused.size };
  }

  /** The client of a header remembered as valid. */
  validClient(header: string | undefined): ApiClient | undefined {
    return header === undefined ? undefined : this.valid.get(header);
  }

  /** Whether this header was refused recently. */
  isRefused(header: string): boolean {
    return this.refused.has(header);
  }

  /** Remembers a valid key's header, unless a revocation or flush happened since `epoch`. */
  rememberValid(header: string, client: ApiClient, keyExpiresAt: Date | null, epoch: number, now = Date.now()): void {
    if (!this.enabled || epoch !== this.generation) return;
    let ttl = this.heard ? 0 : this.ttlMs; // lru-cache: 0 = no expiry
    if (keyExpiresAt) {
      const left = keyExpiresAt.getTime() - now;
      if (left <= 0) return;
      ttl = ttl === 0 ? left : Math.min(ttl, left);
    }
    this.valid.set(header, client, { ttl });
  }

  rememberRefused(header: string): void {
    if (this.enabled) this.refused.set(header, true);
  }

  /** Forgets these keys, under whatever header they were sent. */
  forgetKeys(keyIds: readonly string[]): void {
    this.generation++;
    const ids = new Set(keyIds);
    const headers = [...this.valid.entries()].filter(([, client]) => ids.has(client.keyId)).map(([header]) => header);
    for (const header of headers) this.valid.delete(header);
  }

  /**
   * Revocations are heard from now on (true) or no longer (false). Either way what is remembered
   * may be stale (a revocation may have been missed), so every valid key is forgotten.
   */
  setHeard(heard: boolean): void {
    this.generation++;
    this.heard = heard;
    this.valid.clear();
  }
}
