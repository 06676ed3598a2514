import type { FastifyReply } from 'fastify';
import { type Html, html } from './html.js';

/** The three screens, as the header's navigation lists them. */
const SCREENS = [
  { key: 'attention', href: '/console', label: 'Needs attention' },
  { key: 'payments', href: '/console/payments', label: 'Payments' },
  { key: 'sync', href: '/console/sync', label: 'Sync health' },
] as const;

export type Screen = (typeof SCREENS)[number]['key'];

/** Who is signed in, as a page shows it (the sign-out form needs the CSRF token). */
export interface Viewer {
  clientName: string;
  keyId: string;
  csrf: string;
}

/** A whole page: the stylesheet is the only resource it loads; no script at all. */
export function page(options: { title: string; viewer?: Viewer | null; screen?: Screen; body: Html }): Html {
  const { viewer, screen } = options;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${options.title} · Payment tracker console</title>
<link rel="stylesheet" href="/console/console.css">
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header>
<span class="brand">Payment tracker console</span>
${
  viewer
    ? html`<nav aria-label="Screens">${SCREENS.map(
        (s) => html`<a href="${s.href}"${s.key === screen ? html` aria-current="page"` : ''}>${s.label}</a>`,
      )}</nav>
<form method="post" action="/console/sign-out">
<span class="muted">${viewer.clientName} (key ${viewer.keyId})</span>
<input type="hidden" name="_csrf" value="${viewer.csrf}">
<button type="submit" class="secondary">Sign out</button>
</form>`
    : ''
}
</header>
<main id="main">
<h1>${options.title}</h1>
${options.body}
</main>
</body>
</html>
`;
}

/** Sends a page as HTML with its status. */
export function sendPage(reply: FastifyReply, status: number, content: Html): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').send(content.text);
}

/** A status with its colour class. */
export function statusBadge(status: string): Html {
  return html`<span class="status status-${status}">${status}</span>`;
}
