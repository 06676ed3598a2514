import autocannon from 'autocannon';

export interface LoadResult {
  /** Successful (2xx) responses per second over the run. */
  rps: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  non2xx: number;
  errors: number;
}

export interface LoadOptions {
  url: string;
  connections: number;
  durationS: number;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** Paths cycled through by every connection (e.g. GET /payments/{random id}). */
  paths?: string[];
}

/**
 * One autocannon run. Throughput counts 2xx answers only, so a server answering errors fast
 * never looks good; a run with more than 1% failures is an error, not a figure.
 */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  let lastBody = '';
  let failureSample: string | undefined;
  const result = await autocannon({
    // Keep one failed answer to explain a failed run.
    setupClient: (client) => {
      client.on('body', (body: Buffer) => {
        lastBody = body.toString('utf8', 0, 600);
      });
      client.on('response', (statusCode: number) => {
        if (statusCode >= 300 && failureSample === undefined) failureSample = `${statusCode}: ${lastBody}`;
      });
    },
    url: options.url,
    connections: options.connections,
    duration: options.durationS,
    method: options.method ?? 'GET',
    headers: options.headers ?? {},
    ...(options.body === undefined ? {} : { body: options.body }),
    // Each request spells out method, headers and body: autocannon does not inherit them here.
    ...(options.paths
      ? {
          requests: options.paths.map((path) => ({
            path,
            method: options.method ?? 'GET',
            headers: options.headers ?? {},
            ...(options.body === undefined ? {} : { body: options.body }),
          })),
        }
      : {}),
  });
  const ok = result['2xx'];
  const failed = result.non2xx + result.errors;
  if (failed > Math.max(10, 0.01 * (ok + failed))) {
    throw new Error(
      `${options.method ?? 'GET'} ${options.url}: ${result.non2xx} non-2xx answers and ${result.errors} errors; ` +
        `first failure ${failureSample ?? 'none'}`,
    );
  }
  return {
    rps: ok / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requests: ok,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}
