import { WEBHOOK_EVENT_TYPES } from '@pt/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type System, startSystem } from '../harness.js';

/**
 * The OpenAPI document and its interactive docs, public. Their security headers:
 * rate-limit.test.ts; as shipped in the bundles: bundles.test.ts.
 */

type OpenApi = {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema>; securitySchemes: Record<string, Record<string, unknown>> };
};
type Operation = {
  operationId?: string;
  security?: Array<Record<string, string[]>>;
  parameters?: Array<{ name: string; in: string; required?: boolean }>;
  requestBody?: unknown;
  responses: Record<string, unknown>;
};
type Schema = { type?: string | string[]; properties?: Record<string, Schema>; required?: string[] };

const HTTP_METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

/** Every `$ref` in the document, with where it was found. */
function collectRefs(node: unknown, at = '#', refs: Array<{ ref: string; at: string }> = []) {
  if (Array.isArray(node)) {
    for (const [i, item] of node.entries()) collectRefs(item, `${at}/${i}`, refs);
  } else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') refs.push({ ref: value, at });
      else collectRefs(value, `${at}/${key}`, refs);
    }
  }
  return refs;
}

function resolvePointer(document: unknown, ref: string): unknown {
  return ref
    .replace(/^#\//, '')
    .split('/')
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'))
    .reduce<unknown>(
      (node, part) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[part] : undefined),
      document,
    );
}

function operationsOf(doc: OpenApi) {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => HTTP_METHODS.has(method))
      .map(([method, op]) => ({ path, method, op })),
  );
}

/** The first media type of a request body or an answer. */
function mediaOf(node: unknown): { example?: unknown } | undefined {
  const content = (node as { content?: Record<string, { example?: unknown }> } | undefined)?.content;
  return content ? Object.values(content)[0] : undefined;
}

// One system for both routes.
let system: System;

beforeAll(async () => {
  system = await startSystem({ startSyncer: false });
});
afterAll(() => system?.stop());

describe('GET /openapi.json', () => {
  describe('success', () => {
    it('/openapi.json is an OpenAPI 3.1 document listing every route with an operationId', async () => {
      const answer = await system.as(null).get<OpenApi>('/openapi.json');
      expect(answer.status).toBe(200);
      const doc = answer.body;
      expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
      expect(doc.info.title).toEqual(expect.any(String));
      expect(doc.info.version).toEqual(expect.any(String));

      const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
        Object.entries(item)
          .filter(([method]) => HTTP_METHODS.has(method))
          .map(([method, op]) => ({ path, method, op })),
      );
      const byId = new Map(operations.map((o) => [o.op.operationId, o]));
      expect(byId.size).toBe(operations.length); // every operationId present and unique
      for (const { op } of operations) {
        expect(op.operationId).toMatch(/^[A-Za-z][\w]*$/);
        expect(Object.keys(op.responses).length).toBeGreaterThan(0);
      }
      const routes = Object.fromEntries(
        operations.map(({ path, method, op }) => [op.operationId, `${method.toUpperCase()} ${path}`]),
      );
      expect(routes).toMatchObject({
        createPayment: 'POST /payments',
        listPayments: 'GET /payments',
        getPayment: 'GET /payments/{id}',
        listPaymentEvents: 'GET /payments/{id}/events',
        health: 'GET /healthz',
        ready: 'GET /readyz',
        registerClientAccount: 'POST /admin/clients/{name}/accounts',
        listClientAccounts: 'GET /admin/clients/{name}/accounts',
        removeClientAccount: 'DELETE /admin/clients/{name}/accounts/{account}',
        listPaymentEventsAsAdmin: 'GET /admin/payments/{id}/events',
      });
      // path templates declare their parameters
      for (const { path, op } of operations) {
        for (const [, name] of path.matchAll(/\{(\w+)\}/g)) {
          expect(op.parameters).toContainEqual(expect.objectContaining({ name, in: 'path', required: true }));
        }
      }
      // every $ref points at something in the document
      for (const { ref, at } of collectRefs(doc)) {
        expect(ref, at).toMatch(/^#\//);
        expect(resolvePointer(doc, ref), `${ref} at ${at}`).toBeDefined();
      }
    });

    it('/openapi.json declares bearer auth on the payment routes and none on health', async () => {
      const doc = (await system.as(null).get<OpenApi>('/openapi.json')).body;
      expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
      const payments = doc.paths['/payments'];
      const one = doc.paths['/payments/{id}'];
      const events = doc.paths['/payments/{id}/events'];
      for (const op of [payments?.post, payments?.get, one?.get, events?.get]) {
        expect(op?.security).toEqual([{ bearerAuth: [] }]);
        expect(Object.keys(op?.responses ?? {})).toContain('401');
      }
      expect(doc.paths['/healthz']?.get?.security ?? []).toEqual([]);
      expect(Object.keys(payments?.post?.responses ?? {})).toEqual(
        expect.arrayContaining(['201', '202', '400', '403', '409', '413', '415', '422']),
      );
      expect(payments?.post?.requestBody).toBeDefined();
      expect(payments?.post?.parameters).toContainEqual(expect.objectContaining({ name: 'idempotency-key', in: 'header' }));
    });

    it('/openapi.json has a Payment schema with amount as a string', async () => {
      const doc = (await system.as(null).get<OpenApi>('/openapi.json')).body;
      const payment = doc.components.schemas.Payment;
      expect(payment).toBeDefined();
      expect(payment?.properties?.amount?.type).toBe('string');
      expect(payment?.properties?.status).toBeDefined();
      expect(Object.keys(payment?.properties ?? {})).toEqual(
        expect.arrayContaining(['id', 'status', 'amount', 'confirmation_id', 'created_at', 'last_synced_at']),
      );
      expect(doc.components.schemas.Problem?.properties).toHaveProperty('request_id');
      // the 201 answer of createPayment is that schema
      const created = JSON.stringify(doc.paths['/payments']?.post?.responses['201']);
      expect(created).toContain('#/components/schemas/Payment');
    });

    it("/openapi.json declares the list's CSV answer beside its JSON one", async () => {
      const doc = (await system.as(null).get<OpenApi>('/openapi.json')).body;
      const ok = JSON.parse(JSON.stringify(doc.paths['/payments']?.get?.responses['200'])) as {
        content?: Record<string, { schema?: { type?: string; description?: string } }>;
      };
      expect(Object.keys(ok.content ?? {})).toEqual(['application/json', 'text/csv']);
      expect(ok.content?.['text/csv']?.schema?.type).toBe('string');
      expect(ok.content?.['text/csv']?.schema?.description).toContain('sender_account');
    });

    it('/openapi.json names its servers and has an example request and answer on every operation', async () => {
      const doc = (await system.as(null).get<OpenApi & { servers?: Array<{ url: string }> }>('/openapi.json')).body;
      expect(doc.servers?.map((server) => server.url)).toEqual(['/', 'http://127.0.0.1:8000']);
      for (const { path, method, op } of operationsOf(doc)) {
        const where = `${method.toUpperCase()} ${path}`;
        if (op.requestBody) expect(mediaOf(op.requestBody)?.example, `${where} request`).toBeDefined();
        const success = Object.entries(op.responses).filter(([status]) => /^2/.test(status));
        expect(success.length, where).toBeGreaterThan(0);
        const withBody = success.filter(([, answer]) => mediaOf(answer) !== undefined);
        // a success answer with a body shows an example (a 204 has no body to show)
        expect(success.some(([, answer]) => mediaOf(answer)?.example !== undefined) || withBody.length === 0, where).toBe(true);
      }
    });

    it('/openapi.json types every error answer as application/problem+json with the Problem schema', async () => {
      const doc = (await system.as(null).get<OpenApi>('/openapi.json')).body;
      let errors = 0;
      for (const { path, method, op } of operationsOf(doc)) {
        for (const [status, answer] of Object.entries(op.responses)) {
          if (Number(status) < 400) continue;
          errors++;
          const content = (answer as { content?: Record<string, { schema?: { $ref?: string } }> }).content ?? {};
          expect(Object.keys(content), `${method} ${path} ${status}`).toEqual(['application/problem+json']);
          expect(content['application/problem+json']?.schema?.$ref).toBe('#/components/schemas/Problem');
        }
      }
      expect(errors).toBeGreaterThan(100);
    });

    it('/openapi.json describes the webhooks sent to endpoints, one per event type, with the payload schema', async () => {
      const doc = (await system.as(null).get<OpenApi & { webhooks?: Record<string, { post?: Operation }> }>('/openapi.json'))
        .body;
      expect(Object.keys(doc.webhooks ?? {}).sort()).toEqual([...WEBHOOK_EVENT_TYPES].sort());
      for (const [type, item] of Object.entries(doc.webhooks ?? {})) {
        const media = mediaOf(item.post?.requestBody) as { schema?: { $ref?: string }; example?: { type?: string } } | undefined;
        expect(media?.schema?.$ref).toBe('#/components/schemas/WebhookEvent');
        expect(media?.example?.type).toBe(type);
        expect(item.post?.parameters?.map((parameter) => parameter.name)).toEqual([
          'webhook-id',
          'webhook-timestamp',
          'webhook-signature',
        ]);
      }
      const event = doc.components.schemas.WebhookEvent;
      expect(event?.required).toEqual(['type', 'timestamp', 'data']);
      expect(JSON.stringify(event)).toContain('#/components/schemas/Payment');
    });

    it('/openapi.json says what a memo may hold', async () => {
      const doc = await system.as(null).get('/openapi.json');
      expect(doc.text).toMatch(/no bidirectional controls, no invisible characters/);
    });
  });
});

describe('GET /docs/', () => {
  describe('success', () => {
    it('/docs/ answers 200 HTML, and its assets load', async () => {
      const anonymous = system.as(null);
      const page = await anonymous.get('/docs/');
      expect(page.status).toBe(200);
      expect(String(page.headers['content-type'])).toMatch(/^text\/html/);
      expect(page.text).toMatch(/swagger/i);
      const script = /src="\.?\/?([\w./-]+\.js)"/.exec(page.text)?.[1];
      expect(script).toBeDefined();
      const asset = await anonymous.get(`/docs/${String(script).replace(/^docs\//, '')}`);
      expect(asset.status).toBe(200);
    });
  });
});
