import { describe, expect, it } from 'vitest';
import { xRange, yAxisWidth } from '../web/src/charts/axes.ts';
import { formatRate } from '../web/src/lib/format.ts';
import { displayNames } from '../web/src/lib/host-names.ts';

/** A rough measurer: 7 px per character, about 12 px DejaVu Sans. */
const measure = (text: string) => text.length * 7;

describe('chart axes and host names of the dashboard', () => {
  it('does size the y axis to its widest label, so network rates are never clipped', () => {
    const labels = [0, 5e6, 12.5e6, 25e6].map((v) => formatRate(v));
    expect(labels).toContain('12.5 MB/s');
    const width = yAxisWidth(labels, measure);
    // Ticks, gap and the widest label fit, with a margin at the canvas edge.
    expect(width).toBeGreaterThanOrEqual(10 + 5 + measure('12.5 MB/s') + 2);
    expect(width).toBeGreaterThan(70);
    expect(yAxisWidth(['0 %', '50 %', null], measure)).toBe(50);
    expect(yAxisWidth(null, measure)).toBe(50);
  });

  it('does span the whole chosen window even where data starts later', () => {
    const now = 1_700_000_000_000;
    const day = 86_400_000;
    const fixed = { from: now - day, to: now, rolling: false };
    expect(xRange(fixed, now - 6 * 3_600_000, now - 60_000, now)).toEqual([now - day, now]);
    // A rolling window follows the clock; a bucket starting before the window widens it.
    const rolling = { from: now - day, to: now, rolling: true };
    expect(xRange(rolling, now - 3_600_000, now, now + 60_000)).toEqual([now - day + 60_000, now + 60_000]);
    expect(xRange(fixed, now - day - 30_000, now, now)).toEqual([now - day - 30_000, now]);
    expect(xRange(fixed, null, null, now)).toEqual([now - day, now]);
  });

  it('does add the id to hosts that share a display name, and only to those', () => {
    const names = displayNames([
      { id: 'web-1', name: 'Web' },
      { id: 'web-2', name: 'Web' },
      { id: 'db-1', name: 'Database' },
      { id: 'cache', name: 'cache' },
    ]);
    expect([...names]).toEqual([
      ['web-1', 'Web (web-1)'],
      ['web-2', 'Web (web-2)'],
      ['db-1', 'Database'],
      ['cache', 'cache'],
    ]);
  });
});
