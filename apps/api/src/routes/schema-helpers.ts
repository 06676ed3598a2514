import { problemSchema } from '@pt/core';

/** OpenAPI: the route needs `Authorization: Bearer <key>` (declared in plugins/openapi.ts). */
export const bearerSecurity = [{ bearerAuth: [] }];

/** Response schemas for the problem+json answers a route declares, by status code. */
export const problems = (...codes: number[]) => Object.fromEntries(codes.map((code) => [code, problemSchema]));
