import { describe, expect, it } from 'vitest';
import { buildGatewayMock } from './app.js';
import { MAX_CLOCK_OFFSET_MS, MockClock } from './clock.js';
import { type FullPayment, http, json, NAIVE_TIMESTAMP, payment, type StatusEntry, withMock } from './test-helpers.js';
import { parseTimestamp } from './timestamps.js';

const HOUR = 3_600_000;
/** 2026-03-29T00:59:59.123Z: an hour before the EU daylight-saving change. */
const BASE = Date.UTC(2026, 2, 29, 0, 59, 59, 123);

interface ClockView {
  offset_ms: number;
  now: string;
}

const createdAt = async (url: string, receiver?: string) =>
  (await json<{ created_at: string }>(`${url}/submit`, { body: payment(receiver) })).created_at;

describe('MockClock', () => {
  it('is the base clock plus the offset, and steps when the offset changes', () => {
    let base = BASE;
    const clock = new MockClock(() => base, -HOUR);
    const { now } = clock; // held unbound, as the routes hold it
    expect([clock.offsetMs, now()]).toEqual([-HOUR, BASE - HOUR]);
    base += 10;
    clock.setOffset(HOUR);
    expect(now()).toBe(BASE + 10 + HOUR);
    expect(new MockClock().offsetMs).toBe(0);
  });

  it.each([1.5, Number.NaN, Number.POSITIVE_INFINITY, MAX_CLOCK_OFFSET_MS + 1, -MAX_CLOCK_OFFSET_MS - 1])(
    'rejects an offset of %d',
    (offset) => {
      expect(() => new MockClock(Date.now, offset)).toThrow(RangeError);
      expect(() => new MockClock().setOffset(offset)).toThrow(/clockOffsetMs/);
      expect(() => buildGatewayMock({ clockOffsetMs: offset })).toThrow(RangeError);
    },
  );
});

describe('the mock clock over HTTP', () => {
  it('stamps created_at with the offset on top of the `now` option, in the naive style', async () => {
    await withMock({ now: () => BASE, clockOffsetMs: HOUR }, async ({ url }) => {
      const stamp = await createdAt(url);
      expect(stamp).toMatch(NAIVE_TIMESTAMP);
      expect(stamp).toBe('2026-03-29T01:59:59.123000');
      expect(await json<ClockView>(`${url}/__mock/clock`)).toEqual({ offset_ms: HOUR, now: '2026-03-29T01:59:59.123Z' });
    });
  });

  it('stamps created_at behind the real clock with a negative offset', async () => {
    await withMock({ clockOffsetMs: -90 * 60_000 }, async ({ url }) => {
      const before = Date.now();
      const stamp = await createdAt(url);
      const after = Date.now();
      expect(stamp).toMatch(NAIVE_TIMESTAMP);
      expect(parseTimestamp(stamp)).toBeGreaterThanOrEqual(before - 90 * 60_000);
      expect(parseTimestamp(stamp)).toBeLessThanOrEqual(after - 90 * 60_000);
    });
  });

  it('PUT /__mock/clock steps the clock at run time; recorded payments keep their timestamps', async () => {
    await withMock({ now: () => BASE }, async ({ url }) => {
      expect(await json<ClockView>(`${url}/__mock/clock`)).toEqual({ offset_ms: 0, now: '2026-03-29T00:59:59.123Z' });
      const first = await createdAt(url);

      const stepped = await json<ClockView>(`${url}/__mock/clock`, { method: 'PUT', body: { offset_ms: HOUR } });
      expect(stepped).toEqual({ offset_ms: HOUR, now: '2026-03-29T01:59:59.123Z' });
      expect(await json<ClockView>(`${url}/__mock/clock`)).toEqual(stepped);
      const second = await createdAt(url);

      expect([first, second]).toEqual(['2026-03-29T00:59:59.123000', '2026-03-29T01:59:59.123000']);
      const stored = await json<FullPayment[]>(`${url}/__mock/payments`);
      expect(stored.map((p) => p.created_at)).toEqual([first, second]);
    });
  });

  it('resolution follows the stepped clock: forward resolves early, back holds until it catches up', async () => {
    let base = BASE;
    await withMock({ now: () => base, delaySeconds: 10 }, async ({ url }) => {
      const statuses = async () => (await json<StatusEntry[]>(`${url}/status`)).map((e) => e.status);
      await createdAt(url, 'RCV-1');
      await http(`${url}/__mock/clock`, { method: 'PUT', body: { offset_ms: 10_000 } });
      expect(await statuses()).toEqual(['settled']);
      const [resolved] = await json<StatusEntry[]>(`${url}/status`);
      expect(resolved?.updated_at).toBe('2026-03-29T01:00:09.123000');

      // Stepped back an hour: a payment now is dated before the first one and waits in the mock's time.
      await http(`${url}/__mock/clock`, { method: 'PUT', body: { offset_ms: -HOUR } });
      expect(await createdAt(url, 'RCV-9')).toBe('2026-03-28T23:59:59.123000');
      base += 9_000;
      expect(await statuses()).toEqual(['settled', 'pending']);
      base += 1_000;
      expect(await statuses()).toEqual(['settled', 'failed']);
    });
  });

  it('rejects a bad clock body with 400 and leaves the offset unchanged', async () => {
    await withMock({ clockOffsetMs: 5_000 }, async ({ url }) => {
      for (const body of [
        {},
        { offset_ms: 1.5 },
        { offset_ms: '60000' },
        { offset_ms: null },
        { offset_ms: MAX_CLOCK_OFFSET_MS + 1 },
        { offset_ms: 0, extra: true },
      ]) {
        const res = await http(`${url}/__mock/clock`, { method: 'PUT', body });
        expect(res.status).toBe(400);
        expect(JSON.parse(res.text)).toMatchObject({ error: 'invalid clock', message: expect.any(String) });
      }
      expect((await http(`${url}/__mock/clock`, { method: 'PUT', raw: 'nope' })).status).toBe(400);
      expect((await json<ClockView>(`${url}/__mock/clock`)).offset_ms).toBe(5_000);
    });
  });
});
