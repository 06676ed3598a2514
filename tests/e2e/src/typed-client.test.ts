import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { IDEMPOTENT_POST_PATHS } from '@pt/client';
import { validate } from '@readme/openapi-parser';
import type { OpenAPI3 } from 'openapi-typescript';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ROOT } from '../../../scripts/bundle.js';
import { buildOpenApiDocument, CLIENT_SCHEMA_PATH, generateClientSchema } from '../../../scripts/client-schema.js';

/**
 * packages/client against the API it was generated from: the committed types are what the
 * current routes produce (CI fails otherwise, saying how to fix it), and the document they come
 * from is valid OpenAPI 3.1. What the document holds: routes/docs.test.ts.
 */

let document: OpenAPI3;

beforeAll(async () => {
  // built without a database or a gateway, as `make client` does
  document = await buildOpenApiDocument();
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe('packages/client', () => {
  it('the committed generated types are what the current API produces', async () => {
    const committed = await readFile(CLIENT_SCHEMA_PATH, 'utf8');
    const current = await generateClientSchema(document);
    expect(
      committed === current,
      `${relative(ROOT, CLIENT_SCHEMA_PATH)} is out of date with the API's OpenAPI document: run \`make client\` and commit it`,
    ).toBe(true);
  });

  it('the OpenAPI document is valid OpenAPI 3.1, and generating the client from it warns about nothing', async () => {
    // the same JSON, typed by two libraries that disagree on details (openapi-types, openapi-typescript)
    const result = await validate(structuredClone(document) as unknown as Exclude<Parameters<typeof validate>[0], string>);
    expect(result.valid, JSON.stringify(result.valid ? result.warnings : result.errors, null, 2)).toBe(true);
    expect(result.warnings).toEqual([]);

    const warnings = [vi.spyOn(console, 'warn'), vi.spyOn(console, 'error')];
    await generateClientSchema(document);
    for (const spy of warnings) expect(spy.mock.calls).toEqual([]);
  });

  it('retries a POST only on the routes that declare Idempotency-Key', () => {
    const declared = Object.entries(document.paths ?? {})
      .filter(([, item]) =>
        JSON.stringify((item as { post?: { parameters?: unknown } }).post?.parameters ?? []).includes('"idempotency-key"'),
      )
      .map(([path]) => path);
    expect([...IDEMPOTENT_POST_PATHS].sort()).toEqual(declared.sort());
  });
});
