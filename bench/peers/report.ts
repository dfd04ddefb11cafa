import { SYSTEM_TITLES, SYSTEMS, type SystemName } from './system.ts';

/** One figure measured on every system that has it, side by side. */
export interface PeerFigure {
  readonly section: string;
  readonly name: string;
  readonly unit: string;
  /** Which way is better, so a reader can judge `Vitals ÷ peer`. */
  readonly better: 'lower' | 'higher';
  readonly values: Partial<Record<SystemName, number>>;
  readonly note?: string;
  /**
   * Why Vitals trails on this row and what closing the gap would take (from profiles and key-by-key
   * memory); printed under the tables only when Vitals is neither best nor within 10 % of the best.
   */
  readonly behind?: string;
}

/** How far Vitals may trail the best system and still count as level with it. */
export const LEVEL_WITHIN = 0.1;

/** The best system of a row and whether Vitals is it or within LEVEL_WITHIN of it. */
export function standing(f: PeerFigure): { best: SystemName; level: boolean } | undefined {
  const present = SYSTEMS.filter((s) => f.values[s] !== undefined);
  const vitals = f.values.vitals;
  if (vitals === undefined || present.length < 2) return undefined;
  const value = (s: SystemName) => f.values[s] as number;
  const best = present.reduce((a, b) =>
    (f.better === 'lower' ? value(b) < value(a) : value(b) > value(a)) ? b : a,
  );
  const level =
    f.better === 'lower'
      ? vitals <= value(best) * (1 + LEVEL_WITHIN)
      : vitals >= value(best) * (1 - LEVEL_WITHIN);
  return { best, level };
}

const PEERS = SYSTEMS.filter((s) => s !== 'vitals');
/** A block of docs/BENCHMARKS.md: it starts at its heading (other writers split the page at `## ` headings) and ends at its end marker. */
export interface BlockMarks {
  readonly heading: string;
  readonly end: string;
}
/** The peer comparison (`--only peers`). */
export const PEER_BLOCK: BlockMarks = {
  heading: '## Beside VictoriaMetrics, InfluxDB and Prometheus',
  end: '<!-- end of the peer comparison (npm run bench -- --only peers) -->',
};
/** Ingest by wire protocol beside VictoriaMetrics (`--only protocols`, also part of `--peers`). */
export const PROTOCOL_BLOCK: BlockMarks = {
  heading: '## Ingest by protocol, beside VictoriaMetrics',
  end: '<!-- end of the protocol comparison (npm run bench -- --only protocols) -->',
};

function fmt(v: number | undefined): string {
  if (v === undefined) return '—';
  if (!Number.isFinite(v)) return String(v);
  if (Math.abs(v) >= 1000) return Math.round(v).toLocaleString('en-US');
  if (Math.abs(v) >= 100) return v.toFixed(0);
  if (Math.abs(v) >= 10) return v.toFixed(1);
  return v
    .toPrecision(3)
    .replace(/(\.\d*?)0+$/, '$1')
    .replace(/\.$/, '');
}

/** Vitals ÷ peer, or undefined where either is missing. */
export function ratioTo(f: PeerFigure, peer: SystemName): number | undefined {
  const [v, p] = [f.values.vitals, f.values[peer]];
  return v === undefined || p === undefined || p === 0 ? undefined : v / p;
}

export function printPeers(figures: readonly PeerFigure[]): void {
  for (const f of figures) {
    const cells = SYSTEMS.filter((s) => f.values[s] !== undefined).map((s) => `${s} ${fmt(f.values[s])}`);
    const ratios = PEERS.map((p) => [p, ratioTo(f, p)] as const)
      .filter(([, r]) => r !== undefined)
      .map(([p, r]) => `÷${p} ${fmt(r)}`);
    process.stdout.write(`${f.section} | ${f.name} (${f.unit}): ${[...cells, ...ratios].join(', ')}\n`);
  }
}

/** The peer tables as a block of docs/BENCHMARKS.md, between markers so a later run can replace it. */
export function peerMarkdown(
  figures: readonly PeerFigure[],
  meta: Record<string, string>,
  intro: string[],
  marks: BlockMarks = PEER_BLOCK,
): string {
  // The systems any figure of the block has a value for (the protocol block has no InfluxDB column).
  const systems = SYSTEMS.filter((s) => figures.some((f) => f.values[s] !== undefined));
  const peers = PEERS.filter((p) => systems.includes(p));
  const titles = peers.map((p) => SYSTEM_TITLES[p].replace(/ [\d.]+$/, ''));
  const lines = [
    marks.heading,
    '',
    ...intro,
    '',
    ...Object.entries(meta).map(([k, v]) => `- ${k}: ${v}`),
    '',
  ];
  for (const section of [...new Set(figures.map((f) => f.section))]) {
    lines.push(
      `### ${section}`,
      '',
      `| figure | better | ${systems.map((s) => SYSTEM_TITLES[s]).join(' | ')} | ${titles.map((t) => `Vitals ÷ ${t}`).join(' | ')} |`,
      `| --- | --- | ${systems.map(() => '---').join(' | ')} | ${peers.map(() => '---').join(' | ')} |`,
    );
    for (const f of figures.filter((x) => x.section === section)) {
      const values = systems.map((s) => (f.values[s] === undefined ? '—' : `${fmt(f.values[s])} ${f.unit}`));
      const ratios = peers.map((p) => fmt(ratioTo(f, p)));
      lines.push(
        `| ${f.name}${f.note ? ` (${f.note})` : ''} | ${f.better} | ${values.join(' | ')} | ${ratios.join(' | ')} |`,
      );
    }
    lines.push('');
  }
  const behind = figures.filter((f) => standing(f)?.level === false);
  if (behind.length > 0) {
    lines.push(`### Rows where Vitals is not the best or within ${LEVEL_WITHIN * 100} % of it`, '');
    for (const f of behind) {
      const best = standing(f)?.best ?? 'vitals';
      lines.push(
        `- **${f.section}, ${f.name}**: Vitals ${fmt(f.values.vitals)}, ${SYSTEM_TITLES[best]} ${fmt(f.values[best])} ${f.unit}. ${f.behind ?? 'No explanation recorded.'}`,
      );
    }
    lines.push('');
  }
  lines.push(marks.end, '');
  return lines.join('\n');
}

function blockAt(doc: string, marks: BlockMarks): { start: number; end: number } | undefined {
  const found = `\n${doc}`.indexOf(`\n${marks.heading}\n`);
  const end = found < 0 ? -1 : doc.indexOf(marks.end, found);
  return end < 0 ? undefined : { start: found, end: end + marks.end.length };
}

/** The peer block (or another block) of a BENCHMARKS.md text, if it has one. */
export function peerBlockOf(doc: string, marks: BlockMarks = PEER_BLOCK): string | undefined {
  const at = blockAt(doc, marks);
  return at ? `${doc.slice(at.start, at.end)}\n` : undefined;
}

/** `doc` with its peer block (or another block) replaced by `block` (appended when it has none). */
export function withPeerBlock(doc: string, block: string, marks: BlockMarks = PEER_BLOCK): string {
  const at = blockAt(doc, marks);
  if (!at) return `${doc.trimEnd()}\n\n${block}`;
  return `${doc.slice(0, at.start)}${block.trimEnd()}${doc.slice(at.end)}`;
}
