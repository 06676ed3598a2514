import net from 'node:net';

export interface LossyProxy {
  /** The proxy's URL: use it instead of the target's. */
  url: string;
  /** Request lines seen (every request sent through, whether its answer got back or not). */
  requests: string[];
  /**
   * The next `count` requests lose their answer: the request reaches the target whole, the
   * answer never comes back, and the client's connection is cut when the answer arrives or
   * `cutAfterMs` after the request, whichever comes first.
   */
  loseAnswers(count: number, cutAfterMs?: number): void;
  close(): Promise<void>;
}

/**
 * An HTTP-level TCP proxy in front of the API, for a client's view of a network that fails
 * after the server took the request: the case where only an idempotency key makes a retry safe.
 */
export async function startLossyProxy(targetUrl: string): Promise<LossyProxy> {
  const target = new URL(targetUrl);
  const sockets = new Set<net.Socket>();
  const requests: string[] = [];
  let lossy: { count: number; cutAfterMs: number } = { count: 0, cutAfterMs: Number.POSITIVE_INFINITY };

  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    // set by the first request to lose its answer (a kept-alive connection carries several)
    let loses = false;
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        if (!loses) upstream.destroy();
      });
    }
    client.on('data', (chunk: Buffer) => {
      for (const [line] of chunk.toString('latin1').matchAll(/^[A-Z]+ \S+ HTTP\/1\.1(?=\r\n)/gm)) {
        requests.push(line);
        if (!loses && lossy.count > 0) {
          lossy.count--;
          loses = true;
        }
      }
      upstream.write(chunk);
      if (loses && Number.isFinite(lossy.cutAfterMs)) setTimeout(() => client.destroy(), lossy.cutAfterMs);
    });
    client.on('end', () => upstream.end());
    upstream.on('data', (chunk: Buffer) => {
      if (!loses) client.write(chunk);
      else {
        // the server answered: the answer is lost with the connection
        client.destroy();
        upstream.destroy();
      }
    });
    upstream.on('end', () => client.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address !== 'object') throw new Error('proxy has no port');
  return {
    url: `http://127.0.0.1:${address.port}`,
    requests,
    loseAnswers(count, cutAfterMs = Number.POSITIVE_INFINITY) {
      lossy = { count, cutAfterMs };
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
