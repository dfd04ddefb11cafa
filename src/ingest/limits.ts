import { LABEL_NAME, METRIC_NAME, parseSeriesKey, seriesKey } from '../contract/index.ts';
import { IngestRejectedError } from './errors.ts';

export interface IngestLimits {
  /** @defaultValue 250000 */
  readonly maxSamplesPerRequest: number;
  /** @defaultValue 16 */
  readonly maxLabels: number;
  /** @defaultValue 256 */
  readonly maxLabelLength: number;
}

/** Checks a metric name and its labels; returns the canonical series key. */
export function checkSeries(
  name: string,
  labels: Readonly<Record<string, string>>,
  limits: IngestLimits,
): string {
  if (!METRIC_NAME.test(name)) {
    throw new IngestRejectedError(
      'bad_request',
      `metric name "${name}" is not valid: it must match ${METRIC_NAME.source}`,
    );
  }
  const names = Object.keys(labels);
  if (names.length > limits.maxLabels) {
    throw new IngestRejectedError(
      'limit_exceeded',
      `${name} has ${names.length} labels; the limit is ${limits.maxLabels} (VITALS_MAX_LABELS)`,
    );
  }
  for (const label of names) {
    if (!LABEL_NAME.test(label))
      throw new IngestRejectedError('bad_request', `${name}: label name "${label}" is not valid`);
    const value = labels[label] ?? '';
    if (value.length > limits.maxLabelLength) {
      throw new IngestRejectedError(
        'limit_exceeded',
        `${name}: label ${label} is ${value.length} characters; the limit is ${limits.maxLabelLength} (VITALS_MAX_LABEL_LENGTH)`,
      );
    }
  }
  return seriesKey(name, labels);
}

/**
 * Keys already checked, raw → canonical. Agents send the same few hundred keys every interval, so the
 * parse is paid once per key, not once per sample; bounded, and cleared whole when full.
 */
const checkedKeys = new Map<string, { canonical: string; limits: IngestLimits }>();
const CHECKED_MAX = 100_000;

/** Parses and checks a series key as written by a client (`name{a="b"}`); returns it in canonical form. */
export function checkSeriesKey(key: string, limits: IngestLimits): string {
  const known = checkedKeys.get(key);
  if (known && known.limits === limits) return known.canonical;
  const canonical = parseAndCheck(key, limits);
  if (checkedKeys.size >= CHECKED_MAX) checkedKeys.clear();
  checkedKeys.set(key, { canonical, limits });
  return canonical;
}

function parseAndCheck(key: string, limits: IngestLimits): string {
  let parsed: { name: string; labels: Record<string, string> };
  try {
    parsed = parseSeriesKey(key);
  } catch (err: unknown) {
    throw new IngestRejectedError(
      'bad_request',
      `series "${key}" cannot be read: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  return checkSeries(parsed.name, parsed.labels, limits);
}

export function checkSampleCount(count: number, limits: IngestLimits): void {
  if (count > limits.maxSamplesPerRequest) {
    throw new IngestRejectedError(
      'limit_exceeded',
      `the request carries ${count} samples; the limit is ${limits.maxSamplesPerRequest} per request (VITALS_MAX_SAMPLES_PER_REQUEST)`,
    );
  }
}
