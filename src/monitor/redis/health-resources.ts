import type { HealthStatus } from '../health.ts';
import type { RedisFigures } from './health-figures.ts';
import type { Judged, RedisHealthThresholds } from './health-types.ts';
import { round2 } from './health-types.ts';

/**
 * Fragmentation is judged only from this much data on: below it the process' fixed RSS (code, allocator
 * arenas, ~10 MiB) dominates the ratio, and a fresh Redis shows 7 or more.
 */
const FRAGMENTATION_MIN_USED = 32 * 1024 * 1024;

/** `pass`, `warn` or `fail` for a figure that is bad when high. */
export function atLeast(value: number, warn: number, fail: number): HealthStatus {
  return value >= fail ? 'fail' : value >= warn ? 'warn' : 'pass';
}

export function mib(bytes: number): string {
  return `${round2(bytes / 1024 / 1024)} MiB`;
}

function notKnown(what: string, thresholds: Judged['thresholds']): Judged {
  return { status: 'pass', thresholds, output: `${what} is not known; not judged` };
}

/** used_memory against maxmemory; without maxmemory, the fragmentation ratio alone. */
export function judgeMemory(f: RedisFigures, t: RedisHealthThresholds): Judged {
  const used = f.num('memory', 'used_memory');
  const max = f.num('memory', 'maxmemory');
  const ratio = f.num('memory', 'mem_fragmentation_ratio');
  const rss = f.num('memory', 'used_memory_rss');
  const extra = { usedBytes: used, maxBytes: max, fragmentationRatio: ratio, rssBytes: rss };
  if (used === undefined) return notKnown('used_memory', t.memoryPct);
  if (max !== undefined && max > 0) {
    const pct = round2((100 * used) / max);
    return {
      status: atLeast(pct, t.memoryPct.warn, t.memoryPct.fail),
      observedValue: pct,
      observedUnit: '%',
      thresholds: t.memoryPct,
      ...extra,
      output: `used_memory ${mib(used)} is ${pct} % of maxmemory ${mib(max)}`,
    };
  }
  const limits = { warn: t.fragmentation.warn, fail: t.fragmentation.fail };
  const note = 'maxmemory is 0 (no limit): judged by the fragmentation ratio only';
  if (ratio === undefined)
    return { status: 'pass', thresholds: limits, ...extra, output: `${note}, which is not known` };
  const judged = used >= FRAGMENTATION_MIN_USED;
  const status: HealthStatus = !judged
    ? 'pass'
    : ratio > limits.fail
      ? 'fail'
      : ratio > limits.warn
        ? 'warn'
        : 'pass';
  return {
    status,
    observedValue: ratio,
    observedUnit: 'ratio',
    thresholds: limits,
    ...extra,
    output: judged
      ? `${note}; mem_fragmentation_ratio ${ratio} (RSS ${mib(rss ?? 0)} for ${mib(used)} of data)`
      : `${note}; mem_fragmentation_ratio ${ratio} not judged below ${mib(FRAGMENTATION_MIN_USED)} of data (${mib(used)})`,
  };
}

/** connected_clients against maxclients. */
export function judgeConnections(f: RedisFigures, t: RedisHealthThresholds): Judged {
  const connected = f.num('clients', 'connected_clients');
  const max = f.num('clients', 'maxclients');
  const blocked = f.num('clients', 'blocked_clients');
  if (connected === undefined) return notKnown('connected_clients', t.connectionsPct);
  if (max === undefined || max <= 0)
    return { ...notKnown('maxclients', t.connectionsPct), observedValue: connected, observedUnit: 'clients' };
  const pct = round2((100 * connected) / max);
  return {
    status: atLeast(pct, t.connectionsPct.warn, t.connectionsPct.fail),
    observedValue: pct,
    observedUnit: '%',
    thresholds: t.connectionsPct,
    connectedClients: connected,
    maxClients: max,
    blockedClients: blocked,
    output: `${connected} of maxclients ${max} connections in use (${pct} %)`,
  };
}

/** maxmemory-policy must be `noeviction`: under any other policy Redis may evict BullMQ's keys. */
export function judgeConfiguration(f: RedisFigures): Judged {
  const policy = f.text('memory', 'maxmemory_policy');
  const thresholds = { warn: null, fail: 'any policy but noeviction' };
  if (policy === undefined)
    return { status: 'pass', thresholds, output: 'maxmemory-policy is not known; not judged' };
  const ok = policy === 'noeviction';
  return {
    status: ok ? 'pass' : 'fail',
    observedValue: policy,
    observedUnit: 'maxmemory-policy',
    thresholds,
    output: ok
      ? 'maxmemory-policy is noeviction'
      : `maxmemory-policy is ${policy}: Redis may evict BullMQ's queue keys and stored series; set it to noeviction`,
  };
}
