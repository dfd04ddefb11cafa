/**
 * Vitals metric names ↔ Prometheus metric names.
 *
 * Out: the OpenTelemetry-to-Prometheus mapping, plus what `promtool check metrics` asks for. Every
 * character outside `[a-zA-Z0-9_]` (the `.` of `cpu.usage`, a colon, a dash…) becomes `_`, a leading digit
 * gets a `_` in front, camelCase becomes snake_case, and abbreviated or non-base units are spelled so the
 * linter accepts them without touching values (`_sec` → `_seconds`, `_per_sec` → `_per_second`, `_ms` →
 * `_msec`, `_milliseconds` → `_msec`; see `ABBREVIATIONS` and `NON_BASE_UNITS`), and a metric type after
 * an underscore takes a plural (`_gauge` → `_gauges`). No colons: they are reserved for recording rules.
 *
 * That mapping is not reversible (`net.rx_bps` and `net_rx.bps` meet), so every family written by Vitals
 * carries its Vitals name as `# HELP <prometheus name> Vitals metric <vitals name>`, and the parser reads
 * it back from there. Names without such a HELP line (any other exporter) come in as written, except
 * that a colon becomes a dot (`job:up:sum` → `job.up.sum`), as before. Label names are the same in both
 * worlds.
 */
import { FormatError } from './sample.ts';

const PROMETHEUS_METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
export const PROMETHEUS_LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** HELP text that names the Vitals metric of a family. */
export const VITALS_HELP_PREFIX = 'Vitals metric ';

/**
 * Abbreviated units `promtool check metrics` flags after an underscore, with the spelling written instead.
 * Values are never scaled: the unit stays the same, only its spelling changes. The single letters it
 * flags (`s`, `b`, `m`, `h`, `d`) could be anything (`disk.b`), so they are joined to the part before.
 */
const ABBREVIATIONS: Readonly<Record<string, string>> = {
  sec: 'seconds',
  ms: 'msec',
  us: 'usec',
  ns: 'nsec',
  kb: 'kbytes',
  mb: 'mbytes',
  gb: 'gbytes',
  tb: 'tbytes',
  pb: 'pbytes',
};
const SINGLE_LETTERS = new Set(['s', 'b', 'm', 'h', 'd']);
/** Metric types promtool does not want in a name after an underscore: written in the plural instead. */
const TYPE_WORDS = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

/** Non-base units promtool flags anywhere in a name (it wants seconds, bytes…), spelled as above. */
const NON_BASE_UNITS: Readonly<Record<string, string>> = {
  milliseconds: 'msec',
  microseconds: 'usec',
  nanoseconds: 'nsec',
  minutes: 'min',
  hours: 'hrs',
  days: 'day',
  weeks: 'wk',
  bits: 'bit',
  kilobytes: 'kbytes',
  megabytes: 'mbytes',
  gigabytes: 'gbytes',
  terabytes: 'tbytes',
  fahrenheit: 'degf',
  rankine: 'degr',
};
const LINTED_UNITS = new Set(
  'amperes bytes celsius grams joules kelvin kelvins meters metres seconds volts minutes hours days weeks fahrenheit rankine inches yards miles bits calories pounds ounces'.split(
    ' ',
  ),
);
const UNIT_PREFIXES =
  'pico nano micro milli centi deci deca hecto kilo kibi mega mibi giga gibi tera tebi peta pebi'.split(' ');
const BASE_UNITS = new Set(
  'amperes bytes celsius grams joules kelvin meters metres seconds volts'.split(' '),
);

/** A unit promtool would ask to be written in its base unit: a non-base unit, or any prefixed unit. */
function isNonBaseUnit(part: string): boolean {
  if (LINTED_UNITS.has(part)) return !BASE_UNITS.has(part);
  return UNIT_PREFIXES.some((p) => part.startsWith(p) && LINTED_UNITS.has(part.slice(p.length)));
}

function unitWord(part: string, index: number, parts: readonly string[]): string {
  if (isNonBaseUnit(part)) return NON_BASE_UNITS[part] ?? part.replace(/s$/, '');
  // promtool reads an abbreviation only after an underscore, so the first part keeps its spelling.
  if (index === 0) return part;
  if (TYPE_WORDS.has(part)) return `${part}s`;
  // `ops_per_sec` reads better as `ops_per_second` than as `ops_per_seconds`.
  if (parts[index - 1] === 'per' && (part === 'sec' || part === 's')) return 'second';
  return ABBREVIATIONS[part] ?? part;
}

export function isPrometheusMetricName(name: string): boolean {
  return PROMETHEUS_METRIC_NAME.test(name);
}

/** A name that does not come with a `Vitals metric` HELP line: colons become dots. */
export function vitalsNameFromPrometheus(name: string): string {
  return name.replaceAll(':', '.');
}

/**
 * The Prometheus name a Vitals name is written as (see the module comment). Throws a `FormatError` for a
 * name a `# HELP` line cannot carry back (empty, control characters, spaces at either end).
 */
export function prometheusNameFromVitals(name: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused.
  if (!/^\S(?:.*\S)?$/u.test(name) || /[\u0000-\u001f\u007f]/.test(name)) {
    throw new FormatError(`metric name ${JSON.stringify(name)} cannot be written as a Prometheus name`);
  }
  const snake = name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_');
  const parts = snake.split('_');
  const spelled = parts
    .map((part, i) =>
      i > 0 && SINGLE_LETTERS.has(part) && parts[i - 1] !== 'per' ? part : `_${unitWord(part, i, parts)}`,
    )
    .join('')
    .slice(1);
  return /^[0-9]/.test(spelled) ? `_${spelled}` : spelled;
}

/** `# HELP` text naming the Vitals metric; backslash and line feed escaped as the text format wants. */
export function vitalsHelpText(name: string): string {
  return VITALS_HELP_PREFIX + name.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/**
 * The Vitals name a `# HELP` line gives for its family, if it is one Vitals wrote: the text starts with
 * `Vitals metric ` and the name maps to the family's name (or to it before a collision suffix `_2`, `_3`…,
 * or to an OpenMetrics counter family's samples, `<family>_total`).
 */
export function vitalsNameFromHelp(family: string, text: string): string | undefined {
  if (!text.startsWith(VITALS_HELP_PREFIX)) return undefined;
  const name = text
    .slice(VITALS_HELP_PREFIX.length)
    .replace(/\\(.)/g, (_, char: string) => (char === 'n' ? '\n' : char));
  let mapped: string;
  try {
    mapped = prometheusNameFromVitals(name);
  } catch {
    return undefined;
  }
  const fits =
    family === mapped || `${family}_total` === mapped || new RegExp(`^${mapped}_[0-9]+$`).test(family);
  return fits ? name : undefined;
}

export function assertPrometheusLabelName(name: string): void {
  if (!PROMETHEUS_LABEL_NAME.test(name)) {
    throw new FormatError(`label name ${JSON.stringify(name)} is not a valid Prometheus label name`);
  }
}
