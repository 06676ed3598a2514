/**
 * Streams large JSON arrays in chunks through a Readable (with backpressure)
 * instead of building one giant string.
 */
import { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import type { Payment } from './store.js';

export interface JsonArrayOptions {
  /** Entries per chunk; default 500. */
  chunkSize?: number;
  /** Stop at this entry index, after half of its JSON, leaving the array unterminated. */
  truncateAt?: number | undefined;
}

/** Yields `[`, the encoded entries joined by `,`, and `]`, a few hundred entries per chunk. */
export function* jsonArrayChunks<T>(
  items: readonly T[],
  length: number,
  encode: (item: T) => string,
  options: JsonArrayOptions = {},
): Generator<string, void, undefined> {
  const chunkSize = options.chunkSize ?? 500;
  const cut = options.truncateAt ?? -1;
  let chunk = '[';
  let inChunk = 0;
  for (let i = 0; i < length; i++) {
    const item = items[i];
    if (item === undefined) break;
    const json = encode(item);
    if (i === cut) {
      yield `${chunk}${i === 0 ? '' : ','}${json.slice(0, json.length >> 1)}`;
      return;
    }
    chunk += i === 0 ? json : `,${json}`;
    if (++inChunk === chunkSize) {
      yield chunk;
      chunk = '';
      inChunk = 0;
    }
  }
  yield cut >= 0 ? chunk : `${chunk}]`;
}

/** Sends a chunk iterator as an application/json response body. */
export function sendJsonStream(reply: FastifyReply, chunks: Iterable<string>): FastifyReply {
  return reply.type('application/json; charset=utf-8').send(Readable.from(chunks));
}

/** One `GET /status` entry. Ids, statuses and timestamps never need escaping. */
export function statusEntryJson(p: Payment): string {
  return `{"confirmation_id":"${p.id}","status":"${p.status}","created_at":"${p.createdAt}","updated_at":"${p.updatedAt}"}`;
}

/** One `GET /__mock/payments` entry, with every field. */
export function fullPaymentJson(p: Payment): string {
  return JSON.stringify({
    confirmation_id: p.id,
    sender_account: p.sender,
    receiver_account: p.receiver,
    amount: p.amount,
    memo: p.memo,
    status: p.status,
    created_at: p.createdAt,
    updated_at: p.updatedAt,
  });
}

export function idJson(p: Payment): string {
  return `"${p.id}"`;
}
