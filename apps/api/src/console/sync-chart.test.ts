import { describe, expect, it } from 'vitest';
import { syncChart } from './sync-chart.js';

const from = new Date('2026-12-02T10:00:00Z');
const to = new Date('2026-12-02T11:00:00Z');
const at = (minutes: number) => new Date(from.getTime() + minutes * 60_000);

describe('syncChart', () => {
  it('draws cycle time as a line over the hour and changes as bars, scaled to readable maxima', () => {
    const svg = syncChart(
      [
        { syncedAt: at(0), cycleMs: 120, entries: 10, changed: 0 },
        { syncedAt: at(30), cycleMs: 340, entries: 10, changed: 7 },
        { syncedAt: at(60), cycleMs: 80, entries: 10, changed: 3 },
      ],
      from,
      to,
    ).text;
    // 340 ms rounds up to a 500 ms scale; 7 changes to 10. The line starts at the left edge and ends at the right.
    expect(svg).toContain('500 ms');
    expect(svg).toMatch(/points="44\.0,[\d.]+ 300\.0,[\d.]+ 556\.0,[\d.]+"/);
    expect(svg.match(/<rect class="changed"/g)).toHaveLength(2);
    expect(svg).toContain('for 3 cycles in the last hour');
    expect(svg).not.toMatch(/style=/);
  });

  it('draws empty axes when no cycle completed', () => {
    const svg = syncChart([], from, to).text;
    expect(svg).not.toContain('<polyline');
    expect(svg).toContain('for 0 cycles');
  });
});
