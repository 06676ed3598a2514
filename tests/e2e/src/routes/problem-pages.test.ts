import { PROBLEM_TYPES, type ProblemType, problemTypeUri } from '@pt/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem } from '../expect-problem.js';
import { type System, startSystem } from '../harness.js';

/**
 * GET /problems and /problems/{type}: the pages a problem's `type` points at. The list in core's
 * problem-types.ts is what every error names its type from (a type outside it does not compile),
 * so a page for each entry is a page for every type the API can emit.
 */

let system: System;

beforeAll(async () => {
  system = await startSystem({ startSyncer: false });
});
afterAll(() => system?.stop());

/** Follows a problem's `type` the way RFC 9457 says: resolved against the URL that answered. */
async function follow(type: string, requestPath: string) {
  const url = new URL(type, new URL(requestPath, system.apiUrl));
  return system.as(null).get(`${url.pathname}${url.search}`);
}

describe('GET /problems/{type}', () => {
  describe('success', () => {
    it.each(Object.keys(PROBLEM_TYPES) as ProblemType[])('%s has a page saying what it means and what to do', async (type) => {
      const page = await follow(problemTypeUri(type), '/payments');
      expect(page.status).toBe(200);
      expect(String(page.headers['content-type'])).toMatch(/^text\/html/);
      const doc = PROBLEM_TYPES[type];
      expect(page.text).toContain(`<title>${type}: `);
      expect(page.text).toContain('What it means');
      expect(page.text).toContain('What to do');
      // the prose itself, as a reader sees it (tags dropped, entities decoded)
      const shown = page.text
        .replace(/<[^>]+>/g, '')
        .replaceAll('&lt;', '<')
        .replaceAll('&gt;', '>')
        .replaceAll('&quot;', '"')
        .replaceAll('&amp;', '&');
      expect(shown).toContain(doc.meaning.replaceAll('`', ''));
      expect(shown).toContain(doc.action.replaceAll('`', ''));
      expect(page.text).toContain(String(doc.status));
    });

    it('the types of real answers resolve to their pages', async () => {
      const key = await system.createClient('problem-pages', false, { accounts: ['12345678'] });
      const answers = [
        { path: '/payments', answer: await system.as(null).get('/payments'), status: 401, type: 'unauthorized' },
        {
          path: '/payments',
          answer: await system.as(key).post('/payments', { sender_account: 'x', amount: -1 }),
          status: 422,
          type: 'validation-error',
        },
        {
          path: '/payments/01a215b6-b0e7-741b-b06d-62d810968616',
          answer: await system.as(key).get('/payments/01a215b6-b0e7-741b-b06d-62d810968616'),
          status: 404,
          type: 'not-found',
        },
        { path: '/payments', answer: await system.as(key).call('DELETE', '/payments'), status: 405, type: 'method-not-allowed' },
      ];
      for (const { path, answer, status, type } of answers) {
        const problem = expectProblem(answer, status);
        expect(problem.type).toBe(`/problems/${type}`);
        const page = await follow(problem.type, path);
        expect(page.status, problem.type).toBe(200);
        expect(page.text).toContain(`<title>${type}: `);
      }
    });

    it('GET /problems lists every type with a link to its page', async () => {
      const index = await system.as(null).get('/problems');
      expect(index.status).toBe(200);
      expect(String(index.headers['content-type'])).toMatch(/^text\/html/);
      for (const type of Object.keys(PROBLEM_TYPES) as ProblemType[])
        expect(index.text).toContain(`href="${problemTypeUri(type)}"`);
    });
  });

  describe('errors', () => {
    it('an unknown type answers 404 problem+json', async () => {
      const answer = await system.as(null).get('/problems/no-such-problem');
      expect(expectProblem(answer, 404).type).toBe('/problems/not-found');
    });
  });

  describe('security', () => {
    it('the pages need no key, load nothing and stay out of the OpenAPI document', async () => {
      const page = await system.as(null).get('/problems/validation-error');
      expect(page.headers['content-security-policy']).toMatch(/default-src 'none'/);
      expect(page.text).not.toMatch(/<script|<style|<img/);
      const doc = (await system.as(null).get<{ paths: Record<string, unknown> }>('/openapi.json')).body;
      expect(Object.keys(doc.paths).filter((path) => path.startsWith('/problems'))).toEqual([]);
    });
  });
});
