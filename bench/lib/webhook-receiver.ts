import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface WebhookReceiver {
  url: string;
  /** When each webhook-id first arrived (ms since the epoch, once its body was read). */
  arrivals: Map<string, number>;
  /** Every request, repeats included (delivery is at least once). */
  requests(): number;
  /** Resolves once `count` distinct ids have arrived; fails after `timeoutMs`. */
  waitFor(count: number, timeoutMs: number): Promise<void>;
  reset(): void;
  close(): Promise<void>;
}

/**
 * The bench's webhook receiver: a bare node:http server on 127.0.0.1 that reads each body and
 * answers 200, noting when each webhook-id first arrived. It verifies nothing: what is measured
 * is the sender, and ours and the floor meet the same receiver.
 */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  let arrivals = new Map<string, number>();
  let requests = 0;
  const server = createServer((req, res) => {
    const id = req.headers['webhook-id'];
    req.resume();
    req.once('end', () => {
      requests++;
      if (typeof id === 'string' && !arrivals.has(id)) arrivals.set(id, Date.now());
      res.end();
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    get arrivals() {
      return arrivals;
    },
    requests: () => requests,
    async waitFor(count, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (arrivals.size < count) {
        if (Date.now() > deadline) throw new Error(`only ${arrivals.size} of ${count} webhooks arrived in ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    reset() {
      arrivals = new Map();
      requests = 0;
    },
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
