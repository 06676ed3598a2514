/**
 * Exponential backoff with full jitter (AWS architecture blog, "Exponential Backoff and
 * Jitter"): the delay after attempt n (1-based) is uniform in [0, min(cap, base * 2^(n-1))).
 */
export interface BackoffOptions {
  baseMs: number;
  capMs: number;
  /** Injected for tests; defaults to Math.random. */
  random?: () => number;
}

/** The ceiling of the jittered delay after `attempt` attempts (1-based). */
export function backoffCeilingMs(attempt: number, { baseMs, capMs }: BackoffOptions): number {
  const exponent = Math.max(0, attempt - 1);
  // 2 ** 60 and beyond would lose precision long before reaching any sane cap.
  return Math.min(capMs, baseMs * 2 ** Math.min(exponent, 50));
}

export function fullJitterDelayMs(attempt: number, options: BackoffOptions): number {
  const random = options.random ?? Math.random;
  return Math.floor(random() * backoffCeilingMs(attempt, options));
}
