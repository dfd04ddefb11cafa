/**
 * Writes samples as Prometheus text (0.0.4) or OpenMetrics 1.0 text. Every sample of one metric sits in
 * one block behind its `# TYPE` line, because both formats reject a metric that shows up twice. With
 * timestamps on (the default) the output parses back to exactly the same samples; values use the
 * shortest round-trip repr, with `NaN`, `+Inf`, `-Inf` and `-0` spelled out. Names follow Prometheus'
 * conventions and each family's `# HELP` carries the Vitals name back (see `prometheus-names.ts`). A
 * sample's host, when it has one, is the label `host` (see `host-field.ts`).
 */
import { msToSecondsText } from './decimal.ts';
import { labelsWithHost } from './host-field.ts';
import type { ExpositionFlavor } from './openmetrics.ts';
import { assertPrometheusLabelName, prometheusNameFromVitals, vitalsHelpText } from './prometheus-names.ts';
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
  /**
   * The families of a whole exposition written in several calls (an export, batch after batch): each
   * metric gets its `# HELP` and `# TYPE` once, and two Vitals names that map to one Prometheus name get
   * distinct ones. @defaultValue a fresh table per call
   */
  families?: ExpositionFamilies;
}

/** Vitals name → Prometheus name of every family written so far, and the metric written last. */
export interface ExpositionFamilies {
  readonly byVitals: Map<string, string>;
  readonly used: Set<string>;
  last?: string;
}

export function createExpositionFamilies(): ExpositionFamilies {
  return { byVitals: new Map(), used: new Set() };
}

/** A Prometheus name for a new family: the mapped name, or with `_2`, `_3`… if another family has it. */
function familyName(families: ExpositionFamilies, name: string): string {
  const base = prometheusNameFromVitals(name);
  let metric = base;
  for (let n = 2; families.used.has(metric); n++) metric = `${base}_${n}`;
  families.used.add(metric);
  families.byVitals.set(name, metric);
  return metric;
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
function headerLines(name: string, metric: string, type: ExpositionType, flavor: ExpositionFlavor): string[] {
  const help = vitalsHelpText(name);
  if (flavor === 'prometheus') return [`# HELP ${metric} ${help}`, `# TYPE ${metric} ${type}`];
  const family = type === 'counter' && metric.endsWith('_total') ? metric.slice(0, -6) : metric;
  const omType = family !== metric ? 'counter' : type === 'gauge' ? 'gauge' : 'unknown';
  return [`# HELP ${family} ${help}`, `# TYPE ${family} ${omType}`];
}

function sampleLine(metric: string, sample: Sample, options: ExpositionFormatOptions): string {
  const labels = sample.host === undefined ? sample.labels : labelsWithHost(sample.labels, sample.host);
  const head = `${metric}${formatLabelSet(labels)} ${formatFloat(sample.value)}`;
  if (options.withTimestamps === false) return head;
  assertTimestamp(sample);
  const stamp =
    options.flavor === 'openmetrics' ? msToSecondsText(sample.timestamp) : String(sample.timestamp);
  return `${head} ${stamp}`;
}

/**
 * Streams lines (without line breaks). Input must already be grouped by metric name, as an export that
 * walks series by series is; a name that comes back after another one throws a `FormatError`, unless
 * `families` is shared across calls: then its samples follow without a second header.
 */
export function* formatExpositionLines(
  samples: Iterable<Sample>,
  options: ExpositionFormatOptions = {},
): Generator<string> {
  const flavor = options.flavor ?? 'prometheus';
  const families = options.families ?? createExpositionFamilies();
  let metric = '';
  for (const sample of samples) {
    if (sample.name !== families.last) {
      const known = families.byVitals.get(sample.name);
      if (known !== undefined && options.families === undefined) {
        throw new FormatError(`samples of ${sample.name} are not contiguous`);
      }
      families.last = sample.name;
      metric = known ?? familyName(families, sample.name);
      if (known === undefined) {
        yield* headerLines(sample.name, metric, options.typeOf?.(sample.name) ?? 'untyped', flavor);
      }
    } else if (metric === '') {
      metric = families.byVitals.get(sample.name) ?? familyName(families, sample.name);
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
