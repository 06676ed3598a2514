/** Small statistics over measured samples. */

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** Nearest-rank percentile (p in 0..100); NaN for no values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] as number;
}

/** Our figure over the floor's: > 1 means more of a throughput, or more of a time. */
export function ratio(ours: number, floor: number): number {
  return floor === 0 ? Number.NaN : ours / floor;
}

/** A field of each round's result, as a list, for medians. */
export function pick<T>(rounds: readonly T[], get: (round: T) => number): number[] {
  return rounds.map(get);
}
