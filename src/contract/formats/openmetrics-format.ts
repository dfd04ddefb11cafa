/**
 * Writes samples as Prometheus text (0.0.4) or OpenMetrics 1.0 text. Every sample of one metric sits in
 * one block behind its `# TYPE` line, because both formats reject a metric that shows up twice. With
 * timestamps on (the default) the output parses back to exactly the same samples; values use the
 * shortest round-trip repr, with `NaN`, `+Inf`, `-Inf` and `-0` spelled out.
 */
import { msToSecondsText } from './decimal.ts';
import type { ExpositionFlavor } from './openmetrics.ts';
import { assertPrometheusLabelName, prometheusNameFromVitals } from './prometheus-names.ts';
import { assertTimestamp, FormatError, formatFloat, type Sample, sortedLabels } from './sample.ts';

/** The types a single-sample metric can declare; histogram and summary families are written untyped. */
export type ExpositionType = 'counter' | 'gauge' | 'untyped';

export interface ExpositionFormatOptions {
  /** @defaultValue 'prometheus' */
  flavor?: ExpositionFlavor;
  /** Without timestamps a scraper stamps samples with its own clock. @defaultValue true */
  withTimestamps?: boolean;
  /** `# TYPE` per Vitals metric name. @defaultValue every metric is untyped */
  typeOf?: (name: string) => ExpositionType | undefined;
}

function escapeLabelValue(value: string): string {
  return value.replace(/[\\"\n]/g, (char) => (char === '\n' ? '\\n' : `\\${char}`));
}

function formatLabelSet(labels: Readonly<Record<string, string>>): string {
  const entries = sortedLabels(labels);
  if (entries.length === 0) return '';
  const parts = entries.map(([name, value]) => {
    assertPrometheusLabelName(name);
    return `${name}="${escapeLabelValue(value)}"`;
  });
  return `{${parts.join(',')}}`;
}

/**
 * OpenMetrics says `unknown` for untyped, and a counter's samples must end in `_total` with the family
 * named without it; a counter whose name lacks the suffix is declared unknown rather than written invalid.
 */
function typeLine(metric: string, type: ExpositionType, flavor: ExpositionFlavor): string {
  if (flavor === 'prometheus') return `# TYPE ${metric} ${type}`;
  if (type === 'counter' && metric.endsWith('_total')) return `# TYPE ${metric.slice(0, -6)} counter`;
  return `# TYPE ${metric} ${type === 'gauge' ? 'gauge' : 'unknown'}`;
}

function sampleLine(metric: string, sample: Sample, options: ExpositionFormatOptions): string {
  const head = `${metric}${formatLabelSet(sample.labels)} ${formatFloat(sample.value)}`;
  if (options.withTimestamps === false) return head;
  assertTimestamp(sample);
  const stamp =
    options.flavor === 'openmetrics' ? msToSecondsText(sample.timestamp) : String(sample.timestamp);
  return `${head} ${stamp}`;
}

/**
 * Streams lines (without line breaks). Input must already be grouped by metric name, as an export that
 * walks series by series is; a name that comes back after another one throws a `FormatError`.
 */
export function* formatExpositionLines(
  samples: Iterable<Sample>,
  options: ExpositionFormatOptions = {},
): Generator<string> {
  const flavor = options.flavor ?? 'prometheus';
  const done = new Set<string>();
  let current: string | undefined;
  let metric = '';
  for (const sample of samples) {
    if (sample.name !== current) {
      if (done.has(sample.name)) throw new FormatError(`samples of ${sample.name} are not contiguous`);
      if (current !== undefined) done.add(current);
      current = sample.name;
      metric = prometheusNameFromVitals(sample.name);
      yield typeLine(metric, options.typeOf?.(sample.name) ?? 'untyped', flavor);
    }
    yield sampleLine(metric, sample, options);
  }
  if (flavor === 'openmetrics') yield '# EOF';
}

/** Groups samples by metric (first appearance order) and returns the whole text, ending with a newline. */
export function formatExposition(samples: Iterable<Sample>, options: ExpositionFormatOptions = {}): string {
  const groups = new Map<string, Sample[]>();
  for (const sample of samples) {
    const group = groups.get(sample.name);
    if (group === undefined) groups.set(sample.name, [sample]);
    else group.push(sample);
  }
  const lines = [...formatExpositionLines([...groups.values()].flat(), options)];
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}
