import type { ReconcilePoint } from '../cases/reconcile.js';

const WIDTH = 880;
const HEIGHT = 390;
const PANEL = { width: 360, height: 250, top: 60, left: [70, 500] as const };
const COLORS = { ours: '#1f6feb', floor: '#8b949e', limit: '#1a7f37', goal: '#d1242f' };

interface Series {
  name: 'ours' | 'floor' | 'limit';
  values: number[];
}

/**
 * A hand-written SVG of case 3: wall time and peak RSS against the number of payments at the
 * gateway, ours and the floor (and the time of the limit: receive and split-parse, no SQL), with
 * the 150 MB goal. Linear axes from zero, so linear growth
 * reads as a straight line through the origin's direction.
 */
export function reconcileChart(points: ReconcilePoint[], subtitle: string): string {
  const sizes = points.map((p) => p.payments);
  const time: Series[] = [
    { name: 'ours', values: points.map((p) => p.ours.wallMs / 1000) },
    { name: 'floor', values: points.map((p) => p.floor.wallMs / 1000) },
    { name: 'limit', values: points.map((p) => p.limit.wallMs / 1000) },
  ];
  const rss: Series[] = [
    { name: 'ours', values: points.map((p) => p.ours.peakRssBytes / 2 ** 20) },
    { name: 'floor', values: points.map((p) => p.floor.peakRssBytes / 2 ** 20) },
  ];
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    `<text x="${WIDTH / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">One syncer reconciliation vs payments at the gateway (10% tracked, all changing)</text>`,
    `<text x="${WIDTH / 2}" y="40" text-anchor="middle" fill="#57606a">${escapeXml(subtitle)}</text>`,
    panel(PANEL.left[0], 'wall time (s)', sizes, time, undefined),
    panel(PANEL.left[1], 'peak RSS (MB)', sizes, rss, 150),
    legend(),
    '</svg>',
    '',
  ].join('\n');
}

function panel(left: number, title: string, sizes: number[], series: Series[], goal: number | undefined): string {
  const { top, width, height } = PANEL;
  const maxX = Math.max(...sizes);
  const maxY = niceMax(Math.max(...series.flatMap((s) => s.values), goal ?? 0));
  const x = (n: number) => left + (n / maxX) * width;
  const y = (v: number) => top + height - (v / maxY) * height;
  const parts = [`<text x="${left + width / 2}" y="${top - 8}" text-anchor="middle" font-weight="bold">${title}</text>`];
  parts.push(`<line x1="${left}" y1="${top + height}" x2="${left + width}" y2="${top + height}" stroke="#24292f"/>`);
  parts.push(`<line x1="${left}" y1="${top}" x2="${left}" y2="${top + height}" stroke="#24292f"/>`);
  for (let i = 0; i <= 4; i++) {
    const v = (maxY * i) / 4;
    parts.push(`<line x1="${left}" y1="${y(v)}" x2="${left + width}" y2="${y(v)}" stroke="#eaeef2"/>`);
    parts.push(`<text x="${left - 6}" y="${y(v) + 4}" text-anchor="end">${trim(v)}</text>`);
  }
  for (const n of sizes) {
    parts.push(`<text x="${x(n)}" y="${top + height + 16}" text-anchor="middle">${n.toLocaleString('en')}</text>`);
  }
  parts.push(
    `<text x="${left + width / 2}" y="${top + height + 34}" text-anchor="middle" fill="#57606a">payments at the gateway</text>`,
  );
  if (goal !== undefined) {
    parts.push(
      `<line x1="${left}" y1="${y(goal)}" x2="${left + width}" y2="${y(goal)}" stroke="${COLORS.goal}" stroke-dasharray="6 4"/>`,
      `<text x="${left + width - 4}" y="${y(goal) - 5}" text-anchor="end" fill="${COLORS.goal}">goal &lt; ${goal} MB</text>`,
    );
  }
  for (const s of series) {
    const coords = s.values.map((v, i) => `${x(sizes[i] ?? 0).toFixed(1)},${y(v).toFixed(1)}`);
    parts.push(`<polyline fill="none" stroke="${COLORS[s.name]}" stroke-width="2.5" points="${coords.join(' ')}"/>`);
    s.values.forEach((v, i) => {
      const cx = x(sizes[i] ?? 0);
      parts.push(`<circle cx="${cx.toFixed(1)}" cy="${y(v).toFixed(1)}" r="4" fill="${COLORS[s.name]}"/>`);
      // Ours labelled above its point, the others below, so close values do not collide.
      const labelY = s.name === 'ours' ? y(v) - 8 : y(v) + 16;
      parts.push(
        `<text x="${(cx - 6).toFixed(1)}" y="${labelY.toFixed(1)}" text-anchor="end" fill="${COLORS[s.name]}">${trim(v)}</text>`,
      );
    });
  }
  return parts.join('\n');
}

function legend(): string {
  const y = HEIGHT - 8;
  return [
    `<rect x="${WIDTH / 2 - 380}" y="${y - 10}" width="14" height="4" fill="${COLORS.ours}"/>`,
    `<text x="${WIDTH / 2 - 360}" y="${y - 4}">ours (apps/syncer reconcile)</text>`,
    `<rect x="${WIDTH / 2 - 170}" y="${y - 10}" width="14" height="4" fill="${COLORS.floor}"/>`,
    `<text x="${WIDTH / 2 - 150}" y="${y - 4}">floor (stream-parse + bulk UPDATE, before)</text>`,
    `<rect x="${WIDTH / 2 + 120}" y="${y - 10}" width="14" height="4" fill="${COLORS.limit}"/>`,
    `<text x="${WIDTH / 2 + 140}" y="${y - 4}">limit (receive + split-parse, no SQL)</text>`,
  ].join('\n');
}

function niceMax(value: number): number {
  if (value <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (step * magnitude >= value * 1.1) return step * magnitude;
  return 10 * magnitude;
}

function trim(v: number): string {
  return v >= 100 ? String(Math.round(v)) : v >= 10 ? v.toFixed(0) : v.toFixed(1);
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
