import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  json: {
    type: string;
    timestamp: string;
    data: { event_id: string; sequence: number; payment: { id: string; status: string } };
  };
  /** Whether the receiver accepted it (answered 2xx). */
  accepted: boolean;
}

/**
 * A webhook receiver on a free port that records every request. `answer` decides each status
 * code (default 204), `body` the answer's body (default: "ok", or "receiver says no" for a
 * refusal); `holdMs` delays answers, so overlapping sends of one event would show.
 */
export async function startReceiver(
  options: { answer?: (request: Received) => number; body?: (request: Received) => string | Buffer; holdMs?: number } = {},
) {
  const received: Received[] = [];
  let inFlight = 0;
  let maxInFlightPerEvent = 0;
  const inFlightById = new Map<string, number>();
  let answer = options.answer ?? (() => 204);
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const id = String(request.headers['webhook-id']);
      inFlight++;
      const now = (inFlightById.get(id) ?? 0) + 1;
      inFlightById.set(id, now);
      maxInFlightPerEvent = Math.max(maxInFlightPerEvent, now);
      const entry: Received = { headers: request.headers, body, json: JSON.parse(body), accepted: false };
      const status = answer(entry);
      entry.accepted = status >= 200 && status < 300;
      received.push(entry);
      setTimeout(() => {
        inFlight--;
        inFlightById.set(id, (inFlightById.get(id) ?? 1) - 1);
        // a redirect points where the request's ?to= says (a test of redirects not being followed)
        const to = new URL(request.url ?? '/', 'http://receiver').searchParams.get('to');
        const headers = { 'content-type': 'text/plain', ...(status >= 300 && status < 400 && to ? { location: to } : {}) };
        response.writeHead(status, headers).end(options.body?.(entry) ?? (entry.accepted ? 'ok' : 'receiver says no'));
      }, options.holdMs ?? 0);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    /** What was accepted (2xx), in arrival order. */
    accepted: () => received.filter((r) => r.accepted),
    get maxInFlightPerEvent() {
      return maxInFlightPerEvent;
    },
    get inFlight() {
      return inFlight;
    },
    setAnswer(next: (request: Received) => number) {
      answer = next;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export type Receiver = Awaited<ReturnType<typeof startReceiver>>;
