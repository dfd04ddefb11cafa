import {
  DEFAULT_METRICS_INTERVAL_S,
  DEFAULT_THRESHOLDS,
  LABEL_NAME,
  type Thresholds,
} from '../contract/index.ts';
import { invalid } from './errors.ts';
import { type Collector, type Host, HostCreate, HostPatch } from './schema.ts';
import { restoreSettings } from './secrets.ts';
import { liftUrlCredentials } from './url-credentials.ts';
import { checker } from './validate.ts';

/** Labels a host may carry. */
export const MAX_HOST_LABELS = 32;
/** Largest collector settings object, as JSON. */
export const MAX_SETTINGS_BYTES = 16 * 1024;

const checkCreate = checker(HostCreate);
const checkPatch = checker(HostPatch);

function checkLabels(labels: Readonly<Record<string, string>>): Record<string, string> {
  const names = Object.keys(labels);
  if (names.length > MAX_HOST_LABELS) throw invalid('labels', `at most ${MAX_HOST_LABELS} labels`);
  for (const name of names) {
    if (!LABEL_NAME.test(name)) throw invalid(`labels.${name}`, 'must be letters, digits or "_"');
  }
  return { ...labels };
}

/** Settings from a client, checked for size, with credentials moved out of a URL into their own fields. */
function checkSettings(collector: Collector): Collector {
  if (Buffer.byteLength(JSON.stringify(collector.settings)) > MAX_SETTINGS_BYTES) {
    throw invalid('collector.settings', `at most ${MAX_SETTINGS_BYTES} bytes as JSON`);
  }
  return liftUrlCredentials(collector);
}

/** Named fields only, so nothing but cpu, memory and disk can reach a stored host. */
function mergeThresholds(base: Thresholds, change: Partial<Thresholds> = {}): Thresholds {
  return {
    cpu: change.cpu ?? base.cpu,
    memory: change.memory ?? base.memory,
    disk: change.disk ?? base.disk,
  };
}

/** A new host from API or push input: checked, with every default filled in. */
export function newHost(input: unknown, now: number): Host {
  const body = checkCreate(input);
  const settings = restoreSettings(body.collector?.settings ?? {}, {});
  return {
    id: body.id,
    name: body.name ?? body.id,
    labels: checkLabels(body.labels ?? {}),
    metricsEnabled: body.metricsEnabled ?? true,
    metricsInterval: body.metricsInterval ?? DEFAULT_METRICS_INTERVAL_S,
    collector: checkSettings({ kind: body.collector?.kind ?? 'push', settings }),
    thresholds: mergeThresholds(DEFAULT_THRESHOLDS, body.thresholds),
    createdAt: now,
    updatedAt: now,
  };
}

function patchCollector(stored: Collector, patch: HostPatch['collector']): Collector {
  if (!patch) return stored;
  const kind = patch.kind ?? stored.kind;
  const sameKind = kind === stored.kind;
  if (!patch.settings) return { kind, settings: sameKind ? stored.settings : {} };
  // Secrets are carried over only within the same collector kind.
  const settings = restoreSettings(patch.settings, sameKind ? stored.settings : {});
  return checkSettings({ kind, settings });
}

/** The host after a patch, or the same object when the patch changes nothing. */
export function patchedHost(stored: Host, input: unknown, now: number): Host {
  const patch = checkPatch(input);
  const next: Host = {
    ...stored,
    name: patch.name ?? stored.name,
    labels: patch.labels ? checkLabels(patch.labels) : stored.labels,
    metricsEnabled: patch.metricsEnabled ?? stored.metricsEnabled,
    metricsInterval: patch.metricsInterval ?? stored.metricsInterval,
    collector: patchCollector(stored.collector, patch.collector),
    thresholds: mergeThresholds(stored.thresholds, patch.thresholds),
  };
  if (JSON.stringify(next) === JSON.stringify(stored)) return stored;
  return { ...next, updatedAt: now };
}
