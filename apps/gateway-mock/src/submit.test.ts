import { describe, expect, it } from 'vitest';
import { type FullPayment, http, ISO_TIMESTAMP, json, NAIVE_TIMESTAMP, payment, UUID, withMock } from './test-helpers.js';

interface Detail {
  type: string;
  loc: (string | number)[];
  msg: string;
  input: unknown;
}

describe('POST /submit', () => {
  it('answers 200 with confirmation_id, pending and a naive timestamp by default', async () => {
    await withMock({}, async ({ url }) => {
      const before = Date.now();
      const res = await http(`${url}/submit`, { body: payment('RCV-1', { memo: 'rent' }) });
      const after = Date.now();
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/application\/json/);
      const body = JSON.parse(res.text) as Record<string, unknown>;
      expect(Object.keys(body).sort()).toEqual(['confirmation_id', 'created_at', 'status']);
      expect(body.confirmation_id).toMatch(UUID);
      expect(body.status).toBe('pending');
      expect(body.created_at).toMatch(NAIVE_TIMESTAMP);
      // zone-less means UTC: read as UTC, it is the moment the request was handled
      const createdMs = Date.parse(`${body.created_at as string}Z`);
      expect(createdMs).toBeGreaterThanOrEqual(before);
      expect(createdMs).toBeLessThanOrEqual(after);

      const [recorded] = await json<FullPayment[]>(`${url}/__mock/payments`);
      expect(recorded).toMatchObject({
        confirmation_id: body.confirmation_id,
        sender_account: 'SND-000001',
        receiver_account: 'RCV-1',
        amount: 100.5,
        memo: 'rent',
        status: 'pending',
        created_at: body.created_at,
        updated_at: body.created_at,
      });
    });
  });

  it('uses ISO timestamps with Z when timestampStyle is iso', async () => {
    await withMock({ timestampStyle: 'iso' }, async ({ url }) => {
      const body = await json<{ created_at: string }>(`${url}/submit`, { body: payment() });
      expect(body.created_at).toMatch(ISO_TIMESTAMP);
    });
  });

  it('accepts float amounts, null or absent memo, a 255-code-point memo and any non-empty account', async () => {
    await withMock({}, async ({ url }) => {
      const bodies = [
        payment('x', { amount: 0.01 }),
        payment(' ', { memo: null }),
        payment('ünïcødé', { memo: '€'.repeat(255) }),
        payment('emoji', { memo: '😀'.repeat(255) }), // 510 UTF-16 units, 255 code points
        payment('extra', { unknown_field: true }),
      ];
      for (const body of bodies) expect((await http(`${url}/submit`, { body })).status).toBe(200);
      expect(await json<unknown[]>(`${url}/__mock/payments`)).toHaveLength(bodies.length);
    });
  });

  it('answers 422 listing every bad field at once, FastAPI style, and records nothing', async () => {
    await withMock({}, async ({ url }) => {
      const res = await http(`${url}/submit`, {
        body: { sender_account: '', receiver_account: 42, amount: -5, memo: 'm'.repeat(256) },
      });
      expect(res.status).toBe(422);
      const { detail } = JSON.parse(res.text) as { detail: Detail[] };
      expect(detail.map((d) => [d.type, d.loc])).toEqual([
        ['string_too_short', ['body', 'sender_account']],
        ['string_type', ['body', 'receiver_account']],
        ['greater_than', ['body', 'amount']],
        ['string_too_long', ['body', 'memo']],
      ]);
      for (const d of detail) expect(typeof d.msg).toBe('string');
      expect(detail[2]?.input).toBe(-5);

      const missing = await json<{ detail: Detail[] }>(`${url}/submit`, { body: { memo: 7 } });
      expect(missing.detail.map((d) => `${d.type}:${d.loc.join('.')}`)).toEqual([
        'missing:body.sender_account',
        'missing:body.receiver_account',
        'missing:body.amount',
        'string_type:body.memo',
      ]);

      const types = await json<{ detail: Detail[] }>(`${url}/submit`, { body: payment('r', { amount: '10.00' }) });
      expect(types.detail).toEqual([
        { type: 'float_type', loc: ['body', 'amount'], msg: 'Input should be a valid number', input: '10.00' },
      ]);
      const zero = await json<{ detail: Detail[] }>(`${url}/submit`, { body: payment('r', { amount: 0 }) });
      expect(zero.detail[0]?.type).toBe('greater_than');

      const stats = await json<{ submits_received: number; submits_invalid: number; payments: number }>(`${url}/__mock/stats`);
      expect(stats).toMatchObject({ submits_received: 4, submits_invalid: 4, payments: 0 });
    });
  });

  it('answers 422 for unparseable JSON, a non-object body, a non-JSON content type and no body', async () => {
    await withMock({}, async ({ url }) => {
      const broken = await http(`${url}/submit`, { raw: '{"sender_account": "a", ' });
      expect(broken.status).toBe(422);
      expect((JSON.parse(broken.text) as { detail: Detail[] }).detail[0]).toMatchObject({
        type: 'json_invalid',
        loc: ['body', expect.any(Number)],
        msg: 'JSON decode error',
      });

      const array = await json<{ detail: Detail[] }>(`${url}/submit`, { body: [payment()] });
      expect(array.detail[0]).toMatchObject({ type: 'model_attributes_type', loc: ['body'] });

      const text = await http(`${url}/submit`, { raw: JSON.stringify(payment()), contentType: 'text/plain' });
      expect(text.status).toBe(422);

      const empty = await http(`${url}/submit`, { method: 'POST' });
      expect(empty.status).toBe(422);
      expect(JSON.parse(empty.text)).toEqual({
        detail: [{ type: 'missing', loc: ['body'], msg: 'Field required', input: null }],
      });
      expect(await json<unknown[]>(`${url}/__mock/payments`)).toEqual([]);
    });
  });

  it('answers /health and a FastAPI-like 404', async () => {
    await withMock({}, async ({ url }) => {
      expect(await json(`${url}/health`)).toEqual({ status: 'ok' });
      const missing = await http(`${url}/nope`);
      expect(missing.status).toBe(404);
      expect(JSON.parse(missing.text)).toEqual({ detail: 'Not Found' });
    });
  });
});
