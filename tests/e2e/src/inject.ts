import type { buildApp } from '@pt/api';
import type { HttpAnswer } from './harness.js';

export type App = Awaited<ReturnType<typeof buildApp>>;

/** app.inject's answer in the shape the problem assertions take. */
export async function inject(
  app: App,
  method: 'GET' | 'POST',
  url: string,
  headers: Record<string, string> = {},
  json?: unknown,
) {
  const response = await app.inject({ method, url, headers, ...(json === undefined ? {} : { payload: json as object }) });
  const type = String(response.headers['content-type'] ?? '');
  return {
    status: response.statusCode,
    headers: response.headers as HttpAnswer['headers'],
    body: type.includes('json') ? response.json() : response.body,
    text: response.body,
  } satisfies HttpAnswer;
}
