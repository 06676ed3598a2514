import { problemSchema } from '@pt/core';
import { PROBLEM_CONTENT_TYPE, statusTitle } from '../plugins/problem.js';

/** OpenAPI: the route needs `Authorization: Bearer <key>` (declared in plugins/openapi.ts). */
export const bearerSecurity = [{ bearerAuth: [] }];

/**
 * Response schemas for the problem+json answers a route declares, by status code: each typed as
 * `application/problem+json` with the Problem schema, as plugins/problem.ts sends them.
 */
export const problems = (...codes: number[]) =>
  Object.fromEntries(
    codes.map((code) => [
      code,
      {
        description: `${statusTitle(code)}: a problem (RFC 9457); its \`type\` links to what it means and what to do.`,
        content: { [PROBLEM_CONTENT_TYPE]: { schema: problemSchema } },
      },
    ]),
  );
