import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem } from '../expect-problem.js';
import { type System, startSystem } from '../harness.js';
import { type App, inject } from '../inject.js';
import { appWithoutDatabase, closeApp } from './fixtures.js';

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
      const anonymous = system.client(null);
      for (const answer of [await anonymous.GET('/healthz'), await anonymous.GET('/readyz')]) {
        expect(answer.response.status).toBe(200);
        expect(answer.data).toEqual({ status: 'ok' });
      }
    });
  });

  describe('errors', () => {
    describe('when the database is unreachable from the start', () => {
      let app: App;

      beforeAll(async () => {
        app = await appWithoutDatabase();
      });
      afterAll(() => closeApp(app));

      it('/healthz still answers 200, /readyz answers 503 problem', async () => {
        expect((await inject(app, 'GET', '/healthz')).status).toBe(200);
        const ready = await inject(app, 'GET', '/readyz');
        expectProblem(ready, 503);
      });
    });
  });
});
