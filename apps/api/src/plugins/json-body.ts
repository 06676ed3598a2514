import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/** `"amount": <number>` as written, before JSON.parse turns it into a float. */
const RAW_AMOUNT = /"amount"\s*:\s*(-?[0-9][0-9eE+\-.]*)/g;

/**
 * JSON bodies through Fastify's own parser (prototype-poisoning protection included), with
 * one addition: a numeric `amount` is handed on as the text the client wrote. A float cannot
 * tell 100.50 from 100.5000000000000001 or 1e2 from 100; the decimal text can, so money is
 * validated exactly as sent (see parseAmount), whether it came as a number or a string.
 */
export const jsonBodyPlugin = fp(async (app: FastifyInstance) => {
  const parse = app.getDefaultJsonParser('error', 'error');
  // JSON only: anything else (text/plain included, which Fastify parses by default) is a 415.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    parse(request, String(body), (error, parsed) => {
      if (error) return done(error, undefined);
      if (
        parsed &&
        typeof parsed === 'object' &&
        !Array.isArray(parsed) &&
        typeof (parsed as { amount?: unknown }).amount === 'number'
      ) {
        // JSON.parse keeps the last of duplicated keys; so does this.
        const raw = [...String(body).matchAll(RAW_AMOUNT)].at(-1)?.[1];
        if (raw !== undefined) (parsed as { amount: unknown }).amount = raw;
      }
      done(null, parsed);
    });
  });
});
