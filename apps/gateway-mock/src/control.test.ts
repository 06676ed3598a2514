import { describe, expect, it } from 'vitest';
import { resolutionFor } from './store.js';
import { type FullPayment, http, json, NAIVE_TIMESTAMP, payment, type StatusEntry, UUID, withMock } from './test-helpers.js';

interface SeedAnswer {
  seeded: number;
  confirmation_ids_sample: string[];
}

describe('/__mock control surface', () => {
  it('seeds 100k payments and /status lists them all', async () => {
    await withMock({}, async ({ url }) => {
      const answer = await json<SeedAnswer>(`${url}/__mock/seed`, { body: { count: 100_000 } });
      expect(answer.seeded).toBe(100_000);
      expect(answer.confirmation_ids_sample).toHaveLength(5);
      for (const id of answer.confirmation_ids_sample) expect(id).toMatch(UUID);

      const entries = await json<StatusEntry[]>(`${url}/status`);
      expect(entries).toHaveLength(100_000);
      expect(entries.slice(0, 5).map((e) => e.confirmation_id)).toEqual(answer.confirmation_ids_sample);
      expect(new Set(entries.map((e) => e.confirmation_id)).size).toBe(100_000);
      expect(entries.every((e) => e.status === 'pending')).toBe(true);
    });
  });

  it('seeds with a status whose receiver accounts agree with the resolution rule, and mixed', async () => {
    await withMock({}, async ({ url }) => {
      for (const status of ['settled', 'returned', 'failed'] as const) {
        await http(`${url}/__mock/payments`, { method: 'DELETE' });
        await http(`${url}/__mock/seed`, { body: { count: 50, status } });
        const all = await json<FullPayment[]>(`${url}/__mock/payments`);
        expect(all.every((p) => p.status === status && resolutionFor(p.receiver_account) === status)).toBe(true);
        expect(all.every((p) => p.updated_at >= p.created_at)).toBe(true);
      }
      await http(`${url}/__mock/payments`, { method: 'DELETE' });
      await http(`${url}/__mock/seed`, { body: { count: 400, status: 'mixed' } });
      const counts: Record<string, number> = {};
      for (const p of await json<FullPayment[]>(`${url}/__mock/payments`)) counts[p.status] = (counts[p.status] ?? 0) + 1;
      expect(counts).toEqual({ pending: 100, settled: 100, returned: 100, failed: 100 });
    });
  });

  it('seeds with a given created_at (zone-less = UTC); pending ones in the past resolve on the next /status', async () => {
    await withMock({ delaySeconds: 10 }, async ({ url }) => {
      await http(`${url}/__mock/seed`, { body: { count: 10, created_at: '2026-01-01T12:00:00.123456' } });
      const entries = await json<StatusEntry[]>(`${url}/status`);
      expect(entries.every((e) => e.created_at === '2026-01-01T12:00:00.123000')).toBe(true);
      expect(entries.map((e) => e.status)).toEqual(Array.from({ length: 10 }, (_, i) => resolutionFor(String(i))));
    });
  });

  it('streams every seeded id when return_ids is true', async () => {
    await withMock({}, async ({ url }) => {
      const res = await http(`${url}/__mock/seed`, { body: { count: 5_000, return_ids: true } });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-seeded-count')).toBe('5000');
      const ids = JSON.parse(res.text) as string[];
      expect(ids).toHaveLength(5_000);
      const listed = await json<StatusEntry[]>(`${url}/status`);
      expect(listed.map((e) => e.confirmation_id)).toEqual(ids);
      const empty = await json(`${url}/__mock/seed`, { body: { count: 0, return_ids: true } });
      expect(empty).toEqual([]);
    });
  });

  it('rejects a bad seed request with 400 and a message', async () => {
    await withMock({}, async ({ url }) => {
      for (const body of [
        { count: -1 },
        { count: 1.5 },
        { count: 1, status: 'lost' },
        { count: 1, created_at: 'yesterday' },
        {},
      ]) {
        const res = await http(`${url}/__mock/seed`, { body });
        expect(res.status).toBe(400);
        expect((JSON.parse(res.text) as { message: string }).message.length).toBeGreaterThan(0);
      }
      expect((await http(`${url}/__mock/seed`, { raw: '{' })).status).toBe(400);
    });
  });

  it('lists payments with every field, and DELETE empties the store', async () => {
    await withMock({}, async ({ url }) => {
      await http(`${url}/submit`, { body: payment('R"quoted"\\9', { memo: 'line\nbreak "q"', amount: 12.34 }) });
      const [p] = await json<FullPayment[]>(`${url}/__mock/payments`);
      expect(Object.keys(p ?? {})).toEqual([
        'confirmation_id',
        'sender_account',
        'receiver_account',
        'amount',
        'memo',
        'status',
        'created_at',
        'updated_at',
      ]);
      expect(p).toMatchObject({ receiver_account: 'R"quoted"\\9', memo: 'line\nbreak "q"', amount: 12.34 });
      expect(p?.created_at).toMatch(NAIVE_TIMESTAMP);

      expect(await json(`${url}/__mock/payments`, { method: 'DELETE' })).toEqual({ deleted: 1 });
      expect(await json(`${url}/__mock/payments`)).toEqual([]);
      expect(await json(`${url}/status`)).toEqual([]);
    });
  });

  it('PUT/GET/DELETE /__mock/faults, with 400 on a bad config', async () => {
    await withMock({}, async ({ url }) => {
      const config = { submit: [{ kind: 'error', status_code: 503, count: 3 }], status: [], seed: 5 };
      expect(await json(`${url}/__mock/faults`, { method: 'PUT', body: config })).toEqual(config);
      expect(await json(`${url}/__mock/faults`)).toEqual(config);

      const bad = await http(`${url}/__mock/faults`, { method: 'PUT', body: { submit: [{ kind: 'truncated' }] } });
      expect(bad.status).toBe(400);
      expect(JSON.parse(bad.text)).toMatchObject({ error: 'invalid fault config', message: expect.stringContaining('kind') });
      expect(await json(`${url}/__mock/faults`)).toEqual(config); // unchanged
      expect((await http(`${url}/__mock/faults`, { method: 'PUT', raw: 'nope' })).status).toBe(400);

      expect(await json(`${url}/__mock/faults`, { method: 'DELETE' })).toEqual({ submit: [], status: [] });
      expect((await http(`${url}/submit`, { body: payment() })).status).toBe(200);
    });
  });

  it('counts submits, recorded submits, status requests and faults by kind; DELETE resets', async () => {
    await withMock(
      {
        faults: {
          submit: [
            { kind: 'rate_limit', count: 1 },
            { kind: 'accept_then_error', count: 1 },
          ],
        },
      },
      async ({ url }) => {
        for (let i = 0; i < 3; i++) await http(`${url}/submit`, { body: payment() });
        await http(`${url}/submit`, { body: {} });
        await http(`${url}/status`);
        expect(await json(`${url}/__mock/stats`)).toEqual({
          submits_received: 4,
          submits_recorded: 2,
          submits_invalid: 1,
          status_requests: 1,
          payments: 2,
          pending: 2,
          hung_connections: 0,
          faults_injected: { submit: { rate_limit: 1, accept_then_error: 1 }, status: {} },
        });
        const reset = await json<{ submits_received: number; payments: number }>(`${url}/__mock/stats`, { method: 'DELETE' });
        expect(reset).toMatchObject({ submits_received: 0, payments: 2 });
      },
    );
  });
});
