import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import helmet, { type HelmetOptions } from 'helmet';

/** Where the API's HTML lives: the OpenAPI UI (openapi.ts) and its assets. */
export const DOCS_PREFIX = '/docs';

/**
 * The headers of every answer that is data (JSON, problem+json, the OpenAPI document): OWASP's
 * set for REST services. `no-store`, because payment data must not sit in a browser's or a
 * proxy's cache; a CSP that allows nothing, as a JSON answer loads nothing; no framing; HTTPS
 * only; no content sniffing. helmet's other headers (COOP, CORP, Origin-Agent-Cluster,
 * Referrer-Policy, X-DNS-Prefetch-Control, X-Download-Options, X-Permitted-Cross-Domain-Policies,
 * X-XSS-Protection) govern how a browser treats a document it renders, and are kept for the HTML
 * pages, where they apply.
 */
export const API_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
};

const HELMET_OPTIONS: HelmetOptions = {
  contentSecurityPolicy: {
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", 'data:'],
      frameAncestors: ["'none'"],
      // Served over plain HTTP in development: do not rewrite /docs assets to https.
      upgradeInsecureRequests: null,
    },
  },
};

/** Where the operator console lives (console/console-plugin.ts). */
export const CONSOLE_PREFIX = '/console';

/**
 * The console's pages: its own stylesheet and nothing else (no script, no inline style, no
 * framing, forms only to itself), never cached, and a Referrer-Policy that keeps the Origin of
 * its forms (`no-referrer` would send `Origin: null` and fail the console's Origin check).
 */
const CONSOLE_HELMET_OPTIONS: HelmetOptions = {
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'none'"],
      styleSrc: ["'self'"],
      imgSrc: ["'self'"],
      objectSrc: ["'none'"],
      baseUri: ["'none'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
    },
  },
  referrerPolicy: { policy: 'same-origin' },
  xFrameOptions: { action: 'deny' },
};

/**
 * helmet's headers (for the HTML pages), computed once. They depend on nothing in the request,
 * and running helmet's middleware per request (as @fastify/helmet does) rebuilt its CSP every
 * time: measurable at thousands of requests a second.
 */
export function securityHeaders(options: HelmetOptions = HELMET_OPTIONS): Record<string, string> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: string | number | readonly string[]) => {
      headers[name.toLowerCase()] = String(value);
    },
    removeHeader: (name: string) => {
      delete headers[name.toLowerCase()];
    },
  };
  helmet(options)({} as IncomingMessage, response as unknown as ServerResponse, () => {});
  return headers;
}

/** `prefix`, `prefix/…` or `prefix?…`. */
function isUnder(url: string, prefix: string): boolean {
  if (!url.startsWith(prefix)) return false;
  const next = url.charAt(prefix.length);
  return next === '' || next === '/' || next === '?';
}

/**
 * Security headers on every answer, errors included, and its request id: the REST set on data,
 * helmet's (its CSP still lets /docs load its own assets) on the HTML pages, the strictest on the console.
 */
export const securityPlugin = fp(async (app: FastifyInstance) => {
  const html = securityHeaders();
  const consoleHeaders = { ...securityHeaders(CONSOLE_HELMET_OPTIONS), 'cache-control': 'no-store' };
  app.addHook('onRequest', (request, reply, done) => {
    const url = request.url;
    reply.headers(isUnder(url, DOCS_PREFIX) ? html : isUnder(url, CONSOLE_PREFIX) ? consoleHeaders : API_SECURITY_HEADERS);
    reply.header('x-request-id', request.id);
    done();
  });
});
