import { AppError, errorCode, type FieldError, type ProblemType, problemTypeUri } from '@pt/core';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  request_id: string;
  errors?: FieldError[];
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  409: 'Conflict',
  413: 'Content Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** The standard reason phrase of an HTTP status the API answers with. */
export function statusTitle(status: number): string {
  return TITLES[status] ?? 'Error';
}

/** Fastify's own client errors, each with a message safe and useful to show. */
const FASTIFY_CLIENT_ERRORS: Record<string, { status: number; type: ProblemType; detail: string }> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, type: 'unsupported-media-type', detail: 'Send the body as application/json.' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, type: 'bad-request', detail: 'Content-Length does not match the body.' },
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, type: 'body-too-large', detail: 'The request body is too large.' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, type: 'invalid-json', detail: 'The body is empty; send a JSON object.' },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, type: 'invalid-json', detail: 'The body is not valid JSON.' },
};

/**
 * postgres.js and socket codes that mean "the database is not reachable right now", or too slow:
 * 57014 is a statement cancelled by statement_timeout, 25P03 a session ended by
 * idle_in_transaction_session_timeout.
 */
const DATABASE_DOWN = new Set([
  'CONNECT_TIMEOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  '57P01',
  '57P03',
  '53300',
  '57014',
  '25P03',
]);

/** What a problem is made of: `type` is its slug (core's problem-types.ts); `title` defaults to the status's. */
export type ProblemInput = Omit<Problem, 'request_id' | 'title' | 'type'> & {
  type: ProblemType;
  title?: string;
  extensions?: Record<string, string>;
};

/** The RFC 9457 body of a problem, for the request `requestId`. */
export function problemBody(problem: ProblemInput, requestId: string): Problem {
  return {
    type: problemTypeUri(problem.type),
    title: problem.title ?? statusTitle(problem.status),
    status: problem.status,
    detail: problem.detail,
    request_id: requestId,
    ...(problem.errors ? { errors: problem.errors } : {}),
    ...problem.extensions,
  };
}

export function sendProblem(
  request: FastifyRequest,
  reply: FastifyReply,
  problem: ProblemInput,
  headers?: Record<string, string>,
) {
  const body = problemBody(problem, request.id);
  if (headers) reply.headers(headers);
  // Serialized here, not by a route's response schema: error answers must never fail to serialize.
  return reply.code(problem.status).type(PROBLEM_CONTENT_TYPE).serializer(JSON.stringify).send(body);
}

/** Zod issues → one entry per bad field, unknown keys named one by one. */
export function toFieldErrors(
  validation: ReadonlyArray<{ instancePath: string; message?: string; keyword: string; params: Record<string, unknown> }>,
  context: string,
): FieldError[] {
  return validation.flatMap((issue) => {
    const base = issue.instancePath.replace(/^\//, '').replaceAll('/', '.');
    const prefix = base ? `${context}.${base}` : context;
    if (issue.keyword === 'unrecognized_keys' && Array.isArray(issue.params.keys)) {
      return issue.params.keys.map((key) => ({ field: `${prefix}.${String(key)}`, message: 'is not a known field' }));
    }
    return [{ field: prefix, message: issue.message ?? 'is invalid' }];
  });
}

/**
 * Fastify's `frameworkErrors`: the router's own failures (a bad percent-encoding, a path
 * parameter past maxParamLength) happen before any route or error handler; without this they
 * leave as Fastify's plain JSON, echoing the URL back. No hook runs for them, hence the header.
 */
export function sendFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  reply.header('x-request-id', request.id);
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    return sendProblem(request, reply, { status: 414, type: 'uri-too-long', detail: 'A path segment is too long.' });
  }
  if (error.code === 'FST_ERR_BAD_URL') {
    return sendProblem(request, reply, { status: 400, type: 'bad-request', detail: 'The URL is not validly encoded.' });
  }
  request.log.error({ err: error }, 'framework error');
  return sendProblem(request, reply, {
    status: 500,
    type: 'internal-error',
    detail: 'An unexpected error occurred; it has been logged.',
  });
}

/**
 * One error handler for the whole API: every failure leaves as RFC 9457 problem+json. Unknown
 * routes and methods are answered by method-not-allowed.ts, a missing Content-Type by content-type.ts.
 */
export const problemPlugin = fp(async (app: FastifyInstance) => {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof AppError) {
      return sendProblem(
        request,
        reply,
        {
          status: error.status,
          type: error.type,
          title: error.title,
          detail: error.detail,
          ...(error.errors ? { errors: error.errors } : {}),
          ...(error.extensions ? { extensions: error.extensions } : {}),
        },
        error.headers,
      );
    }
    if (hasZodFastifySchemaValidationErrors(error)) {
      const context = error.validationContext === 'querystring' ? 'query' : (error.validationContext ?? 'body');
      return sendProblem(request, reply, {
        status: 422,
        type: 'validation-error',
        detail: 'The request has invalid fields; see errors.',
        errors: toFieldErrors(error.validation, context),
      });
    }
    const known = error.code ? FASTIFY_CLIENT_ERRORS[error.code] : undefined;
    if (known) return sendProblem(request, reply, known);
    // drizzle wraps driver errors: the code may sit on a cause.
    const code = errorCode(error);
    if (code && DATABASE_DOWN.has(code)) {
      request.log.error({ code }, 'database unavailable');
      return sendProblem(
        request,
        reply,
        { status: 503, type: 'service-unavailable', detail: 'The service is temporarily unavailable; try again shortly.' },
        { 'retry-after': '1' },
      );
    }
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      return sendProblem(request, reply, {
        status: error.statusCode,
        type: 'bad-request',
        detail: 'The request could not be processed.',
      });
    }
    request.log.error({ err: error }, 'unhandled error');
    return sendProblem(request, reply, {
      status: 500,
      type: 'internal-error',
      detail: 'An unexpected error occurred; it has been logged.',
    });
  });
});
