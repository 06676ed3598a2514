import { buildApp, createApiDeps, loadApiConfig } from '@pt/api';
import { createLogger } from '@pt/core';
import { createLogCapture } from '@pt/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem } from '../expect-problem.js';
import { type System, startSystem } from '../harness.js';
import { type App, inject } from '../inject.js';

/**
 * /healthz (the process answers) and /readyz (its database does too), public. Their answers during
 * a database outage, next to the payment routes': every-route.test.ts.
 */

describe('GET /healthz and GET /readyz', () => {
  describe('success', () => {
    let system: System;

    beforeAll(async () => {
      system = await startSystem({ startSyncer: false });
    });
    afterAll(() => system?.stop());

    it('/healthz and /readyz answer 200 without a key', async () => {
      const anonymous = system.as(null);
      for (const path of ['/healthz', '/readyz']) {
        const answer = await anonymous.get(path);
        expect(answer.status).toBe(200);
        expect(answer.body).toEqual({ status: 'ok' });
      }
    });
  });

  describe('errors', () => {
    describe('when the database is unreachable from the start', () => {
      let app: App;
      const logs = createLogCapture();

      beforeAll(async () => {
        const config = loadApiConfig({
          DATABASE_URL: 'postgres://nobody:secret@127.0.0.1:1/none',
          GATEWAY_URL: 'http://127.0.0.1:1',
          AUTH_CACHE_TTL_MS: '0',
          RATE_LIMIT_MAX: '0',
        });
        app = await buildApp(createApiDeps(config, createLogger({ name: 'api', level: 'debug', destination: logs.stream })));
      });
      afterAll(async () => {
        await app?.close();
        await app?.deps.close();
      });

      it('/healthz still answers 200, /readyz answers 503 problem', async () => {
        expect((await inject(app, 'GET', '/healthz')).status).toBe(200);
        const ready = await inject(app, 'GET', '/readyz');
        expectProblem(ready, 503);
      });
    });
  });
});
