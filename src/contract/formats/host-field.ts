/**
 * Where a sample's Vitals host goes in the formats whose labels and host share one namespace: the tag
 * `host` in Influx line protocol (as Telegraf tags every line) and the label `host` in Prometheus text and
 * OpenMetrics (as federation labels every series). CSV has a column of its own for it, so its labels
 * need nothing of this.
 *
 * A series may have a label of its own named `host`. It is written as `exported_host`, as Prometheus
 * renames a scraped label that clashes with a target label; a label already named `exported_host` (or
 * `exported_exported_host`…) gets one more `exported_` in front. Reading takes one `exported_` off again,
 * so the host and every label come back as they were.
 */

/** The tag or label that carries the Vitals host. */
export const HOST_LABEL = 'host';

const EXPORTED = 'exported_';
/** `host`, `exported_host`, `exported_exported_host`…: the names written with one more `exported_`. */
const CLASHING = /^(?:exported_)*host$/;
/** The names read back with one `exported_` less. */
const ESCAPED = /^(?:exported_)+host$/;

/** The labels as written with the host: `host` is the Vitals host, clashing labels are prefixed. */
export function labelsWithHost(
  labels: Readonly<Record<string, string>>,
  host: string,
): Record<string, string> {
  const entries = Object.entries(labels).map(([name, value]): [string, string] =>
    CLASHING.test(name) ? [`${EXPORTED}${name}`, value] : [name, value],
  );
  // fromEntries defines own properties, so a label called `__proto__` stays a label.
  return Object.fromEntries([[HOST_LABEL, host], ...entries]);
}

/** The inverse of `labelsWithHost`: the host (undefined without a `host` label) and the labels. */
export function hostFromLabels(labels: Readonly<Record<string, string>>): {
  host: string | undefined;
  labels: Record<string, string>;
} {
  let host: string | undefined;
  const entries: [string, string][] = [];
  for (const [name, value] of Object.entries(labels)) {
    if (name === HOST_LABEL) host = value;
    else entries.push([ESCAPED.test(name) ? name.slice(EXPORTED.length) : name, value]);
  }
  return { host, labels: Object.fromEntries(entries) };
}
