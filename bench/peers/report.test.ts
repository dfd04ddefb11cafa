import { describe, expect, it } from 'vitest';
import { type PeerFigure, peerBlockOf, peerMarkdown, ratioTo, standing, withPeerBlock } from './report.ts';

const figure: PeerFigure = {
  section: 'Storage',
  name: 'real capture',
  unit: 'B/sample',
  better: 'lower',
  values: { vitals: 1, victoria: 0.5, influx: 4, prometheus: 2 },
};

describe('peer report', () => {
  it('does divide Vitals by each peer and leave out peers without the figure', () => {
    expect(ratioTo(figure, 'victoria')).toBe(2);
    expect(ratioTo(figure, 'influx')).toBe(0.25);
    expect(ratioTo({ ...figure, values: { vitals: 1, victoria: 2 } }, 'prometheus')).toBeUndefined();
  });

  it('does write one table row per figure with every system and every ratio', () => {
    const block = peerMarkdown([figure], { date: 'today' }, ['intro']);
    const row = block.split('\n').find((l) => l.startsWith('| real capture'));
    expect(row).toBe(
      '| real capture | lower | 1 B/sample | 0.5 B/sample | 4 B/sample | 2 B/sample | 2 | 0.25 | 0.5 |',
    );
  });

  it('does replace the block in place when the page has one and append it otherwise', () => {
    const first = peerMarkdown([figure], { date: 'first' }, []);
    const page = `# Benchmarks\n\n## Queries\n\ntable\n`;
    const once = withPeerBlock(page, first);
    expect(once.startsWith(page.trimEnd())).toBe(true);
    expect(peerBlockOf(once)).toBe(first);
    const later = `${once}\n## Dashboard\n\nmore\n`;
    const second = peerMarkdown([figure], { date: 'second' }, []);
    const twice = withPeerBlock(later, second);
    expect(twice).toBe(later.replace(first.trimEnd(), second.trimEnd()));
    expect(twice.match(/## Beside/g)).toHaveLength(1);
  });

  it('does list the rows where Vitals trails the best by more than 10 %, with their explanation', () => {
    const close: PeerFigure = {
      ...figure,
      name: 'close',
      values: { vitals: 1.05, victoria: 1 },
      behind: 'x',
    };
    const faster: PeerFigure = {
      ...figure,
      name: 'rate',
      better: 'higher',
      values: { vitals: 95, influx: 100 },
    };
    const slow: PeerFigure = {
      ...figure,
      name: 'slow',
      values: { vitals: 3, victoria: 1 },
      behind: 'Decoding.',
    };
    expect(standing(close)).toEqual({ best: 'victoria', level: true });
    expect(standing(faster)).toEqual({ best: 'influx', level: true });
    expect(standing(slow)).toEqual({ best: 'victoria', level: false });
    expect(standing({ ...figure, values: { vitals: 1, prometheus: 2 } })).toEqual({
      best: 'vitals',
      level: true,
    });
    const block = peerMarkdown([close, faster, slow, figure], { date: 'today' }, []);
    const listed = block.split('\n').filter((l) => l.startsWith('- **'));
    expect(listed).toEqual([
      '- **Storage, slow**: Vitals 3, VictoriaMetrics 1.79 1 B/sample. Decoding.',
      '- **Storage, real capture**: Vitals 1, VictoriaMetrics 1.79 0.5 B/sample. No explanation recorded.',
    ]);
  });
});
