import { pino } from 'pino';
import { ACCOUNT_MIN } from '../validators/payments.js';

const ACCOUNT_FIELDS = new Set(['sender_account', 'receiver_account', 'senderAccount', 'receiverAccount']);

/**
 * Field names that hold a secret, at any depth: their values are replaced by `[redacted]`.
 * (Headers arrive lower-cased, so `authorization` covers `Authorization`.)
 */
export const SECRET_FIELDS: ReadonlySet<string> = new Set([
  'authorization',
  'cookie',
  'idempotency-key',
  'apiKey',
  'api_key',
  'key',
  'password',
  'databaseUrl',
  // webhook signing secrets (whsec_…), wherever an endpoint or a delivery is logged
  'secret',
  'secrets',
  'previousSecret',
  'webhook-signature',
]);

const REDACTED = '[redacted]';

/**
 * One serializer per secret and account field name. pino applies serializers to the keys of a
 * child logger's bindings as well as to logged objects, and every child inherits them (its
 * `formatters.bindings` applies to the root's bindings only), so a secret or an account bound at
 * the top level of any child, grandchild included, is scrubbed. An object bound under another
 * name is not walked: bind flat values (ids, names), as the apps do.
 */
export const scrubbingSerializers: Readonly<Record<string, (value: unknown) => unknown>> = Object.fromEntries([
  ...[...SECRET_FIELDS].map((field) => [field, (value: unknown) => (value === undefined ? value : REDACTED)]),
  ...[...ACCOUNT_FIELDS].map((field) => [
    field,
    (value: unknown) => (typeof value === 'string' ? maskAccount(value) : scrubLogValue(value)),
  ]),
]);

/** "1234567890" → "******7890". Anything shorter than five characters is fully masked. */
export function maskAccount(account: string): string {
  if (account.length <= 4) return '*'.repeat(account.length);
  return `${'*'.repeat(account.length - 4)}${account.slice(-4)}`;
}

/**
 * A run of digits as long as the shortest account number, or longer, that stands alone: possibly
 * an account. Not one inside a longer token of letters and digits (a hex id: "5599dc4118"), nor
 * one after a decimal point (a timestamp's microseconds: ".073000").
 */
const ACCOUNT_LIKE = new RegExp(`(?<![0-9A-Za-z.])\\d{${ACCOUNT_MIN},}(?![0-9A-Za-z])`, 'g');

/**
 * Free text that may quote an account (a Postgres error's detail, "Key (sender_account)=
 * (123456789012) already exists"; a line of the gateway's answer) with every account-like digit
 * run masked like an account. Shorter numbers (SQLSTATE codes, ports, line numbers) stay.
 */
export function maskAccountsInText(text: string): string {
  return text.replace(ACCOUNT_LIKE, maskAccount);
}

/** A value as JSON for a log line: account-like digit runs masked first, then cut to `max` characters. */
export function logPreview(value: unknown, max = 200): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return maskAccountsInText(text).slice(0, max);
}

/**
 * What a log line may show of a value: secrets replaced by `[redacted]` and account numbers
 * masked to their last four digits, wherever they sit in plain objects and arrays. It copies
 * only the parts that change (most log objects hold neither and are returned as they are: this
 * runs on every log line). Anything else (Error, Date, Fastify's request and reply) is passed
 * through untouched, for its serializer: a copy of its own enumerable keys would turn it into
 * `{}`. Serialized errors are scrubbed after their serializer (scrubbedError).
 */
export function scrubLogValue(value: unknown, depth = 0): unknown {
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    value.forEach((item, i) => {
      const scrubbed = scrubLogValue(item, depth + 1);
      if (scrubbed === item) return;
      copy ??= [...value];
      copy[i] = scrubbed;
    });
    return copy ?? value;
  }
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return value;
  let copy: Record<string, unknown> | undefined;
  for (const key in value) {
    const v = (value as Record<string, unknown>)[key];
    let scrubbed: unknown;
    if (SECRET_FIELDS.has(key)) scrubbed = v === undefined ? v : REDACTED;
    else if (ACCOUNT_FIELDS.has(key) && typeof v === 'string') scrubbed = maskAccount(v);
    else scrubbed = scrubLogValue(v, depth + 1);
    if (scrubbed === v) continue;
    copy ??= { ...(value as Record<string, unknown>) };
    copy[key] = scrubbed;
  }
  return copy ?? value;
}

/**
 * pino's error serializer, then the same scrubbing: an error's own fields may hold anything. The
 * serializer returns what is not error-like as it is (an `err` that is a message string): only an
 * object is copied, so its fields are scrubbed; a string spread would become one field per character.
 * Every string in it is free text too (a Postgres error's `detail`, `where` and message, its
 * `query` and `parameters` under postgres.js's debug option, a wrapped error's message): its
 * account-like digit runs are masked.
 */
export function scrubbedError(error: Error): unknown {
  const serialized: unknown = pino.stdSerializers.err(error);
  return scrubLogValue(maskErrorText(typeof serialized === 'object' && serialized !== null ? { ...serialized } : serialized));
}

/**
 * Account-like digit runs masked in every string of a serialized error, in its nested objects
 * (other serialized errors, which pino builds on a prototype of its own, included) and arrays.
 * Anything else (a Buffer, a Date) is left to its own serialization.
 */
function maskErrorText(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return maskAccountsInText(value);
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => maskErrorText(item, depth + 1));
  if (value.constructor !== Object && Object.getPrototypeOf(value) !== null) return value;
  const copy: Record<string, unknown> = {};
  for (const key in value) copy[key] = maskErrorText((value as Record<string, unknown>)[key], depth + 1);
  return copy;
}
