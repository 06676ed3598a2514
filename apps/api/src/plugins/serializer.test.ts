import { paymentListSchema, paymentSchema, problemSchema } from '@pt/core';
import { describe, expect, it } from 'vitest';
import { serializerCompiler, toSerializerSchema } from './serializer.js';

const compile = (schema: Parameters<typeof serializerCompiler>[0]['schema']) =>
  serializerCompiler({ schema, method: 'GET', url: '/test', httpStatus: '200' });

const payment = {
  id: '01a2162f-8304-7aa8-808a-b250dcce2242',
  status: 'pending',
  amount: '100.50',
  sender_account: '123456789012',
  receiver_account: '987654321098',
  memo: 'rent "june"\n',
  confirmation_id: 'd5a7a071-e66d-48ba-b0d1-6edff63404a3',
  failure_reason: null,
  created_at: '2026-11-26T04:49:02.222Z',
  submitted_at: '2026-11-26T04:49:02.300Z',
  resolved_at: null,
  updated_at: '2026-11-26T04:49:02.300Z',
  last_synced_at: null,
};

describe('the response serializer', () => {
  it('writes what zod would output, byte for byte', () => {
    const serialize = compile(paymentSchema);
    expect(serialize(payment)).toBe(JSON.stringify(paymentSchema.parse(payment)));
    const resolved = { ...payment, status: 'failed', failure_reason: 'declined', resolved_at: '2026-11-26T05:00:00.000Z' };
    expect(serialize(resolved)).toBe(JSON.stringify(paymentSchema.parse(resolved)));
  });

  it('writes lists, with their nested payments and a null cursor', () => {
    const list = { items: [payment, { ...payment, memo: null }], next_cursor: null };
    expect(compile(paymentListSchema)(list)).toBe(JSON.stringify(paymentListSchema.parse(list)));
  });

  it('leaves out properties the schema does not declare, as zod did', () => {
    const withInternals = { ...payment, client_id: 'c-1', attempts: 3 };
    const written = JSON.parse(compile(paymentSchema)(withInternals));
    expect(written).not.toHaveProperty('client_id');
    expect(written).not.toHaveProperty('attempts');
  });

  it('writes optional problem members only when present', () => {
    const serialize = compile(problemSchema);
    const plain = { type: 'about:blank', title: 'Not Found', status: 404, detail: 'No payment.', request_id: 'r-1' };
    expect(JSON.parse(serialize(plain))).toEqual(plain);
    const withErrors = { ...plain, status: 422, errors: [{ field: 'body.amount', message: 'is required' }] };
    expect(JSON.parse(serialize(withErrors))).toEqual(withErrors);
  });

  it('refuses an answer missing a required property (a 500, never a silently wrong body)', () => {
    const { id: _id, ...withoutId } = payment;
    expect(() => compile(paymentSchema)(withoutId)).toThrow(/id/);
  });

  it('turns nullable fields into type lists and drops validation-only patterns', () => {
    const text = JSON.stringify(toSerializerSchema(paymentSchema));
    expect(text).not.toContain('anyOf');
    expect(text).not.toContain('pattern');
    expect(text).toContain('"type":["string","null"]');
  });
});
