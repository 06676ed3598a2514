import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { type Html, html } from './html.js';
import { page, sendPage } from './layout.js';
import { checkCsrf, checkOrigin, clearSessionCookie, setSessionCookie, viewerOf } from './session.js';

const signInBodySchema = z.strictObject({ api_key: z.string().trim().min(1, 'enter an admin API key').max(200) });
const signInQuerySchema = z.strictObject({ ended: z.literal('1').optional(), signed_out: z.literal('1').optional() });

function signInPage(message: Html | null): Html {
  return page({
    title: 'Sign in',
    body: html`${message}
<form class="stack" method="post" action="/console/sign-in">
<label for="api_key">Admin API key
<input id="api_key" name="api_key" type="password" autocomplete="off" required spellcheck="false"></label>
<p class="muted">The key is exchanged for a session of a few minutes and is not kept by this page.
Create one with <code>make api-key NAME=ops ADMIN=1</code>.</p>
<button type="submit">Sign in</button>
</form>`,
  });
}

const error = (text: string) => html`<p class="error" role="alert">${text}</p>`;

/**
 * Sign-in exchanges an admin key for a session (the key is checked like a bearer key, with the
 * same per-address bound on failed look-ups); sign-out deletes the session. The key never goes
 * back to the browser: the answer is a redirect.
 */
export const signInRoutes: FastifyPluginAsyncZod = async (app) => {
  const { clients, consoleSessions, config } = app.deps;

  app.get(
    '/console/sign-in',
    { schema: { hide: true, querystring: signInQuerySchema }, config: { consolePublic: true } },
    async (request, reply) => {
      if (request.consoleViewer) return reply.redirect('/console', 303);
      const { ended, signed_out: signedOut } = request.query;
      const message = ended
        ? error('Your session ended. Sign in again.')
        : signedOut
          ? html`<p class="notice" role="status">Signed out.</p>`
          : null;
      return sendPage(reply, 200, signInPage(message));
    },
  );

  app.post(
    '/console/sign-in',
    { schema: { hide: true, body: signInBodySchema }, config: { consolePublic: true } },
    async (request, reply) => {
      checkOrigin(request);
      const settle = app.limits.beginLookup(request);
      const verified = await clients.verify(request.body.api_key);
      settle(verified !== null);
      if (!verified) return sendPage(reply, 401, signInPage(error('This key is unknown, revoked or expired.')));
      if (!verified.client.isAdmin)
        return sendPage(
          reply,
          403,
          signInPage(error('This is a client key, not an admin key: the console is for administrators only.')),
        );
      const { token, expiresAt } = await consoleSessions.open(verified.client.keyId, config.CONSOLE_SESSION_TTL_MS);
      request.log.info({ actor: verified.client.keyId }, 'console sign-in');
      setSessionCookie(request, reply, token, expiresAt);
      return reply.redirect('/console', 303);
    },
  );

  app.post(
    '/console/sign-out',
    { schema: { hide: true, body: z.strictObject({ _csrf: z.string().max(200) }) }, preValidation: checkCsrfHook },
    async (request, reply) => {
      const viewer = viewerOf(request);
      await consoleSessions.close(viewer.token);
      clearSessionCookie(request, reply);
      return reply.redirect('/console/sign-in?signed_out=1', 303);
    },
  );
};

/** preValidation: the CSRF and Origin checks run before the body's own validation. */
export function checkCsrfHook(request: Parameters<typeof checkCsrf>[0], _reply: unknown, done: (error?: Error) => void) {
  try {
    checkCsrf(request);
    done();
  } catch (error) {
    done(error as Error);
  }
}
