import type { SyncCycle } from '@pt/core';
import { type Html, html } from './html.js';

const WIDTH = 600;
const HEIGHT = 160;
const PAD = { left: 44, right: 44, top: 12, bottom: 22 };

/** A scale's top: the largest value rounded up to a readable figure (at least 1). */
function niceMax(value: number): number {
  if (value <= 1) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 5, 10].find((m) => m * magnitude >= value) ?? 10;
  return step * magnitude;
}

/**
 * The last hour's cycles as an inline SVG drawn on the server: cycle time as a line (left
 * scale, ms), statuses changed per cycle as bars (right scale). Presentation goes through CSS
 * classes (the CSP allows no inline style); the numbers are ours, the text escaped by `html`.
 */
export function syncChart(cycles: readonly SyncCycle[], from: Date, to: Date): Html {
  const span = Math.max(1, to.getTime() - from.getTime());
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const maxMs = niceMax(Math.max(0, ...cycles.map((c) => c.cycleMs)));
  const maxChanged = niceMax(Math.max(0, ...cycles.map((c) => c.changed)));
  const x = (at: Date) => PAD.left + ((at.getTime() - from.getTime()) / span) * plotW;
  const y = (value: number, max: number) => PAD.top + plotH - (value / max) * plotH;
  const points = cycles.map((c) => `${x(c.syncedAt).toFixed(1)},${y(c.cycleMs, maxMs).toFixed(1)}`).join(' ');
  const bars = cycles
    .filter((c) => c.changed > 0)
    .map((c) => {
      const top = y(c.changed, maxChanged);
      return html`<rect class="changed" x="${(x(c.syncedAt) - 1).toFixed(1)}" y="${top.toFixed(1)}" width="2" height="${(PAD.top + plotH - top).toFixed(1)}"></rect>`;
    });
  const base = PAD.top + plotH;
  const label = `Cycle time (up to ${maxMs} ms) and statuses changed (up to ${maxChanged}) for ${cycles.length} cycles in the last hour`;
  return html`<svg class="chart" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${label}" xmlns="http://www.w3.org/2000/svg">
<title>${label}</title>
<line class="axis" x1="${PAD.left}" y1="${base}" x2="${WIDTH - PAD.right}" y2="${base}"></line>
<line class="axis" x1="${PAD.left}" y1="${PAD.top}" x2="${PAD.left}" y2="${base}"></line>
<line class="axis" x1="${WIDTH - PAD.right}" y1="${PAD.top}" x2="${WIDTH - PAD.right}" y2="${base}"></line>
${bars}
${cycles.length > 0 ? html`<polyline class="cycle" points="${points}"></polyline>` : ''}
<text x="${PAD.left - 4}" y="${PAD.top + 10}" text-anchor="end">${maxMs} ms</text>
<text x="${PAD.left - 4}" y="${base}" text-anchor="end">0</text>
<text x="${WIDTH - PAD.right + 4}" y="${PAD.top + 10}">${maxChanged}</text>
<text x="${PAD.left}" y="${HEIGHT - 6}">−60 min</text>
<text x="${WIDTH - PAD.right}" y="${HEIGHT - 6}" text-anchor="end">now</text>
</svg>`;
}
