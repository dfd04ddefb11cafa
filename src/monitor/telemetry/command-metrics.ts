import type { Registry } from 'prom-client';
import type { CommandTimings } from '../../redis/index.ts';
import { registerScraped, type ScrapedValue } from './custom-metric.ts';

/**
 * Bucket bounds of `vitals_redis_command_duration_seconds`: powers of two of microseconds from 16 µs
 * to ~4.2 s. They are boundaries of the timing histograms too, so every bucket count is exact.
 */
export const COMMAND_BOUNDS_MICROS: readonly number[] = [
  ...Array.from({ length: 19 }, (_, i) => 2 ** (i + 4)),
  Number.POSITIVE_INFINITY,
];

function le(micros: number): string {
  return micros === Number.POSITIVE_INFINITY ? '+Inf' : String(micros / 1e6);
}

function durationValues(timings: CommandTimings): ScrapedValue[] {
  const out: ScrapedValue[] = [];
  for (const h of timings.histograms()) {
    const labels = { command: h.command, kind: h.kind };
    const cumulative = h.cumulativeAt(COMMAND_BOUNDS_MICROS);
    COMMAND_BOUNDS_MICROS.forEach((bound, i) => {
      out.push({ labels: { ...labels, le: le(bound) }, value: cumulative[i] ?? 0, suffix: '_bucket' });
    });
    out.push({ labels, value: h.sumMicros / 1e6, suffix: '_sum' });
    out.push({ labels, value: h.count, suffix: '_count' });
  }
  return out;
}

/** The client-side command figures, read from the timings at scrape time (nothing per command). */
export function registerCommandMetrics(registry: Registry, timings: CommandTimings): void {
  registerScraped(registry, {
    name: 'vitals_redis_command_duration_seconds',
    help: 'Duration of the Redis commands this process sent, as the client saw them, by command and kind (read, write, other).',
    type: 'histogram',
    read: () => durationValues(timings),
  });
  registerScraped(registry, {
    name: 'vitals_redis_command_errors_total',
    help: 'Redis commands of this process that failed (error reply, timeout, connection lost).',
    type: 'counter',
    read: () =>
      timings.histograms().map((h) => ({ labels: { command: h.command, kind: h.kind }, value: h.errors })),
  });
  registerScraped(registry, {
    name: 'vitals_redis_slow_commands_total',
    help: `Redis commands of this process that took at least VITALS_REDIS_SLOW_MS (${timings.slowMs} ms).`,
    type: 'counter',
    read: () =>
      timings.histograms().map((h) => ({ labels: { command: h.command, kind: h.kind }, value: h.slow })),
  });
}
