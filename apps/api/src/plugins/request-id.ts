import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** Ours: unique per process start, then a counter (cheaper than a UUID per request). Never a UUID. */
const processTag = randomBytes(6).toString('base64url');
let requestCount = 0;

/** A new request id of ours: "<8 characters of this process>-<counter in base 36>". */
export function nextRequestId(): string {
  return `${processTag}-${(++requestCount).toString(36)}`;
}

/** A UUID in its canonical text form, any version: what tracing proxies and client libraries send. */
const CLIENT_REQUEST_ID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/**
 * The request id (Fastify's genReqId): the client's `x-request-id` when it is a UUID, ours
 * otherwise. A UUID is 36 characters of hex and dashes: nothing in it can break a log line or a
 * terminal, and it can never pass for one of ours, so a client cannot make its request look like
 * another's in our logs by sending an id of ours (they are sequential: the next is guessable).
 */
export function requestIdOf(request: { headers: IncomingHttpHeaders }): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && CLIENT_REQUEST_ID.test(given) ? given : nextRequestId();
}
