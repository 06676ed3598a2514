import { createApiClientsRepository, createSql, type PaymentResponse } from '@pt/core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem } from '../expect-problem.js';
import { type System, startSystem } from '../harness.js';
import { checkAnswer, idSegment, queryString, RUNS, requestIdHeader } from '../hostile-input.js';
import { ACME_ACCOUNT, reportAndStop, startFuzzSystem, validBody } from './fixtures.js';

/**
 * Security cases that no single route owns: API keys on every /payments route, and generated
 * ids, query strings, Authorization headers, paths and methods. Each route's own cases (another
 * client's data, its hostile bodies) are in its file; rate limits and security headers:
 * rate-limit.test.ts.
 */

const body = validBody('12.34');

describe('every route', () => {
  describe('security', () => {
    describe('API keys', () => {
      let system: System;
      let acmeKey: string;
      let paymentId: string;

      beforeAll(async () => {
        system = await startSystem({ startSyncer: false });
        acmeKey = await system.createClient('acme', false, { accounts: [ACME_ACCOUNT] });
        const created = await system.as(acmeKey).post<PaymentResponse>('/payments', body);
        paymentId = created.body.id;
      });
      afterAll(() => system?.stop());

      const routes = () => [
        ['POST', '/payments'],
        ['GET', '/payments'],
        ['GET', `/payments/${paymentId}`],
        ['GET', `/payments/${paymentId}?refresh=true`],
        ['GET', `/payments/${paymentId}/events`],
      ];

      async function expectUnauthorized(authorization: string | undefined) {
        for (const [method, path] of routes()) {
          const headers: Record<string, string> = authorization === undefined ? {} : { authorization };
          const answer = await system.as(null).call(String(method), String(path), {
            // a body that would be valid: the answer must still be 401
            ...(method === 'POST' ? { json: body } : {}),
            headers,
          });
          const problem = expectProblem(answer, 401);
          expect(answer.headers['www-authenticate']).toMatch(/^Bearer\b/);
          expect(problem.type).toMatch(/unauthorized$/);
          // the credential is never echoed back
          const token = authorization?.replace(/^(Bearer|Basic)\s*/i, '').trim() ?? '';
          if (token.length >= 8) expect(answer.text).not.toContain(token);
        }
      }

      it('answers 401 on every route without an Authorization header', () => expectUnauthorized(undefined));

      it.each([
        ['an empty header', ''],
        ['Basic auth', `Basic ${Buffer.from('acme:secret').toString('base64')}`],
        ['Bearer without a key', 'Bearer'],
        ['Bearer with a blank key', 'Bearer    '],
        ['two tokens', 'Bearer pt_abc def'],
        ['the key without the scheme', 'pt_aaaaaaaaaaaa_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb'],
        ['a garbage token', 'Bearer not-a-key'],
        ['an unknown key of the right shape', `Bearer pt_${'a'.repeat(12)}_${'b'.repeat(43)}`],
      ])('answers 401 on every route for %s', (_, header) => expectUnauthorized(header));

      it('answers 401 for a known key id with the wrong secret', async () => {
        const [, keyId] = /^pt_([A-Za-z0-9]{12})_/.exec(acmeKey) ?? [];
        await expectUnauthorized(`Bearer pt_${keyId}_${'c'.repeat(43)}`);
      });

      it('accepts the scheme in any case', async () => {
        const answer = await system.as(null).call('GET', '/payments', { headers: { authorization: `bearer ${acmeKey}` } });
        expect(answer.status).toBe(200);
      });

      it('answers 401 once a key is revoked, on every route', async () => {
        const key = await system.createClient('to-revoke', false, { accounts: ['44443333'] });
        const client = system.as(key);
        const created = await client.post<PaymentResponse>('/payments', { ...body, sender_account: '44443333' });
        expect(created.status).toBe(201);
        expect((await client.get(`/payments/${created.body.id}`)).status).toBe(200);

        const admin = createSql(system.database.url, { max: 1 });
        try {
          expect(await createApiClientsRepository(admin.sql).revokeByName('to-revoke')).toBe(1);
        } finally {
          await admin.close();
        }

        await expectUnauthorized(`Bearer ${key}`);
        // the payment is still there for nobody else to see, and acme still works
        expect((await system.as(acmeKey).get('/payments')).status).toBe(200);
      });

      it('leaves the public routes open', async () => {
        expect((await system.as(null).get('/healthz')).status).toBe(200);
        expect((await system.as(null).get('/openapi.json')).status).toBe(200);
      });
    });

    describe('hostile input, generated: never a 5xx, always problem+json, fields named', () => {
      let system: System;
      let auth: string;
      let adminAuth: string;
      let paymentId: string;

      beforeAll(async () => {
        ({ system, auth, adminAuth, paymentId } = await startFuzzSystem());
      });
      afterAll(() => reportAndStop(system));

      it('GET routes with generated ids and query strings', async () => {
        await fc.assert(
          fc.asyncProperty(
            idSegment,
            queryString,
            fc.constantFrom('/payments/{id}', '/payments/{id}/events', '/payments', '/admin/reconciliation'),
            async (id, query, route) => {
              const path = route.replace('{id}', encodeURIComponent(id));
              const answer = await system.app.inject({
                method: 'GET',
                url: `${path}?${query}`,
                headers: { authorization: route.startsWith('/admin') ? adminAuth : auth },
              });
              checkAnswer('get-params-query', answer);
            },
          ),
          { numRuns: RUNS },
        );
      });

      it('generated request ids: only a UUID is kept, and every log line stays one whole JSON object', async () => {
        const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
        await fc.assert(
          fc.asyncProperty(requestIdHeader, async (given) => {
            const before = system.logs.lines.length;
            const answer = await system.app.inject({
              method: 'GET',
              url: '/payments?limit=abc',
              headers: { authorization: auth, 'x-request-id': given },
            });
            checkAnswer('request-id', answer);
            const id = String(answer.headers['x-request-id']);
            if (uuid.test(given)) expect(id).toBe(given);
            else expect(id).toMatch(/^[\w-]{8}-[0-9a-z]+$/);
            const lines = system.logs.lines.slice(before).map((line) => JSON.parse(line) as Record<string, unknown>);
            expect(lines.filter((line) => line.reqId === id)).toHaveLength(1);
          }),
          { numRuns: RUNS },
        );
      });

      it('every route with generated Authorization headers', async () => {
        const authHeader = fc.oneof(
          fc.string({ maxLength: 80 }).filter((s) => !/[\r\n]/.test(s)),
          fc.string({ maxLength: 60 }).map((s) => `Bearer ${s}`.replace(/[\r\n]/g, '')),
          fc.stringMatching(/^pt_[A-Za-z0-9]{12}_[A-Za-z0-9_-]{43}$/).map((k) => `Bearer ${k}`),
          fc.constant(auth.replace(/.$/, 'x')),
        );
        const route = fc.constantFrom(
          ['GET', '/payments'],
          ['GET', `/payments/{id}`],
          ['POST', '/payments'],
          ['GET', '/admin/reconciliation'],
          ['POST', '/admin/payments/{id}/requeue'],
        );
        await fc.assert(
          fc.asyncProperty(authHeader, route, async (authorization, [method, url]) => {
            const answer = await system.app.inject({
              method: method as 'GET',
              url: url.replace('{id}', paymentId),
              headers: { authorization, 'content-type': 'application/json' },
              payload: method === 'POST' ? '{}' : undefined,
            });
            checkAnswer('authorization', answer);
            expect(answer.statusCode).toBe(401);
          }),
          { numRuns: RUNS },
        );
      });

      it('unknown paths and methods', async () => {
        const method = fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS');
        const path = fc.oneof(
          fc.webPath(),
          fc.constantFrom(
            '/payments',
            '/payments/x/y/z',
            '/admin',
            '/admin/payments/x',
            '/%2e%2e/etc/passwd',
            '//payments',
            '/payments/',
          ),
        );
        await fc.assert(
          fc.asyncProperty(method, path, async (m, p) => {
            const answer = await system.app.inject({
              method: m as 'GET',
              url: p || '/',
              headers: { authorization: auth, 'content-type': 'application/json' },
              payload: m === 'GET' || m === 'OPTIONS' ? undefined : '{}',
            });
            checkAnswer('paths-methods', answer);
          }),
          { numRuns: RUNS },
        );
      });
    });
  });
});
