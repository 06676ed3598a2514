import { isProblemType, NotFoundError, PROBLEM_PAGES_PREFIX, PROBLEM_TYPES, type ProblemType, problemTypeUri } from '@pt/core';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';

const escapeHtml = (text: string) =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

/** The docs' `code` spans as <code>, the rest escaped. */
const prose = (text: string) => escapeHtml(text).replace(/`([^`]+)`/g, '<code>$1</code>');

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title></head>
<body>
${body}
</body>
</html>
`;
}

/** One problem type's page: what it means and what to do, at the URI its answers carry as `type`. */
export function problemPage(type: ProblemType): string {
  const doc = PROBLEM_TYPES[type];
  return page(
    `${type}: ${doc.title}`,
    `<h1>${escapeHtml(doc.title)} <small>(${escapeHtml(type)})</small></h1>
<p>Answered with HTTP status ${doc.status}, as <code>application/problem+json</code> (RFC 9457) whose <code>type</code> is <code>${problemTypeUri(type)}</code>.</p>
<h2>What it means</h2>
<p>${prose(doc.meaning)}</p>
<h2>What to do</h2>
<p>${prose(doc.action)}</p>
<p>Every problem also carries <code>request_id</code> (and the <code>X-Request-Id</code> header): quote it when you report one.</p>
<p><a href="${PROBLEM_PAGES_PREFIX}">All problem types</a></p>`,
  );
}

function indexPage(): string {
  const items = Object.entries(PROBLEM_TYPES).map(
    ([type, doc]) =>
      `<li><a href="${problemTypeUri(type as ProblemType)}">${escapeHtml(type)}</a> (${doc.status}): ${prose(doc.meaning)}</li>`,
  );
  return page('Problem types', `<h1>Problem types</h1>\n<ul>\n${items.join('\n')}\n</ul>`);
}

/** The pages behind problem `type` URIs: public, plain HTML, outside the OpenAPI document. */
export const problemRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(PROBLEM_PAGES_PREFIX, { schema: { hide: true } }, async (_request, reply) =>
    reply.type('text/html; charset=utf-8').send(indexPage()),
  );

  app.get(
    `${PROBLEM_PAGES_PREFIX}/:type`,
    { schema: { hide: true, params: z.object({ type: z.string() }) } },
    async (request, reply) => {
      const { type } = request.params;
      if (!isProblemType(type)) throw new NotFoundError('No such problem type; GET /problems lists them.');
      return reply.type('text/html; charset=utf-8').send(problemPage(type));
    },
  );
};
