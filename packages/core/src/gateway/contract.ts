import { z } from 'zod';
import { GATEWAY_STATUSES, type GatewayStatus } from '../payments/status.js';

/**
 * The gateway's payloads. Lenient where the gateway is loose (timestamps without a zone and
 * with microseconds mean UTC), strict where we depend on a value (a usable confirmation_id,
 * a known status).
 */

const ISO_WITH_ZONE = /(Z|[+-]\d{2}:?\d{2})$/i;

/** Parses "2026-01-01T12:00:00.123456" (zone-less means UTC) or any ISO-8601 with a zone. */
export function parseGatewayTime(value: string): Date | null {
  const usual = readUsualGatewayTime(value);
  if (usual !== null) return new Date(usual);
  const trimmed = value.trim();
  if (!/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?/.test(trimmed)) return null;
  // JavaScript keeps milliseconds only: drop sub-millisecond digits rather than reject them.
  let normalised = trimmed.replace(' ', 'T').replace(/(\.\d{3})\d+/, '$1');
  if (!ISO_WITH_ZONE.test(normalised)) normalised += 'Z';
  const date = new Date(normalised);
  return Number.isNaN(date.getTime()) ? null : date;
}

/**
 * The gateway's usual shape, "YYYY-MM-DDTHH:MM:SS" with an optional fraction and an optional
 * "Z", read digit by digit into epoch ms: the same instant Date's parser gives, without the
 * regular expressions and the string it is handed (1.2 µs a time; two per changed entry of a
 * sync cycle). Null for any other text, which the general path reads.
 */
function readUsualGatewayTime(value: string): number | null {
  const length = value.length;
  if (length < 19 || value.charCodeAt(10) !== 84 /* T */) return null;
  if (value.charCodeAt(4) !== 45 || value.charCodeAt(7) !== 45 /* - */) return null;
  if (value.charCodeAt(13) !== 58 || value.charCodeAt(16) !== 58 /* : */) return null;
  const end = value.charCodeAt(length - 1) === 90 /* Z */ ? length - 1 : length;
  const year = readDigits(value, 0, 4);
  const month = readDigits(value, 5, 2);
  const day = readDigits(value, 8, 2);
  const hour = readDigits(value, 11, 2);
  const minute = readDigits(value, 14, 2);
  const second = readDigits(value, 17, 2);
  let ms = 0;
  if (end > 19) {
    if (value.charCodeAt(19) !== 46 /* . */ || end === 20 || readDigits(value, 20, end - 20) < 0) return null;
    // Milliseconds only, as the general path keeps them: ".5" is 500, ".123456" is 123.
    for (let i = 20, scale = 100; i < 23; i++, scale /= 10) if (i < end) ms += (value.charCodeAt(i) - 48) * scale;
  }
  // Date.UTC reads years 0-99 as 1900-1999, and Date's parser takes 24:00: both left to it.
  if (year < 100 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23) return null;
  if (minute < 0 || minute > 59 || second < 0 || second > 59) return null;
  return Date.UTC(year, month - 1, day, hour, minute, second, ms);
}

/** The number written by `count` ASCII digits at `at`; -1 when one of them is not a digit. */
function readDigits(text: string, at: number, count: number): number {
  let value = 0;
  for (let i = at; i < at + count; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

const gatewayTime = z.string().transform((value, ctx) => {
  const date = parseGatewayTime(value);
  if (!date) {
    ctx.addIssue({ code: 'custom', message: `unreadable timestamp ${JSON.stringify(value.slice(0, 40))}` });
    return z.NEVER;
  }
  return date;
});

/**
 * A confirmation id we can store and match again: no control character (Postgres text holds no
 * NUL, and a statement carrying one fails whole) and no half of a surrogate pair (it would be
 * stored as U+FFFD and never match the gateway's list again). An answer with any other is
 * unusable, as one without an id is.
 */
const confirmationId = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .refine((id) => !/\p{Cc}/u.test(id) && id.isWellFormed(), 'a control character or half a surrogate pair');

/**
 * The confirmation_id is what matters: with a usable one the payment is accepted even if the
 * other fields are odd (an unreadable created_at becomes null and our clock stands in), since
 * throwing the id away would leave an accepted payment unconfirmed for no reason.
 */
export const submitResponseSchema = z.object({
  confirmation_id: confirmationId,
  status: z.string().optional(),
  created_at: gatewayTime.nullish().catch(null),
});
export type SubmitResponse = z.output<typeof submitResponseSchema>;

export const statusEntrySchema = z.object({
  confirmation_id: confirmationId,
  status: z.enum(GATEWAY_STATUSES),
  created_at: gatewayTime,
  updated_at: gatewayTime.nullish(),
});

export interface StatusEntry {
  confirmationId: string;
  status: GatewayStatus;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * One /status element as read, before validation: only its confirmation_id is known to be a
 * string. The syncer validates in full (toStatusEntry) only the few entries it acts on, since
 * the list holds every payment ever and almost all of them are settled history or unchanged.
 */
export interface RawStatusEntry {
  confirmation_id: string;
  status?: unknown;
  created_at?: unknown;
  updated_at?: unknown;
}

export function isRawStatusEntry(value: unknown): value is RawStatusEntry {
  return (
    typeof value === 'object' && value !== null && typeof (value as { confirmation_id?: unknown }).confirmation_id === 'string'
  );
}

/** Validates one raw /status element; null (to be logged and skipped) when unusable. */
export function toStatusEntry(raw: unknown): StatusEntry | null {
  const parsed = statusEntrySchema.safeParse(raw);
  if (!parsed.success) return null;
  const { confirmation_id, status, created_at, updated_at } = parsed.data;
  return { confirmationId: confirmation_id, status, createdAt: created_at, updatedAt: updated_at ?? created_at };
}

/** The body we send to POST /submit. */
export interface SubmitRequest {
  sender_account: string;
  receiver_account: string;
  amount: number;
  memo?: string | null;
}
