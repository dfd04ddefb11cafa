/** One benchmark figure, with its baseline from the same run when there is one. */
export interface Figure {
  readonly section: string;
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  /** The original design's figure measured in the same run. */
  readonly baseline?: number;
  /** Target from the issue, e.g. `≤ 1.5` or `≥ 1000000`. */
  readonly target?: { readonly op: '≤' | '≥'; readonly value: number };
  readonly note?: string;
}

export function meets(f: Figure): boolean | undefined {
  if (!f.target) return undefined;
  return f.target.op === '≤' ? f.value <= f.target.value : f.value >= f.target.value;
}

function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Math.abs(v) >= 1000) return Math.round(v).toLocaleString('en-US');
  if (Math.abs(v) >= 10) return v.toFixed(1);
  return v.toFixed(v === 0 ? 0 : 3).replace(/\.?0+$/, '') || '0';
}

function ratio(f: Figure): string {
  if (f.baseline === undefined || f.baseline === 0 || f.value === 0) return '';
  const r = f.baseline / f.value;
  // Say it the readable way round: "12× smaller", "3× faster" etc. are judged by the unit's direction.
  return r >= 1 ? `${fmt(r)}× less` : `${fmt(1 / r)}× more`;
}

export function markdown(figures: readonly Figure[], meta: Record<string, string>): string {
  const sections = [...new Set(figures.map((f) => f.section))];
  const lines = [
    '# Benchmarks',
    '',
    'Written by `npm run bench` (`npm run bench -- --json FILE` for machine-readable figures). Every baseline',
    'figure comes from the same run on the same machine: the original design, one JSON snapshot per',
    '5-second heartbeat per host in one Redis sorted set. These machines are shared and noisy; compare ratios',
    'more than absolute numbers.',
    '',
    ...Object.entries(meta).map(([k, v]) => `- ${k}: ${v}`),
    '',
  ];
  for (const section of sections) lines.push(...sectionLines(section, figures));
  return lines.join('\n');
}

/** One section's heading and table; `measured` says when it was measured apart from the rest. */
function sectionLines(section: string, figures: readonly Figure[], measured?: string): string[] {
  const lines = [
    `## ${section}${measured ? ` (measured ${measured})` : ''}`,
    '',
    '| figure | Vitals | baseline | ratio | target | met |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const f of figures.filter((x) => x.section === section)) {
    const met = meets(f);
    lines.push(
      `| ${f.name}${f.note ? ` (${f.note})` : ''} | ${fmt(f.value)} ${f.unit} | ${f.baseline === undefined ? '—' : `${fmt(f.baseline)} ${f.unit}`} | ${ratio(f) || '—'} | ${f.target ? `${f.target.op} ${fmt(f.target.value)}` : '—'} | ${met === undefined ? '—' : met ? 'yes' : '**no**'} |`,
    );
  }
  lines.push('');
  return lines;
}

/**
 * `doc` (docs/BENCHMARKS.md) with the sections of `figures` written anew, each headed as `measured`
 * apart from the full run the rest of the page comes from: in place of the same section, else before
 * the browser-measured dashboard, else at the end.
 */
export function replaceSections(doc: string, figures: readonly Figure[], measured: string): string {
  let blocks = doc.split(/\n(?=## )/);
  for (const section of new Set(figures.map((f) => f.section))) {
    const block = sectionLines(section, figures, measured).join('\n');
    const heading = (b: string) => b.startsWith(`## ${section}\n`) || b.startsWith(`## ${section} (`);
    const at = blocks.findIndex(heading);
    const dashboard = blocks.findIndex((b) => b.startsWith('## Dashboard'));
    if (at >= 0) blocks[at] = block;
    else blocks = blocks.toSpliced(dashboard >= 0 ? dashboard : blocks.length, 0, block);
  }
  return `${blocks.map((b) => b.replace(/\n+$/, '')).join('\n\n')}\n`;
}

export function percentile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;
}

export function median(values: readonly number[]): number {
  return percentile(values, 0.5);
}
