import { AppError } from '@pt/core';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { scanJson } from './json-scan.js';

/**
 * A body that repeats a key. JSON readers disagree on which value counts (JSON.parse keeps the
 * last, others the first or refuse), so whatever we read, something in front of us or behind
 * us may read another payment: refused, each repeated key named.
 */
export class DuplicateKeysError extends AppError {
  constructor(paths: string[]) {
    super(
      400,
      'duplicate-key',
      'Bad Request',
      'The body repeats a key; send each key once.',
      paths.map((path) => ({ field: `body.${path}`, message: 'appears more than once' })),
    );
  }
}

/**
 * JSON bodies through Fastify's own parser (prototype-poisoning protection included), then one
 * scan of the text (json-scan.ts) that refuses a repeated key, and hands a numeric `amount` on
 * as the text the client wrote: a float cannot tell 100.50 from 100.5000000000000001 or 1e2
 * from 100; the decimal text can, so money is validated exactly as sent (see parseAmount),
 * whether it came as a number or a string.
 */
export const jsonBodyPlugin = fp(async (app: FastifyInstance) => {
  const parse = app.getDefaultJsonParser('error', 'error');
  // JSON only: anything else (text/plain included, which Fastify parses by default) is a 415.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = String(body);
    parse(request, text, (error, parsed) => {
      if (error) return done(error, undefined);
      if (typeof parsed !== 'object' || parsed === null) return done(null, parsed);
      const { duplicates, amountText } = scanJson(text);
      if (duplicates.length > 0) return done(new DuplicateKeysError(duplicates), undefined);
      if (amountText !== undefined && typeof (parsed as { amount?: unknown }).amount === 'number') {
        (parsed as { amount: unknown }).amount = amountText;
      }
      done(null, parsed);
    });
  });
});
