import { describe, expect, it, vi } from 'vitest';
import type { FaultConfig } from './faults.js';
import { type FullPayment, http, json, NAIVE_TIMESTAMP, payment, UUID, withMock } from './test-helpers.js';
import { parseTimestamp } from './timestamps.js';

const recorded = async (url: string) => (await json<FullPayment[]>(`${url}/__mock/payments`)).length;

async function setFaults(url: string, config: FaultConfig): Promise<void> {
  const res = await http(`${url}/__mock/faults`, { method: 'PUT', body: config });
  expect(res.status).toBe(200);
}

/** Resolves to the error a request failed with (or throws if it answered). */
async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('the request answered');
}

describe('submit faults over HTTP', () => {
  it.each([500, 502, 503, 504] as const)('error %i answers that status with a JSON body and records nothing', async (code) => {
    await withMock({ faults: { submit: [{ kind: 'error', status_code: code }] } }, async ({ url }) => {
      const res = await http(`${url}/submit`, { body: payment() });
      expect(res.status).toBe(code);
      expect(JSON.parse(res.text)).toHaveProperty('detail');
      expect(await recorded(url)).toBe(0);
    });
  });

  it('rate_limit answers 429 with Retry-After and records nothing', async () => {
    await withMock(
      { faults: { submit: [{ kind: 'rate_limit', retry_after_s: 7 }, { kind: 'rate_limit' }] } },
      async ({ url }) => {
        const res = await http(`${url}/submit`, { body: payment() });
        expect(res.status).toBe(429);
        expect(res.headers.get('retry-after')).toBe('7');
        await setFaults(url, { submit: [{ kind: 'rate_limit' }] });
        expect((await http(`${url}/submit`, { body: payment() })).headers.get('retry-after')).toBe('1');
        expect(await recorded(url)).toBe(0);
      },
    );
  });

  it('reset destroys the socket without answering and records nothing', async () => {
    await withMock({ faults: { submit: [{ kind: 'reset' }] } }, async ({ url }) => {
      const error = await failure(http(`${url}/submit`, { body: payment() }));
      expect(error).toBeInstanceOf(TypeError); // fetch failed: other side closed
      expect(await recorded(url)).toBe(0);
    });
  });

  it('hang never answers, records nothing, and the socket is released when the client gives up', async () => {
    await withMock({ faults: { submit: [{ kind: 'hang', count: 1 }] } }, async ({ url, app }) => {
      const started = Date.now();
      const error = await failure(http(`${url}/submit`, { body: payment(), timeoutMs: 300 }));
      expect(error.name).toBe('TimeoutError');
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
      expect(await recorded(url)).toBe(0);
      // however long the server takes to notice the closed socket
      await vi.waitFor(() => expect(app.mock.inflight.hungCount).toBe(0), { timeout: 20_000, interval: 10 });
    });
  });

  it('latency delays a normal answer', async () => {
    await withMock({ faults: { submit: [{ kind: 'latency', latency_ms: 150 }] } }, async ({ url }) => {
      const started = Date.now();
      const res = await http(`${url}/submit`, { body: payment() });
      expect(Date.now() - started).toBeGreaterThanOrEqual(140);
      expect(res.status).toBe(200);
      expect(await recorded(url)).toBe(1);
    });
  });

  it('latency longer than the client waits: the client gives up, the payment is recorded late anyway', async () => {
    const latencyMs = 400;
    const offsetMs = -90_000; // created_at is in the mock's clock, not ours
    await withMock(
      { clockOffsetMs: offsetMs, faults: { submit: [{ kind: 'latency', latency_ms: latencyMs }] } },
      async ({ url }) => {
        const arrival = Date.now() + offsetMs;
        const error = await failure(http(`${url}/submit`, { body: payment(), timeoutMs: 100 }));
        expect(error.name).toBe('TimeoutError');
        expect(await recorded(url)).toBe(0); // still inside the latency

        await vi.waitFor(async () => expect(await recorded(url)).toBe(1), { timeout: 5_000, interval: 20 });
        const seen = Date.now() + offsetMs;
        const [stored] = await json<FullPayment[]>(`${url}/__mock/payments`);
        expect(stored?.created_at).toMatch(NAIVE_TIMESTAMP);
        const createdMs = parseTimestamp(stored?.created_at ?? '');
        // arrival + latency; 1 ms of slack for timers that fire on a rounded millisecond
        expect(createdMs).toBeGreaterThanOrEqual(arrival + latencyMs - 1);
        expect(createdMs).toBeLessThanOrEqual(seen);
        expect(await json(`${url}/__mock/stats`)).toMatchObject({ submits_received: 1, submits_recorded: 1 });
      },
    );
  });

  it('malformed records the payment and answers 200 with truncated JSON', async () => {
    await withMock({ faults: { submit: [{ kind: 'malformed' }] } }, async ({ url }) => {
      const res = await http(`${url}/submit`, { body: payment() });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/application\/json/);
      expect(() => JSON.parse(res.text)).toThrow();
      expect(res.text.startsWith('{"confirmation_id": "')).toBe(true);
      expect(await recorded(url)).toBe(1);
    });
  });

  it('accept_then_error records the payment and answers 500', async () => {
    await withMock({ faults: { submit: [{ kind: 'accept_then_error' }] } }, async ({ url }) => {
      expect((await http(`${url}/submit`, { body: payment() })).status).toBe(500);
      const [stored] = await json<FullPayment[]>(`${url}/__mock/payments`);
      expect(stored?.confirmation_id).toMatch(UUID);
      expect(stored?.status).toBe('pending');
    });
  });

  it.each([503, 504] as const)('accept_then_error with status_code %i records the payment and answers it', async (code) => {
    await withMock({ faults: { submit: [{ kind: 'accept_then_error', status_code: code }] } }, async ({ url }) => {
      const res = await http(`${url}/submit`, { body: payment() });
      expect(res.status).toBe(code);
      expect(JSON.parse(res.text)).toHaveProperty('detail');
      const stored = await json<FullPayment[]>(`${url}/__mock/payments`);
      expect(stored).toHaveLength(1);
      expect(stored[0]).toMatchObject({ confirmation_id: expect.stringMatching(UUID), status: 'pending' });
    });
  });

  it('accept_then_reset records the payment and destroys the socket', async () => {
    await withMock({ faults: { submit: [{ kind: 'accept_then_reset' }] } }, async ({ url }) => {
      expect(await failure(http(`${url}/submit`, { body: payment() }))).toBeInstanceOf(TypeError);
      expect(await recorded(url)).toBe(1);
    });
  });

  it('accept_then_hang records the payment and never answers', async () => {
    await withMock({ faults: { submit: [{ kind: 'accept_then_hang' }] } }, async ({ url }) => {
      const error = await failure(http(`${url}/submit`, { body: payment(), timeoutMs: 300 }));
      expect(error.name).toBe('TimeoutError');
      expect(await recorded(url)).toBe(1);
    });
  });

  it('a counted fault fires on the next N requests, then requests succeed', async () => {
    await withMock({}, async ({ url }) => {
      await setFaults(url, { submit: [{ kind: 'error', status_code: 503, count: 2 }] });
      const codes = [];
      for (let i = 0; i < 4; i++) codes.push((await http(`${url}/submit`, { body: payment() })).status);
      expect(codes).toEqual([503, 503, 200, 200]);
      const current = await json<{ submit: { count: number }[] }>(`${url}/__mock/faults`);
      expect(current.submit[0]?.count).toBe(0);
    });
  });

  it('a seeded probability gives the same pattern every time', async () => {
    await withMock({}, async ({ url }) => {
      const pattern = async () => {
        await setFaults(url, { seed: 99, submit: [{ kind: 'error', probability: 0.5 }] });
        let out = '';
        for (let i = 0; i < 24; i++) out += (await http(`${url}/submit`, { body: payment() })).status === 200 ? '.' : 'E';
        return out;
      };
      const first = await pattern();
      expect(first).toMatch(/E/);
      expect(first).toMatch(/\./);
      expect(await pattern()).toBe(first);
    });
  });

  it('a fault is not spent on an invalid request: validation answers 422 first', async () => {
    await withMock({ faults: { submit: [{ kind: 'error', count: 1 }] } }, async ({ url }) => {
      expect((await http(`${url}/submit`, { body: {} })).status).toBe(422);
      expect((await http(`${url}/submit`, { body: payment() })).status).toBe(500);
    });
  });
});

describe('status faults over HTTP', () => {
  it('truncated answers 200 with a prefix of the array that is not valid JSON', async () => {
    await withMock({ faults: { status: [{ kind: 'truncated', count: 1 }] } }, async ({ url, app }) => {
      app.mock.store.seed({ count: 2_000 }, Date.now());
      const res = await http(`${url}/status`);
      expect(res.status).toBe(200);
      expect(res.text.startsWith('[{"confirmation_id":')).toBe(true);
      expect(() => JSON.parse(res.text)).toThrow();
      expect(res.text.length).toBeLessThan(2_000 * 150);
      expect(res.text.length).toBeGreaterThan(500 * 100);
      // count exhausted: the next call is whole
      expect(await json<unknown[]>(`${url}/status`)).toHaveLength(2_000);
    });
  });

  it('truncated on an empty store still sends invalid JSON', async () => {
    await withMock({ faults: { status: [{ kind: 'truncated' }] } }, async ({ url }) => {
      const res = await http(`${url}/status`);
      expect(res.text).toBe('[');
    });
  });

  it('malformed answers 200 with non-JSON garbage', async () => {
    await withMock({ faults: { status: [{ kind: 'malformed' }] } }, async ({ url }) => {
      const res = await http(`${url}/status`);
      expect(res.status).toBe(200);
      expect(() => JSON.parse(res.text)).toThrow();
    });
  });

  it('error, rate_limit, reset, hang and latency', async () => {
    await withMock({}, async ({ url }) => {
      await setFaults(url, {
        status: [
          { kind: 'error', status_code: 502, count: 1 },
          { kind: 'rate_limit', retry_after_s: 2, count: 1 },
          { kind: 'reset', count: 1 },
          { kind: 'hang', count: 1 },
          { kind: 'latency', latency_ms: 120, count: 1 },
        ],
      });
      expect((await http(`${url}/status`)).status).toBe(502);
      const limited = await http(`${url}/status`);
      expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '2']);
      expect(await failure(http(`${url}/status`))).toBeInstanceOf(TypeError);
      expect((await failure(http(`${url}/status`, { timeoutMs: 300 }))).name).toBe('TimeoutError');
      const started = Date.now();
      expect(await json(`${url}/status`)).toEqual([]);
      expect(Date.now() - started).toBeGreaterThanOrEqual(110);
      expect(await json(`${url}/__mock/stats`)).toMatchObject({
        status_requests: 5,
        faults_injected: { submit: {}, status: { error: 1, rate_limit: 1, reset: 1, hang: 1, latency: 1 } },
      });
    });
  });
});

describe('closing with requests hung', () => {
  it('close() destroys hung sockets instead of waiting for them', async () => {
    await withMock(
      { faults: { submit: [{ kind: 'hang' }], status: [{ kind: 'latency', latency_ms: 60_000 }] } },
      async (mock) => {
        const hung = failure(http(`${mock.url}/submit`, { body: payment(), timeoutMs: 30_000 }));
        const slow = failure(http(`${mock.url}/status`, { timeoutMs: 30_000 }));
        await vi.waitFor(() => expect(mock.app.mock.inflight.hungCount).toBe(1), { timeout: 20_000, interval: 10 });
        // the hang never ends and the latency is 60 s: close() returning within the test's timeout
        // shows it did not wait for them
        await mock.close();
        expect(await hung).toBeInstanceOf(TypeError);
        expect(await slow).toBeInstanceOf(TypeError);
      },
    );
  });
});
