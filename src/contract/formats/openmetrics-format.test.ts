import { describe, expect, it } from 'vitest';
import { parseExposition } from './openmetrics.ts';
import { createExpositionFamilies, formatExposition, formatExpositionLines } from './openmetrics-format.ts';
import { prometheusNameFromVitals, vitalsNameFromHelp } from './prometheus-names.ts';
import { FormatError, type Sample } from './sample.ts';

const at = 1714560000123;
const sample = (name: string, value: number, labels: Record<string, string> = {}): Sample => ({
  name,
  labels,
  timestamp: at,
  value,
});

describe('formatExposition', () => {
  it('does group samples of one metric behind one HELP and TYPE, mapping dots to underscores', () => {
    const text = formatExposition([
      sample('cpu.usage', 12.5),
      sample('disk.used_pct', 40, { mount: '/' }),
      sample('cpu.usage', 13),
    ]);
    expect(text).toBe(
      [
        '# HELP cpu_usage Vitals metric cpu.usage',
        '# TYPE cpu_usage untyped',
        `cpu_usage 12.5 ${at}`,
        `cpu_usage 13 ${at}`,
        '# HELP disk_used_pct Vitals metric disk.used_pct',
        '# TYPE disk_used_pct untyped',
        `disk_used_pct{mount="/"} 40 ${at}`,
        '',
      ].join('\n'),
    );
  });

  it('does escape label values and sort labels by name', () => {
    const text = formatExposition([sample('m', 1, { z: 'a\\b', a: 'say "x"\nnext' })], {
      withTimestamps: false,
    });
    expect(text).toBe('# HELP m Vitals metric m\n# TYPE m untyped\nm{a="say \\"x\\"\\nnext",z="a\\\\b"} 1\n');
  });

  it('does spell out NaN, infinities and negative zero', () => {
    const values = [Number.NaN, Infinity, -Infinity, -0, 0, 1e21, 5e-324];
    const lines = [
      ...formatExpositionLines(
        values.map((v) => sample('m', v)),
        { withTimestamps: false },
      ),
    ];
    expect(lines.slice(2)).toEqual(['m NaN', 'm +Inf', 'm -Inf', 'm -0', 'm 0', 'm 1e+21', 'm 5e-324']);
  });

  it('does write the declared types', () => {
    const typeOf = (name: string) => (name === 'net.rx_bytes' ? 'counter' : 'gauge');
    const text = formatExposition([sample('net.rx_bytes', 1), sample('load.1', 2)], {
      typeOf,
      withTimestamps: false,
    });
    expect(text).toBe(
      [
        '# HELP net_rx_bytes Vitals metric net.rx_bytes',
        '# TYPE net_rx_bytes counter',
        'net_rx_bytes 1',
        '# HELP load_1 Vitals metric load.1',
        '# TYPE load_1 gauge',
        'load_1 2',
        '',
      ].join('\n'),
    );
  });

  it('does write OpenMetrics with seconds, unknown types, counter families and # EOF', () => {
    const typeOf = (name: string) => (name === 'req_total' || name === 'cpu' ? 'counter' : 'untyped');
    const samples = [sample('req_total', 1), sample('cpu', 2), { ...sample('m', 3), timestamp: -1 }];
    const text = formatExposition(samples, { flavor: 'openmetrics', typeOf });
    expect(text).toBe(
      [
        '# HELP req Vitals metric req_total',
        '# TYPE req counter',
        'req_total 1 1714560000.123',
        '# HELP cpu Vitals metric cpu',
        '# TYPE cpu unknown',
        'cpu 2 1714560000.123',
        '# HELP m Vitals metric m',
        '# TYPE m unknown',
        'm 3 -0.001',
        '# EOF',
        '',
      ].join('\n'),
    );
  });

  it('does throw a FormatError for samples the format cannot hold', () => {
    expect(() => formatExposition([sample(' cpu', 1)])).toThrow(FormatError);
    expect(() => formatExposition([sample('a\nb', 1)])).toThrow(FormatError);
    expect(() => formatExposition([sample('m', 1, { 'bad-label': 'x' })])).toThrow(FormatError);
    expect(() => formatExposition([{ ...sample('m', 1), timestamp: 1.5 }])).toThrow(FormatError);
  });

  it('does throw when streamed samples of one metric are not contiguous', () => {
    const lines = formatExpositionLines([sample('a', 1), sample('b', 1), sample('a', 2)]);
    expect(() => [...lines]).toThrow('samples of a are not contiguous');
  });
});

describe('Prometheus names', () => {
  it('does follow the OpenTelemetry mapping and spell units as promtool wants, values untouched', () => {
    const cases: [string, string][] = [
      ['cpu.usage', 'cpu_usage'],
      ['job:up:sum', 'job_up_sum'],
      ['app.queueDepth', 'app_queue_depth'],
      ['http-server.requests', 'http_server_requests'],
      ['1m.load', '_1m_load'],
      ['vitals.redis.command.p99_ms', 'vitals_redis_command_p99_msec'],
      ['redis.persistence.last_save_age_sec', 'redis_persistence_last_save_age_seconds'],
      ['redis.stats.instantaneous_ops_per_sec', 'redis_stats_instantaneous_ops_per_second'],
      ['redis.stats.expire_cycle_cpu_milliseconds', 'redis_stats_expire_cycle_cpu_msec'],
      ['hours.kilobytes', 'hrs_kbytes'],
      ['disk.b', 'diskb'],
      ['load.5.m', 'load_5m'],
      ['bytes.per.s', 'bytes_per_second'],
      ['queue.gauge', 'queue_gauges'],
    ];
    for (const [vitals, prometheus] of cases) expect(prometheusNameFromVitals(vitals)).toBe(prometheus);
  });

  it('does name the Vitals metric in HELP and read it back, with a suffix when two names meet', () => {
    const samples = [sample('net.rx_bps', 1), sample('net_rx.bps', 2), sample('net_rx_bps', 3)];
    const text = formatExposition(samples);
    expect(text).toContain('# HELP net_rx_bps_2 Vitals metric net_rx.bps\n');
    expect(text).toContain('\nnet_rx_bps_3 3 ');
    expect(parseExposition(text)).toEqual({ samples, errors: [] });
    // A name that does not fit the family is not taken: the family keeps its own name.
    expect(vitalsNameFromHelp('cpu_usage', 'Vitals metric mem.used')).toBeUndefined();
    expect(vitalsNameFromHelp('cpu_usage', 'CPU in use')).toBeUndefined();
  });

  it('does write each family once across calls that share a family table', () => {
    const families = createExpositionFamilies();
    const first = [...formatExpositionLines([sample('a.c', 1)], { families })];
    const second = [...formatExpositionLines([sample('a.c', 2), sample('a_c', 3)], { families })];
    expect([...first, ...second]).toEqual([
      '# HELP a_c Vitals metric a.c',
      '# TYPE a_c untyped',
      `a_c 1 ${at}`,
      `a_c 2 ${at}`,
      '# HELP a_c_2 Vitals metric a_c',
      '# TYPE a_c_2 untyped',
      `a_c_2 3 ${at}`,
    ]);
  });
});
