import { describe, expect, it } from 'vitest';
import { escapeHtml, html, raw } from './html.js';

describe('html', () => {
  it.each([
    ['<script>alert(1)</script>', '&lt;script&gt;alert(1)&lt;/script&gt;'],
    ['" onmouseover="x', '&quot; onmouseover=&quot;x'],
    ["it's & more", 'it&#39;s &amp; more'],
  ])('escapes %s', (input, escaped) => {
    expect(escapeHtml(input)).toBe(escaped);
    expect(html`<p title="${input}">${input}</p>`.text).toBe(`<p title="${escaped}">${escaped}</p>`);
  });

  it('keeps nested Html and joins arrays, escaping each item', () => {
    const items = ['<a>', 'b'].map((item) => html`<li>${item}</li>`);
    expect(html`<ul>${items}</ul>`.text).toBe('<ul><li>&lt;a&gt;</li><li>b</li></ul>');
    expect(html`${raw('<svg></svg>')}`.text).toBe('<svg></svg>');
  });

  it('renders nothing for null, undefined and false', () => {
    expect(html`[${null}${undefined}${false}]`.text).toBe('[]');
  });
});
