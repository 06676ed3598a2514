import { isProblemType, PROBLEM_PAGES_PREFIX } from '@pt/core';
import { expect } from 'vitest';
import type { HttpAnswer } from './harness.js';

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  request_id: string;
  errors?: Array<{ field: string; message: string }>;
}

/** Anything that looks like a JavaScript stack frame or a path into our sources. */
const STACK_TRACE = /\bat [\w.<>]+ \(|node_modules|\/src\/[\w/-]+\.[jt]s|\.ts:\d+/;

/**
 * Asserts an RFC 9457 answer: problem+json, every member present and typed (`type` a known
 * problem type's page on this API), the request id
 * echoed in the header, and nothing internal (stack, source paths) in the body.
 */
export function expectProblem(answer: HttpAnswer, status: number): ProblemBody {
  expect(answer.status, answer.text).toBe(status);
  expect(String(answer.headers['content-type'])).toMatch(/^application\/problem\+json\b/);
  const body = answer.body as ProblemBody;
  expect(body).toMatchObject({
    type: expect.stringMatching(/^\/problems\/[a-z-]+$/),
    title: expect.any(String),
    status,
    detail: expect.any(String),
    request_id: expect.any(String),
  });
  // a type of the list in core's problem-types.ts, whose page the API serves (problem-pages.test.ts)
  expect(isProblemType(body.type.slice(PROBLEM_PAGES_PREFIX.length + 1)), body.type).toBe(true);
  expect(body.title.length).toBeGreaterThan(0);
  expect(body.detail.length).toBeGreaterThan(0);
  expect(body.request_id).toBe(answer.headers['x-request-id']);
  expect(body).not.toHaveProperty('stack');
  expect(answer.text).not.toMatch(STACK_TRACE);
  return body;
}

/** The distinct field paths a validation problem names, sorted (a field may carry several messages). */
export function fieldsOf(problem: ProblemBody): string[] {
  return [...new Set((problem.errors ?? []).map((error) => error.field))].sort();
}

/** A problem body without its per-request id, to compare two answers. */
export function withoutRequestId(body: unknown): unknown {
  const { request_id: _ignored, ...rest } = body as ProblemBody;
  return rest;
}

/** A fetch Response's headers as a plain object (lower-case names). */
export function headersOf(response: Response): Record<string, string> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  return headers;
}

/** A typed client's answer (openapi-fetch's { response, error }) in the shape expectProblem takes. */
export function clientAnswer(result: { response: Response; error?: unknown }): HttpAnswer {
  return {
    status: result.response.status,
    headers: headersOf(result.response),
    body: result.error,
    text: JSON.stringify(result.error ?? null),
  };
}
