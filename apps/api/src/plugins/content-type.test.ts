import Fastify from 'fastify';
import { describe, expect, test } from 'vitest';
import { contentTypePlugin } from './content-type.js';
import { problemPlugin } from './problem.js';

/** A bare app with the plugin registered before its routes, as the API does. */
async function appWithRoutes() {
  const app = Fastify();
  await app.register(problemPlugin);
  await app.register(contentTypePlugin);
  app.post('/things', { schema: { body: { type: 'object' } } }, async () => ({ created: true }));
  app.post('/things/:id/touch', async () => ({ touched: true }));
  app.get('/things', async () => ({ listed: true }));
  return app;
}

describe('contentTypePlugin', () => {
  test('answers a POST without Content-Type with 415 problem+json, before validation', async () => {
    const app = await appWithRoutes();
    const answer = await app.inject({ method: 'POST', url: '/things' });
    expect(answer.statusCode).toBe(415);
    expect(answer.json()).toMatchObject({
      status: 415,
      type: expect.stringMatching(/\/unsupported-media-type$/),
      detail: 'Send the body as application/json (Content-Type header missing).',
    });
  });

  test('lets a JSON body through', async () => {
    const app = await appWithRoutes();
    const answer = await app.inject({ method: 'POST', url: '/things', payload: {} });
    expect(answer.statusCode).toBe(200);
  });

  test('leaves routes without a body alone', async () => {
    const app = await appWithRoutes();
    const answer = await app.inject({ method: 'GET', url: '/things' });
    expect(answer.json()).toEqual({ listed: true });
  });

  test('takes a POST without Content-Type on a route whose schema declares no body', async () => {
    const app = await appWithRoutes();
    const answer = await app.inject({ method: 'POST', url: '/things/1/touch' });
    expect(answer.statusCode).toBe(200);
    expect(answer.json()).toEqual({ touched: true });
  });
});
