import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ID_PATTERN, type InfluxPrecision, iterateInflux } from '../contract/index.ts';
import { checkSampleCount, checkSeries, type IngestLimits } from './limits.ts';
import { batchesFromInflux } from './push-influx.ts';

const LIMITS: IngestLimits = { maxSamplesPerRequest: 40, maxLabels: 3, maxLabelLength: 7 };

/**
 * The reference: every line through the general parser, as ingest read line protocol before the fast
 * path existed. Same batches, same error message, for any input.
 */
function reference(text: string, precision: InfluxPrecision, host: string | undefined, now: number) {
  const samples: { host: string; key: string; t: number; v: number }[] = [];
  for (const item of iterateInflux(text, { precision, defaultTimestamp: now, stringFields: 'skip' })) {
    if ('error' in item) throw new Error(`line ${item.error.line}: ${item.error.message}`);
    const { host: tag, ...labels } = item.sample.labels;
    const id =
      tag !== undefined
        ? tag
            .replace(/[^A-Za-z0-9_.-]/g, '_')
            .replace(/^[^A-Za-z0-9]+/, '')
            .slice(0, 128)
        : host;
    if (!id || !ID_PATTERN.test(id))
      throw new Error(`${item.sample.name}: no valid host: add a host tag or the ?host= parameter`);
    samples.push({
      host: id,
      key: checkSeries(item.sample.name, labels, LIMITS),
      t: item.sample.timestamp,
      v: item.sample.value,
    });
    if (samples.length > LIMITS.maxSamplesPerRequest) checkSampleCount(samples.length, LIMITS);
  }
  if (samples.length === 0) throw new Error('the body holds no samples');
  return samples;
}

function flatten(result: ReturnType<typeof batchesFromInflux>) {
  const out: { host: string; key: string; t: number; v: number }[] = [];
  for (const b of result.batches)
    for (let i = 0; i < b.series.length; i++) {
      out.push({
        host: b.host,
        key: b.seriesKeys[b.series[i] as number] as string,
        t: b.timestamps[i] as number,
        v: b.values[i] as number,
      });
    }
  return out;
}

function outcome(run: () => { host: string; key: string; t: number; v: number }[]) {
  try {
    // Order within a host is kept; hosts are grouped, so compare per host in arrival order.
    const rows = run();
    const byHost = new Map<string, string[]>();
    for (const r of rows)
      byHost.set(r.host, [
        ...(byHost.get(r.host) ?? []),
        `${r.key} ${r.t} ${Object.is(r.v, -0) ? '-0' : r.v}`,
      ]);
    return { rows: [...byHost].sort(([a], [b]) => (a < b ? -1 : 1)) };
  } catch (err: unknown) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
}

const pick = <T>(...xs: T[]) => fc.constantFrom(...xs);
/** Mostly `good`, sometimes `odd`: bodies must often be valid, or only error paths get compared. */
const mostly = <T>(good: fc.Arbitrary<T>, odd: fc.Arbitrary<T>) =>
  fc.oneof({ arbitrary: good, weight: 30 }, { arbitrary: odd, weight: 1 });
const tag = fc.tuple(
  mostly(pick('cpu', 'dc'), pick('a b', '', '__proto__', 'x=y', 'host')),
  mostly(pick('h1', 'h-2:9100', 'web'), pick('', '=v', '0', '-', 'a,b')),
);
/** Plain decimals around the fast path's limits: up to 20 digits, leading zeros, a sign, a fraction. */
const decimal = fc
  .tuple(
    fc.constantFrom('', '-'),
    fc.stringMatching(/^\d{1,12}$/),
    fc.option(fc.stringMatching(/^\d{1,8}$/), { nil: undefined }),
  )
  .map(([sign, whole, fraction]) => `${sign}${whole}${fraction === undefined ? '' : `.${fraction}`}`);
/** Integers around the 15 digits the fast path and the general parser take (`i`, and `u` unsigned). */
const integer = fc
  .tuple(fc.constantFrom('', '-'), fc.stringMatching(/^\d{1,17}$/), fc.constantFrom('i', 'i', 'u'))
  .map(([sign, digits, suffix]) => `${suffix === 'u' ? '' : sign}${digits}${suffix}`);
const value = mostly(
  fc.oneof(
    fc.double().map(String),
    decimal,
    integer,
    fc.integer().map((n) => `${n}i`),
    fc.nat().map((n) => `${n}u`),
  ),
  pick(
    '-5u',
    '+3u',
    '+3i',
    '1e3',
    '.5',
    '-0',
    'NaN',
    '+Inf',
    'inf',
    't',
    'FALSE',
    '"str"',
    '"a\\"b"',
    '9223372036854775808i',
    '123456789012345678i',
    '18446744073709551616u',
    '',
    '1=2',
    '0x10',
    '1.',
    '-.5e-3',
  ),
);
const field = fc
  .tuple(mostly(pick('value', 'usage', 'f'), pick('', 'a.b', 'bad-name', 'usage')), value)
  .map(([k, v]) => `${k}=${v}`);
const line = fc
  .tuple(
    mostly(pick('cpu', 'mem', 'disk'), pick('m=x', '', 'a\\ b', '9x')),
    fc.option(mostly(pick('h1', 'h-2:9100', 'web'), pick('', '=v', '0', '-', 'a,b')), {
      nil: undefined,
      freq: 8,
    }),
    fc.uniqueArray(tag, { maxLength: 2, selector: ([k]) => k }),
    fc.uniqueArray(field, { minLength: 1, maxLength: 3, selector: (f) => f.slice(0, f.indexOf('=')) }),
    fc.option(
      mostly(
        fc.oneof(pick('1700000000000000000', '1700000000123'), fc.stringMatching(/^\d{1,19}$/)),
        pick('-1', '12a', '99999999999999999999999', '0', '', '-0', '0001'),
      ),
      {
        nil: undefined,
      },
    ),
    mostly(pick(''), pick(' ', '\r', '\t', ',')),
  )
  .map(([m, host, tags, fields, ts, tail]) => {
    const all = host === undefined ? tags : [['host', host] as const, ...tags];
    const head = [m, ...all.map(([k, v]) => `${k}=${v}`)].join(',');
    return `${head} ${fields.join(',')}${ts === undefined ? '' : ` ${ts}`}${tail}`;
  });
const body = fc
  .array(mostly(line, pick('', '# comment', '  ', 'cpu,host=h1 usage=1 1', '\ufeffcpu usage=1')), {
    minLength: 1,
    maxLength: 6,
  })
  .map((lines) => lines.join('\n'));

describe('Influx line protocol ingest, fast path against the general parser', () => {
  it('gives the same samples or the same error for any input', () => {
    let accepted = 0;
    fc.assert(
      fc.property(
        body,
        mostly(pick<InfluxPrecision>('ns'), pick<InfluxPrecision>('us', 'ms', 's')),
        fc.option(pick('dflt', 'bad host!'), { nil: undefined }),
        (text, precision, host) => {
          const now = 1_700_000_000_000;
          const options = { precision, now, ...(host !== undefined && { host }) };
          const fast = outcome(() => flatten(batchesFromInflux('o', text, options, LIMITS)));
          const ref = outcome(() => reference(text, precision, host, now));
          expect(fast).toEqual(ref);
          if ('rows' in ref) accepted++;
        },
      ),
      { numRuns: 3000 },
    );
    // Valid bodies must be common, or the comparison only ever sees error paths.
    expect(accepted).toBeGreaterThan(600);
  });

  it('reads typical Telegraf lines without the general parser and keeps every value', () => {
    const text = [
      'cpu,cpu=cpu0,host=web-1 usage_user=1.5,usage_idle=98.25 1700000000000000000',
      'mem,host=web-1 total=8589934592i,used_percent=41.2 1700000000000000000',
      'cpu,cpu=cpu0,host=web-1 usage_user=2.5,usage_idle=97.25 1700000005000000000',
    ].join('\n');
    const rows = flatten(batchesFromInflux('o', text, { precision: 'ns', now: 0 }, LIMITS));
    expect(rows).toEqual([
      { host: 'web-1', key: 'cpu.usage_user{cpu="cpu0"}', t: 1_700_000_000_000, v: 1.5 },
      { host: 'web-1', key: 'cpu.usage_idle{cpu="cpu0"}', t: 1_700_000_000_000, v: 98.25 },
      { host: 'web-1', key: 'mem.total', t: 1_700_000_000_000, v: 8589934592 },
      { host: 'web-1', key: 'mem.used_percent', t: 1_700_000_000_000, v: 41.2 },
      { host: 'web-1', key: 'cpu.usage_user{cpu="cpu0"}', t: 1_700_000_005_000, v: 2.5 },
      { host: 'web-1', key: 'cpu.usage_idle{cpu="cpu0"}', t: 1_700_000_005_000, v: 97.25 },
    ]);
  });
});
