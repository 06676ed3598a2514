import { pino } from 'pino';

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
 */
export function scrubbedError(error: Error): unknown {
  const serialized: unknown = pino.stdSerializers.err(error);
  return scrubLogValue(typeof serialized === 'object' && serialized !== null ? { ...serialized } : serialized);
}
