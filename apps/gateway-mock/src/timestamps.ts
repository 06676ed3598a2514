/**
 * Timestamp formatting and lenient parsing.
 *
 * The real gateway sends zone-less timestamps with microseconds
 * (`2026-01-01T12:00:00.123456`, meaning UTC). `naive` mimics that quirk;
 * `iso` sends a plain `toISOString()` value with a `Z`.
 */

export type TimestampStyle = 'iso' | 'naive';

export const TIMESTAMP_STYLES = ['iso', 'naive'] as const satisfies readonly TimestampStyle[];

/** Formats epoch milliseconds in the given style. */
export function formatTimestamp(ms: number, style: TimestampStyle): string {
  const iso = new Date(ms).toISOString();
  // toISOString() is always `YYYY-MM-DDTHH:mm:ss.sssZ` for years 0..9999.
  return style === 'iso' ? iso : `${iso.slice(0, 23)}000`;
}

/**
 * A formatter that reuses the previous string when asked for the same
 * millisecond again: bulk seeding and batch resolution format one instant
 * many times, and sharing the string saves both time and memory.
 */
export function cachedFormatter(style: TimestampStyle): (ms: number) => string {
  let lastMs = Number.NaN;
  let last = '';
  return (ms) => {
    if (ms !== lastMs) {
      lastMs = ms;
      last = formatTimestamp(ms, style);
    }
    return last;
  };
}

const HAS_ZONE = /(?:[zZ]|[+-]\d{2}:\d{2})$/;
const ISO_LIKE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:[zZ]|[+-]\d{2}:\d{2})?)?$/;

/**
 * Parses an ISO-8601 timestamp; a missing zone designator means UTC
 * (V8 would otherwise read a zone-less date-time as local time).
 * Returns NaN when the text is not an ISO timestamp.
 */
export function parseTimestamp(text: string): number {
  if (!ISO_LIKE.test(text)) return Number.NaN;
  const normalised = text.replace(' ', 'T');
  if (!normalised.includes('T')) return Date.parse(normalised); // date-only forms are UTC
  return Date.parse(HAS_ZONE.test(normalised) ? normalised : `${normalised}Z`);
}
