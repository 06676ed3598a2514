import cookie from '@fastify/cookie';
import { AppError, type FieldError, type ProblemType } from '@pt/core';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { sendProblem, toFieldErrors } from '../plugins/problem.js';
import { actionRoutes } from './action-routes.js';
import { attentionBody } from './attention-page.js';
import { CONSOLE_CSS } from './console-css.js';
import { html } from './html.js';
import { page, sendPage } from './layout.js';
import { paymentsRoutes } from './payments-routes.js';
import { installSessionHook } from './session.js';
import { signInRoutes } from './sign-in-routes.js';
import { syncRoutes } from './sync-routes.js';

/** A form body (application/x-www-form-urlencoded) as an object; a repeated field is refused, as a repeated JSON key is. */
function parseForm(_request: FastifyRequest, body: string, done: (error: Error | null, value?: unknown) => void) {
  const fields: Record<string, string> = {};
  const repeated: FieldError[] = [];
  for (const [name, value] of new URLSearchParams(body)) {
    if (Object.hasOwn(fields, name)) repeated.push({ field: `body.${name}`, message: 'appears more than once' });
    fields[name] = value;
  }
  if (repeated.length > 0) return done(new AppError(400, 'duplicate-key', 'Bad Request', 'A field is repeated.', repeated));
  done(null, fields);
}

/** What a console error tells the operator; null for what the API's own handler answers (5xx). */
function consoleProblem(
  error: FastifyError,
): { status: number; title: string; detail: string; type: ProblemType; errors?: FieldError[] } | null {
  if (error instanceof AppError)
    return {
      status: error.status,
      title: error.title,
      detail: error.detail,
      type: error.type,
      ...(error.errors ? { errors: error.errors } : {}),
    };
  if (hasZodFastifySchemaValidationErrors(error)) {
    const context = error.validationContext === 'querystring' ? 'query' : (error.validationContext ?? 'body');
    return {
      status: 422,
      title: 'Unprocessable Content',
      type: 'validation-error',
      detail: 'The form has invalid fields.',
      errors: toFieldErrors(error.validation, context),
    };
  }
  return null;
}

/** A browser gets an error page; anything else (curl, scripts) the API's problem+json. */
function wantsHtml(request: FastifyRequest): boolean {
  return (request.headers.accept ?? '').includes('text/html');
}

function sendConsoleError(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const problem = consoleProblem(error);
  if (!problem) throw error; // the API's handler: 503 while the database is away, 500 for the unexpected
  if (!wantsHtml(request)) return sendProblem(request, reply, problem);
  const fields = problem.errors?.length
    ? html`<ul>${problem.errors.map((e) => html`<li><code>${e.field}</code> ${e.message}</li>`)}</ul>`
    : '';
  const signIn = problem.status === 403 && !request.consoleViewer ? html` <a href="/console/sign-in">Sign in</a>` : '';
  const body = html`<div class="error" role="alert"><p>${problem.detail}${signIn}</p>${fields}</div>
<p><a href="/console">Back to Needs attention</a></p>`;
  const viewer = request.consoleViewer;
  return sendPage(reply, problem.status, page({ title: problem.title, viewer, body }));
}

/**
 * The operator console at /console: server-rendered HTML for admins, signed in with a session
 * (session.ts), every action CSRF- and Origin-checked, one stylesheet and no script. It calls
 * the repositories the admin API uses. Hidden from the OpenAPI document: it is not an API.
 */
export const consolePlugin: FastifyPluginAsyncZod = async (app) => {
  const { admin, operator, config } = app.deps;
  await app.register(cookie);
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (request, body, done) =>
    parseForm(request, String(body), done),
  );
  app.setErrorHandler(sendConsoleError);
  installSessionHook(app);

  app.get('/console/console.css', { schema: { hide: true }, config: { consolePublic: true } }, async (_request, reply) =>
    reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(CONSOLE_CSS),
  );

  app.get('/console', { schema: { hide: true } }, async (request, reply) => {
    const report = await admin.reconciliationReport({
      stalePendingMs: config.ADMIN_STALE_PENDING_MS,
      stuckReceivedMs: config.ADMIN_STUCK_RECEIVED_MS,
      limit: 500,
    });
    const candidates = await operator.candidates(report.unconfirmed.map((p) => p.id));
    const body = attentionBody(report, candidates);
    return sendPage(reply, 200, page({ title: 'Needs attention', viewer: request.consoleViewer, screen: 'attention', body }));
  });

  await app.register(signInRoutes);
  await app.register(actionRoutes);
  await app.register(paymentsRoutes);
  await app.register(syncRoutes);
};
