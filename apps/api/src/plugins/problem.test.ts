import { validatorCompiler } from 'fastify-type-provider-zod';
import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import { toFieldErrors } from './problem.js';

type Validation = Parameters<typeof toFieldErrors>[0];

/** The validation errors Fastify hands the error handler, made by the same compiler the API uses. */
function validationOf(schema: z.ZodType, data: unknown): Validation {
  const validate = validatorCompiler({ schema, method: 'POST', url: '/test', httpPart: 'body' });
  const result = validate(data) as { error?: Validation };
  if (!result.error) throw new Error('expected the data to be invalid');
  return result.error;
}

const body = z.strictObject({
  amount: z.string(),
  payee: z.strictObject({ account: z.string().regex(/^\d+$/, 'must contain digits only') }),
  tags: z.array(z.string()).optional(),
});

describe('toFieldErrors', () => {
  test('expands unrecognized keys to one entry per key', () => {
    const errors = toFieldErrors(validationOf(body, { amount: '1', payee: { account: '1' }, foo: 1, bar: 2 }), 'body');
    expect(errors).toEqual([
      { field: 'body.foo', message: 'is not a known field' },
      { field: 'body.bar', message: 'is not a known field' },
    ]);
  });

  test('names nested fields with dots, array items by index', () => {
    const errors = toFieldErrors(
      validationOf(body, { amount: '1', payee: { account: 'x1', extra: true }, tags: ['a', 3] }),
      'body',
    );
    expect(errors).toEqual([
      { field: 'body.payee.account', message: 'must contain digits only' },
      { field: 'body.payee.extra', message: 'is not a known field' },
      { field: 'body.tags.1', message: expect.any(String) },
    ]);
  });

  test('lists every bad field at once, under the given context', () => {
    const errors = toFieldErrors(validationOf(body, { payee: {} }), 'query');
    expect(errors.map((error) => error.field)).toEqual(['query.amount', 'query.payee.account']);
    for (const error of errors) expect(error.message).not.toBe('');
  });

  test('names the context itself for an issue about the whole value', () => {
    expect(toFieldErrors(validationOf(body, null), 'body')).toEqual([{ field: 'body', message: expect.any(String) }]);
  });

  test.each([
    [{ instancePath: '/a/b', keyword: 'custom', params: {}, message: 'bad' }, [{ field: 'body.a.b', message: 'bad' }]],
    [{ instancePath: '', keyword: 'custom', params: {} }, [{ field: 'body', message: 'is invalid' }]],
    [
      { instancePath: '/', keyword: 'unrecognized_keys', params: { keys: ['x', 'y'] } },
      [
        { field: 'body.x', message: 'is not a known field' },
        { field: 'body.y', message: 'is not a known field' },
      ],
    ],
    [{ instancePath: '/', keyword: 'unrecognized_keys', params: {}, message: 'odd' }, [{ field: 'body', message: 'odd' }]],
  ])('maps %j', (issue, expected) => {
    expect(toFieldErrors([issue], 'body')).toEqual(expected);
  });
});
