import { describe, expect, it } from 'vitest';
import { type Figure, markdown, replaceSections } from './report.ts';

const fig = (section: string, value: number): Figure => ({ section, name: 'x', value, unit: 'ms' });
const meta = { date: 'd', machine: 'm', mode: 'full' };

describe('replaceSections (bench --only)', () => {
  const full = markdown([fig('A', 1), fig('B', 2), fig('Dashboard (browser)', 3)], meta);

  it('does replace a section in place and leave every other line as it was', () => {
    const doc = replaceSections(full, [fig('B', 20)], 'alone, today');
    expect(doc.split('\n## ').map((b) => b.split('\n')[0])).toEqual([
      '# Benchmarks',
      'A',
      'B (measured alone, today)',
      'Dashboard (browser)',
    ]);
    expect(doc).toContain('| x | 20.0 ms |');
    expect(doc).not.toContain('| x | 2 ms |');
    expect(doc.replace(/## B[\s\S]*?(?=## Dashboard)/, '')).toBe(
      full.replace(/## B[\s\S]*?(?=## Dashboard)/, ''),
    );
    // Run again: the section measured alone is found again by its name.
    expect(replaceSections(doc, [fig('B', 20)], 'alone, today')).toBe(doc);
  });

  it('does add a new section before the dashboard', () => {
    const doc = replaceSections(full, [fig('C', 4)], 'alone, today');
    expect(doc.indexOf('## C (measured alone, today)')).toBeGreaterThan(doc.indexOf('## B'));
    expect(doc.indexOf('## C (measured alone, today)')).toBeLessThan(doc.indexOf('## Dashboard'));
    expect(doc.endsWith('|\n')).toBe(true);
  });
});
