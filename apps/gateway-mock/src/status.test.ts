import { describe, expect, it } from 'vitest';
import { http, json, NAIVE_TIMESTAMP, payment, type StatusEntry, sleep, withMock } from './test-helpers.js';
import { formatTimestamp } from './timestamps.js';

const EXPECTED: Record<string, string> = {
  '0': 'settled',
  '1': 'settled',
  '2': 'settled',
  '3': 'settled',
  '4': 'returned',
  '5': 'returned',
  '6': 'returned',
  '7': 'failed',
  '8': 'failed',
  '9': 'failed',
  x: 'settled',
  '-': 'settled',
};

describe('GET /status', () => {
  it('resolves after the delay by the receiver account last character (0–3 settled, 4–6 returned, 7–9 failed, other settled)', async () => {
    await withMock({ delaySeconds: 0.05 }, async ({ url }) => {
      const ids = new Map<string, string>();
      for (const last of Object.keys(EXPECTED)) {
        const body = await json<{ confirmation_id: string }>(`${url}/submit`, { body: payment(`ACC-99${last}`) });
        ids.set(body.confirmation_id, last);
      }
      // (pending-before-the-delay is checked with a fake clock below: real time is too racy at 50 ms)
      await sleep(120);
      const after = await json<StatusEntry[]>(`${url}/status`);
      expect(after.map((e) => e.confirmation_id)).toEqual([...ids.keys()]);
      for (const entry of after) {
        expect(entry.status).toBe(EXPECTED[ids.get(entry.confirmation_id) ?? '']);
        expect(Object.keys(entry).sort()).toEqual(['confirmation_id', 'created_at', 'status', 'updated_at']);
        expect(entry.created_at).toMatch(NAIVE_TIMESTAMP);
        expect(entry.updated_at).toMatch(NAIVE_TIMESTAMP);
        expect(entry.updated_at > entry.created_at).toBe(true);
      }
    });
  });

  it('sets updated_at to the time of the /status call that resolves it, and never changes it again', async () => {
    let clock = Date.UTC(2026, 0, 1, 12, 0, 0, 123);
    await withMock({ delaySeconds: 10, now: () => clock }, async ({ url }) => {
      const { confirmation_id } = await json<{ confirmation_id: string }>(`${url}/submit`, {
        body: payment('R-7'),
      });
      clock += 9_999;
      expect((await json<StatusEntry[]>(`${url}/status`))[0]?.status).toBe('pending');
      clock += 30_000; // well past the delay: resolution time is the call, not created_at + delay
      const [entry] = await json<StatusEntry[]>(`${url}/status`);
      expect(entry).toEqual({
        confirmation_id,
        status: 'failed',
        created_at: '2026-01-01T12:00:00.123000',
        updated_at: formatTimestamp(clock, 'naive'),
      });
      const resolvedAt = clock;
      clock += 60_000;
      const [again] = await json<StatusEntry[]>(`${url}/status`);
      expect(again?.updated_at).toBe(formatTimestamp(resolvedAt, 'naive'));
    });
  });

  it('streams every payment ever submitted as one chunked JSON array', async () => {
    await withMock({ delaySeconds: 0 }, async ({ url, app }) => {
      app.mock.store.seed({ count: 20_000, status: 'mixed' }, Date.now());
      await http(`${url}/submit`, { body: payment('R-4') });
      const res = await http(`${url}/status`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(res.headers.get('transfer-encoding')).toBe('chunked');
      const entries = JSON.parse(res.text) as StatusEntry[];
      expect(entries).toHaveLength(20_001);
      expect(new Set(entries.map((e) => e.confirmation_id)).size).toBe(20_001);
      expect(entries.some((e) => e.status === 'pending')).toBe(false); // delay 0: all resolved
      expect(entries.at(-1)?.status).toBe('returned');
    });
  });

  it('returns an empty array when nothing was submitted', async () => {
    await withMock({}, async ({ url }) => {
      expect(await json(`${url}/status`)).toEqual([]);
    });
  });

  it('resolves payments seeded in the past on the next call even when newer ones are still pending', async () => {
    await withMock({ delaySeconds: 60 }, async ({ url, app }) => {
      await http(`${url}/submit`, { body: payment('R-1') }); // pending, due in 60 s
      app.mock.store.seed({ count: 3, createdMs: Date.now() - 120_000 }, Date.now()); // already due
      const entries = await json<StatusEntry[]>(`${url}/status`);
      expect(entries.map((e) => e.status)).toEqual(['pending', 'settled', 'settled', 'settled']);
      expect(app.mock.store.pendingCount).toBe(1);
    });
  });
});
