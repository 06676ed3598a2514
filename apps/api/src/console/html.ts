/**
 * HTML from template literals, escaped by default: `html` escapes every interpolated value
 * unless it is itself Html (the result of `html` or `raw`), and joins arrays. Nothing reaches a
 * page unescaped by accident: a value has to be wrapped to be trusted.
 */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text made safe for element content and quoted attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

type Value = Html | string | number | boolean | null | undefined | readonly Value[];

function render(value: Value): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof Html) return value.text;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

/** The tag: `html\`<p>${name}</p>\`` escapes `name`. */
export function html(strings: TemplateStringsArray, ...values: Value[]): Html {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) out += render(values[i]) + (strings[i + 1] ?? '');
  return new Html(out);
}

/** Markup built by our own code from escaped parts (the SVG chart): trusted as is. */
export function raw(text: string): Html {
  return new Html(text);
}

/** A time as operators read it: ISO in UTC to the second, or a dash. */
export function time(value: Date | string | null | undefined): Html {
  if (value === null || value === undefined || value === '') return html`<span class="muted">—</span>`;
  const date = value instanceof Date ? value : new Date(value);
  const iso = date.toISOString();
  return html`<time datetime="${iso}">${iso.slice(0, 19).replace('T', ' ')}Z</time>`;
}
