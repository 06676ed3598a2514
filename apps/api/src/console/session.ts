import { createHmac, timingSafeEqual } from 'node:crypto';
import { AppError, type ConsoleSession } from '@pt/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Viewer } from './layout.js';

/** The session cookie: the random token, HttpOnly, scoped to /console. */
export const SESSION_COOKIE = 'pt_console';

declare module 'fastify' {
  interface FastifyRequest {
    /** The console's signed-in operator, set by the console's onRequest hook. */
    consoleViewer: (Viewer & { session: ConsoleSession; token: string }) | null;
  }
  interface FastifyContextConfig {
    /** A console route open without a session (the sign-in form, the stylesheet). */
    consolePublic?: boolean;
  }
}

/**
 * The synchronizer token of a session: derived from its token (HMAC), so it is bound to the
 * session, differs from the cookie, needs no storage and is never valid for another session.
 */
export function csrfTokenOf(sessionToken: string): string {
  return createHmac('sha256', sessionToken).update('console csrf').digest('base64url');
}

function sameToken(given: unknown, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export class ConsoleForbiddenError extends AppError {
  constructor(detail: string) {
    super(403, 'console-forbidden', 'Forbidden', detail);
  }
}

/**
 * A state-changing request must come from a page of this console: its Origin (or, without one,
 * its Referer's origin) is this server's. Browsers send Origin on every POST form; a request
 * with neither header is refused, since nothing proves where it came from.
 */
export function checkOrigin(request: FastifyRequest): void {
  const expected = `${request.protocol}://${request.host}`;
  const origin = request.headers.origin;
  let source = origin;
  if (!source && request.headers.referer) {
    try {
      source = new URL(request.headers.referer).origin;
    } catch {
      source = undefined;
    }
  }
  if (source !== expected) throw new ConsoleForbiddenError('This form was not sent from a page of this console (Origin check).');
}

/** A state-changing request of a signed-in operator carries the session's CSRF token in `_csrf`. */
export function checkCsrf(request: FastifyRequest): void {
  checkOrigin(request);
  const viewer = request.consoleViewer;
  const given = (request.body as { _csrf?: unknown } | undefined)?._csrf;
  if (!viewer || !sameToken(given, viewer.csrf))
    throw new ConsoleForbiddenError(
      'The form is stale or was not sent from this console (CSRF token mismatch). Reload the page.',
    );
}

/** Sets the session cookie: HttpOnly, SameSite=Strict, Path=/console, Secure when the request came over HTTPS. */
export function setSessionCookie(request: FastifyRequest, reply: FastifyReply, token: string, expiresAt: Date): void {
  reply.setCookie(SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'strict',
    path: '/console',
    secure: request.protocol === 'https',
    expires: expiresAt,
  });
}

export function clearSessionCookie(request: FastifyRequest, reply: FastifyReply): void {
  reply.clearCookie(SESSION_COOKIE, {
    httpOnly: true,
    sameSite: 'strict',
    path: '/console',
    secure: request.protocol === 'https',
  });
}

/**
 * Every console request looks its session up (one query: the session, and its key still a live
 * admin key). Pages without one send the browser to the sign-in form; actions are refused.
 */
export function installSessionHook(app: FastifyInstance): void {
  const { consoleSessions } = app.deps;
  app.decorateRequest('consoleViewer', null);
  app.addHook('onRequest', async (request, reply) => {
    const token = request.cookies[SESSION_COOKIE];
    const session = token ? await consoleSessions.find(token) : null;
    if (token && session) {
      request.consoleViewer = { session, token, clientName: session.clientName, keyId: session.keyId, csrf: csrfTokenOf(token) };
      return;
    }
    if (token) clearSessionCookie(request, reply);
    if (request.routeOptions.config?.consolePublic) return;
    if (request.method === 'GET' || request.method === 'HEAD') {
      return reply.redirect(token ? '/console/sign-in?ended=1' : '/console/sign-in', 303);
    }
    throw new ConsoleForbiddenError('Your console session ended; sign in again.');
  });
}

/** The signed-in operator of a route behind the session hook. */
export function viewerOf(request: FastifyRequest) {
  if (!request.consoleViewer) throw new ConsoleForbiddenError('Sign in first.');
  return request.consoleViewer;
}
