import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { graphiteLine } from '../../test/support/graphite-client.ts';
import { ConfigError, loadConfig } from '../config/index.ts';
import { ID_PATTERN, METRIC_NAME, parseSeriesKey } from '../contract/index.ts';
import {
  GRAPHITE_REASONS,
  GraphiteBatch,
  type GraphiteLine,
  GraphiteParser,
  graphiteTimestamp,
  graphiteValue,
} from './graphite.ts';
import type { IngestLimits } from './limits.ts';

const LIMITS: IngestLimits = { maxSamplesPerRequest: 1000, maxLabels: 4, maxLabelLength: 20 };
const NOW = 1_700_000_000_000;
const BOUNDS = { minTimestamp: NOW - 86_400_000, maxTimestamp: NOW + 300_000 };
const T = NOW / 1000 - 60;

function parse(line: string, hostSegment = 1): GraphiteLine {
  return new GraphiteParser({ hostSegment }, LIMITS).parse(line, NOW, BOUNDS);
}

function sample(line: string, hostSegment = 1) {
  const parsed = parse(line, hostSegment);
  if (parsed.kind !== 'sample') throw new Error(`not a sample: ${JSON.stringify(parsed)}`);
  return parsed;
}

function reason(line: string, hostSegment = 1): string {
  const parsed = parse(line, hostSegment);
  return parsed.kind === 'refused' ? parsed.reason : parsed.kind;
}

describe('Graphite plaintext lines', () => {
  it("maps collectd's write_graphite default format (no Prefix): host first, the rest the metric", () => {
    // collectd escapes the dots of the host name with `_` (EscapeCharacter) and joins plugin/type
    // instances with `-`.
    expect(sample(`web1_example_com.cpu-0.cpu-idle 98.5 ${T}`)).toEqual({
      kind: 'sample',
      host: 'web1_example_com',
      key: 'cpu_0.cpu_idle',
      timestamp: T * 1000,
      value: 98.5,
    });
    expect(sample(`web1.load.load.shortterm 0.12 ${T}`).key).toBe('load.load.shortterm');
    expect(sample(`web1.df-root.percent_bytes-used 41.2 ${T}`).key).toBe('df_root.percent_bytes_used');
  });

  it('maps collectd with Prefix "collectd." and HOST_SEGMENT=2', () => {
    const s = sample(`collectd.web1.memory.memory-used 1.5e9 ${T}`, 2);
    expect(s.host).toBe('web1');
    expect(s.key).toBe('collectd.memory.memory_used');
    expect(s.value).toBe(1.5e9);
  });

  it("maps Telegraf's default template host.tags.measurement.field", () => {
    expect(sample(`web1.cpu-total.cpu.usage_idle 97.1 ${T}`)).toMatchObject({
      host: 'web1',
      key: 'cpu_total.cpu.usage_idle',
    });
    expect(sample(`web1.mem.used_percent 40 ${T}`)).toMatchObject({ host: 'web1', key: 'mem.used_percent' });
  });

  it('takes the host from a host tag (Telegraf graphite_tag_support) and other tags as labels', () => {
    const s = sample(`cpu.usage_idle;cpu=cpu-total;host=web-1.example.com;dc.name=eu 97.1 ${T}`);
    expect(s.host).toBe('web-1.example.com');
    expect(parseSeriesKey(s.key)).toEqual({
      name: 'cpu.usage_idle',
      labels: { cpu: 'cpu-total', dc_name: 'eu' },
    });
    // The tag wins over the segment, and then the whole path is the metric name.
    expect(sample(`a.b;host=h1 1 ${T}`, 2)).toMatchObject({ host: 'h1', key: 'a.b' });
    // HOST_SEGMENT=0: only the tag names the host.
    expect(sample(`a.b;host=h1 1 ${T}`, 0)).toMatchObject({ host: 'h1', key: 'a.b' });
    expect(reason(`a.b 1 ${T}`, 0)).toBe('host');
  });

  it('reads timestamps in seconds (fractions kept), and -1, N or none as now', () => {
    expect(sample(`h.m 1 ${T}.25`).timestamp).toBe(T * 1000 + 250);
    expect(sample('h.m 1 -1').timestamp).toBe(NOW);
    expect(sample('h.m 1 N').timestamp).toBe(NOW);
    expect(sample('h.m 1').timestamp).toBe(NOW);
    expect(graphiteTimestamp('abc', NOW)).toBeUndefined();
    // Milliseconds by mistake are far in the future: refused alone.
    expect(reason(`h.m 1 ${NOW}`)).toBe('timestamp');
    expect(reason(`h.m 1 ${T - 86_400 * 2}`)).toBe('timestamp');
  });

  it('reads values as carbon does: numbers, inf; nan lines are dropped, not refused', () => {
    expect(graphiteValue('1e3')).toBe(1000);
    expect(graphiteValue('-.5')).toBe(-0.5);
    expect(graphiteValue('inf')).toBe(Number.POSITIVE_INFINITY);
    expect(graphiteValue('-Infinity')).toBe(Number.NEGATIVE_INFINITY);
    expect(graphiteValue('nan')).toBe('nan');
    expect(graphiteValue('0x10')).toBeUndefined();
    expect(graphiteValue('')).toBeUndefined();
    expect(parse(`h.m nan ${T}`)).toEqual({ kind: 'nan' });
    expect(reason(`h.m twelve ${T}`)).toBe('value');
  });

  it('accepts tabs, several spaces and a trailing CR; skips blank lines', () => {
    expect(sample(`h.m\t 2  ${T}\r`).value).toBe(2);
    expect(parse('   \r')).toEqual({ kind: 'empty' });
  });

  it('refuses malformed lines with a reason', () => {
    expect(reason('h.m')).toBe('format');
    expect(reason(`h.m 1 ${T} extra`)).toBe('format');
    expect(reason(`justone 1 ${T}`)).toBe('host');
    expect(reason(`h.m;novalue 1 ${T}`)).toBe('tags');
    expect(reason(`h.m;=v 1 ${T}`)).toBe('tags');
    expect(reason(`h.m;a=1;b=2;c=3;d=4;e=5 1 ${T}`)).toBe('limit');
    expect(reason(`h.m;a=${'x'.repeat(21)} 1 ${T}`)).toBe('limit');
    expect(reason(`h.${'m'.repeat(201)} 1 ${T}`)).toBe('name');
    expect(reason(`;host=h 1 ${T}`)).toBe('name');
    expect(reason(`h.m;host=--- 1 ${T}`)).toBe('host');
  });

  it('sanitises names: invalid characters to _, a leading digit prefixed, empty segments dropped', () => {
    expect(sample(`h.2xx..rate/s@x 1 ${T}`).key).toBe('_2xx.rate_s_x');
    expect(sample(`h.héllo 1 ${T}`).key).toBe('h_llo');
    expect(sample(`.h.m. 1 ${T}`)).toMatchObject({ host: 'h', key: 'm' });
    expect(sample(`h.m;9tag=v 1 ${T}`).key).toBe('m{_9tag="v"}');
  });

  it('round-trips the client helper lines', () => {
    const line = graphiteLine({
      host: 'web-1',
      name: 'cpu.usage',
      labels: { core: '0' },
      timestamp: T * 1000 + 5,
      value: 3.5,
    });
    expect(sample(line.trimEnd(), 2)).toEqual({
      kind: 'sample',
      host: 'web-1',
      key: 'cpu.usage{core="0"}',
      timestamp: T * 1000 + 5,
      value: 3.5,
    });
  });

  it('batches per host and splits per host', () => {
    const batch = new GraphiteBatch();
    batch.add('a', 'm', 1, 1);
    batch.add('b', 'm', 1, 2);
    batch.add('a', 'n', 2, 3);
    expect(batch.lines).toBe(3);
    const { batches, hosts } = batch.build('default');
    expect(hosts).toEqual([{ id: 'a' }, { id: 'b' }]);
    expect(batches[0]).toMatchObject({ org: 'default', host: 'a', seriesKeys: ['m', 'n'], values: [1, 3] });
    expect(batch.split().map((b) => b.lines)).toEqual([2, 1]);
  });

  it('never throws, and whatever it accepts is storable (fuzz)', () => {
    const parser = new GraphiteParser({ hostSegment: 1 }, LIMITS);
    const piece = fc.oneof(
      fc.string(),
      fc.constantFrom('.', ';', '=', ' ', '\t', 'host', 'nan', 'inf', '-1', 'N', String(T), '1e3', '\r'),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), fc.integer({ min: 0, max: 3 }), (pieces, segment) => {
        const line = pieces.join('');
        for (const p of [parser, new GraphiteParser({ hostSegment: segment }, LIMITS)]) {
          const parsed = p.parse(line, NOW, BOUNDS);
          if (parsed.kind === 'refused') expect(GRAPHITE_REASONS).toContain(parsed.reason);
          if (parsed.kind !== 'sample') continue;
          expect(ID_PATTERN.test(parsed.host)).toBe(true);
          expect(METRIC_NAME.test(parseSeriesKey(parsed.key).name)).toBe(true);
          expect(parsed.timestamp).toBeGreaterThanOrEqual(BOUNDS.minTimestamp);
          expect(parsed.timestamp).toBeLessThanOrEqual(BOUNDS.maxTimestamp);
          expect(typeof parsed.value).toBe('number');
          expect(Number.isNaN(parsed.value)).toBe(false);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('Graphite settings', () => {
  it('are off by default, on loopback, into the default org, host at segment 1', () => {
    expect(loadConfig({}).graphite).toEqual({
      port: 0,
      host: '127.0.0.1',
      org: 'default',
      hostSegment: 1,
      maxLineBytes: 16_384,
    });
  });

  it('read the environment and refuse bad values', () => {
    const config = loadConfig({
      VITALS_GRAPHITE_PORT: '2003',
      VITALS_GRAPHITE_HOST: '0.0.0.0',
      VITALS_GRAPHITE_ORG: 'metrics',
      VITALS_GRAPHITE_HOST_SEGMENT: '2',
      VITALS_GRAPHITE_MAX_LINE_BYTES: '4096',
    });
    expect(config.graphite).toEqual({
      port: 2003,
      host: '0.0.0.0',
      org: 'metrics',
      hostSegment: 2,
      maxLineBytes: 4096,
    });
    expect(() => loadConfig({ VITALS_GRAPHITE_PORT: '70000' })).toThrow(ConfigError);
    expect(() => loadConfig({ VITALS_GRAPHITE_ORG: 'not an org' })).toThrow(/VITALS_GRAPHITE_ORG/);
    expect(() => loadConfig({ VITALS_GRAPHITE_HOST_SEGMENT: '-1' })).toThrow(/VITALS_GRAPHITE_HOST_SEGMENT/);
  });
});
