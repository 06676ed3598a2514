import fastJson from 'fast-json-stringify';
import type { FastifySerializerCompiler } from 'fastify/types/schema.js';
import { z } from 'zod';

type JsonSchema = Record<string, unknown>;

/**
 * Responses are written by fast-json-stringify (Fastify's own serializer) from each route's zod
 * response schema, converted to JSON Schema once when the route is compiled: the zod schema
 * stays the one source of the response's shape, for the types, the OpenAPI document and this.
 *
 * fastify-type-provider-zod's serializer re-validated every answer with zod, then ran
 * JSON.stringify: a uuid and five timestamp regexes per payment, on data our own code built
 * from typed database rows (the handler's return type is checked against the same schema at
 * compile time). It showed in the API's CPU profile on GET /payments/{id} (`make bench`; figures
 * in bench/README.md).
 * fast-json-stringify writes only the declared properties, as zod's output did, and throws on
 * a missing required one (a 500, logged).
 */
export const serializerCompiler: FastifySerializerCompiler<z.ZodType> = ({ schema }) =>
  // The converted schema is JSON Schema by construction; fast-json-stringify's type is narrower.
  fastJson(toSerializerSchema(schema) as unknown as Parameters<typeof fastJson>[0]);

/** The JSON Schema fast-json-stringify gets for a zod response schema. */
export function toSerializerSchema(schema: z.ZodType): JsonSchema {
  const json = z.toJSONSchema(schema, { target: 'draft-7', io: 'output', unrepresentable: 'any' }) as JsonSchema;
  return simplify(json) as JsonSchema;
}

/**
 * What only validation needs goes: `pattern`s, and nullable values written as `anyOf` (which
 * fast-json-stringify resolves by validating each branch at run time) become a type list.
 */
function simplify(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(simplify);
  if (node === null || typeof node !== 'object') return node;
  const { pattern: _pattern, ...rest } = node as JsonSchema;
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(rest)) out[key] = simplify(value);
  const nullable = nullableBranch(out.anyOf);
  if (nullable) {
    const { anyOf: _anyOf, ...others } = out;
    return { ...others, ...nullable, type: [nullable.type, 'null'] };
  }
  return out;
}

/** The non-null branch of `anyOf: [{type: X, ...}, {type: 'null'}]` (either order), if that is the form. */
function nullableBranch(anyOf: unknown): (JsonSchema & { type: string }) | undefined {
  if (!Array.isArray(anyOf) || anyOf.length !== 2) return undefined;
  const isNull = (s: unknown) => (s as JsonSchema | null)?.type === 'null';
  const other = (isNull(anyOf[0]) ? anyOf[1] : isNull(anyOf[1]) ? anyOf[0] : undefined) as JsonSchema | undefined;
  return other && typeof other.type === 'string' && other.anyOf === undefined
    ? (other as JsonSchema & { type: string })
    : undefined;
}
