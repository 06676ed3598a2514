import Fastify from 'fastify';
import { describe, expect, test } from 'vitest';
import { methodNotAllowedPlugin } from './method-not-allowed.js';
import { PROBLEM_CONTENT_TYPE, problemPlugin } from './problem.js';

/** A bare app with the plugin and two routes on one path, registered as the API does (plugin first). */
async function appWithRoutes() {
  const app = Fastify();
  await app.register(problemPlugin);
  await app.register(methodNotAllowedPlugin);
  app.get('/things/:id', async () => ({}));
  app.delete('/things/:id', async () => ({}));
  app.post('/things', async () => ({}));
  return app;
}

describe('methodNotAllowedPlugin', () => {
  test.each([
    ['PUT', '/things/1', 'DELETE, GET, HEAD'],
    ['PATCH', '/things/1/', 'DELETE, GET, HEAD'],
    ['GET', '/things?limit=1', 'POST'],
  ])('answers %s %s with 405 and Allow: %s', async (method, url, allow) => {
    const app = await appWithRoutes();
    const answer = await app.inject({ method: method as 'PUT', url });
    expect(answer.statusCode).toBe(405);
    expect(answer.headers.allow).toBe(allow);
    expect(answer.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(answer.json()).toMatchObject({ status: 405, type: expect.stringMatching(/\/method-not-allowed$/) });
  });

  test('answers an unknown path with 404 and no Allow header', async () => {
    const app = await appWithRoutes();
    const answer = await app.inject({ method: 'GET', url: '/nothing/here?x=1' });
    expect(answer.statusCode).toBe(404);
    expect(answer.headers.allow).toBeUndefined();
    expect(answer.json()).toMatchObject({ status: 404, title: 'Not Found', detail: 'No route GET /nothing/here.' });
  });
});
