/**
 * Money is a decimal string with exactly two decimals ("100.50") everywhere outside the
 * database, and bigint cents for arithmetic. Floats appear only in the gateway's wire format.
 */

const DECIMAL = /^(0|[1-9]\d*)(\.\d{1,2})?$/;

export type AmountParseResult = { ok: true; amount: string; cents: bigint } | { ok: false; message: string };

/**
 * Parses a user-supplied amount: a JSON number or a decimal string. Rejects NaN, infinities,
 * exponents, negative numbers and zero, more than two decimals, separators and spaces, and any
 * number a float could not have carried exactly. `maxCents` is inclusive.
 */
export function parseAmount(input: unknown, maxCents: bigint): AmountParseResult {
  let text: string;
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) return { ok: false, message: 'must be a finite number' };
    if (Object.is(input, -0) || input < 0) return { ok: false, message: 'must be greater than 0' };
    text = String(input);
    if (/e/i.test(text)) return { ok: false, message: 'must be written without an exponent' };
    if (!Number.isSafeInteger(Math.trunc(input)) || text.replace('.', '').length > 15) {
      return { ok: false, message: 'has more digits than a JSON number carries exactly; send it as a string' };
    }
  } else if (typeof input === 'string') {
    text = input;
  } else {
    return { ok: false, message: 'must be a number or a decimal string' };
  }
  if (text.startsWith('-')) return { ok: false, message: 'must be greater than 0' };
  if (!DECIMAL.test(text)) {
    if (/^\d+\.\d{3,}$/.test(text)) return { ok: false, message: 'must have at most 2 decimal places' };
    return { ok: false, message: 'must be a plain decimal such as "100.50" (no spaces, signs, separators or exponents)' };
  }
  const cents = toCents(text);
  if (cents <= 0n) return { ok: false, message: 'must be greater than 0' };
  if (cents > maxCents) return { ok: false, message: `must be at most ${formatCents(maxCents)}` };
  return { ok: true, amount: formatCents(cents), cents };
}

/** "100.5" → 10050n. The input must already match the decimal pattern. */
export function toCents(decimal: string): bigint {
  const [whole = '0', fraction = ''] = decimal.split('.');
  return BigInt(whole) * 100n + BigInt(fraction.padEnd(2, '0'));
}

/** 10050n → "100.50". */
export function formatCents(cents: bigint): string {
  const sign = cents < 0n ? '-' : '';
  const abs = cents < 0n ? -cents : cents;
  const fraction = (abs % 100n).toString().padStart(2, '0');
  return `${sign}${abs / 100n}.${fraction}`;
}

/** The gateway takes a JSON float. Two decimals up to 15 digits round-trip exactly. */
export function toGatewayAmount(decimal: string): number {
  return Number(decimal);
}
