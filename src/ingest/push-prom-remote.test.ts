import fc from 'fast-check';
import snappy from 'snappy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedis, uniquePrefix } from '../../test/harness/index.ts';
import { testTsdb } from '../../test/support/tsdb.ts';
import { WriteRequestType } from '../contract/prometheus-remote.ts';
import { range } from '../tsdb/index.ts';
import { IngestRejectedError } from './errors.ts';
import {
  batchesFromPromRemote,
  encodeRemoteWrite,
  isStaleMarker,
  readRemoteWrite,
  STALE_NAN,
  snappyLength,
} from './push-prom-remote.ts';

const LIMITS = { maxSamplesPerRequest: 1000, maxLabels: 16, maxLabelLength: 256 };
const OPTIONS = { maxBytes: 1024 * 1024 };
const T = 1_700_000_000_000;

/** A float64 from its bit pattern, high and low 32 bits. */
function fromBits(hi: number, lo: number): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setUint32(0, hi);
  view.setUint32(4, lo);
  return view.getFloat64(0);
}

function bits(value: number): string {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value);
  return view.getBigUint64(0).toString(16).padStart(16, '0');
}

function rejection(fn: () => unknown): IngestRejectedError {
  try {
    fn();
  } catch (err: unknown) {
    if (err instanceof IngestRejectedError) return err;
    throw err;
  }
  throw new Error('expected an IngestRejectedError');
}

const parse = (body: Uint8Array, options: { host?: string } = {}, limits = LIMITS) =>
  batchesFromPromRemote('org', body, { ...OPTIONS, ...options }, limits);

/** Samples of every batch as `host series t value` lines. */
function lines(result: ReturnType<typeof parse>): string[] {
  const out: string[] = [];
  for (const b of result.batches) {
    for (let i = 0; i < b.timestamps.length; i++) {
      out.push(`${b.host} ${b.seriesKeys[b.series[i] as number]} ${b.timestamps[i]} ${b.values[i]}`);
    }
  }
  return out;
}

describe('remote_write mapping', () => {
  it('does take the host from instance (sanitized, the original as its name) and keep job and the other labels', () => {
    const result = parse(
      encodeRemoteWrite([
        {
          labels: { __name__: 'node_load1', instance: '10.0.0.5:9100', job: 'node' },
          samples: [
            [T, 0.5],
            [T + 1000, 0.25],
          ],
        },
        {
          labels: { __name__: 'node_cpu_seconds_total', instance: '10.0.0.5:9100', job: 'node', cpu: '0' },
          samples: [[T, 12]],
        },
      ]),
    );
    expect(lines(result)).toEqual([
      '10.0.0.5_9100 node_load1{job="node"} 1700000000000 0.5',
      '10.0.0.5_9100 node_load1{job="node"} 1700000001000 0.25',
      '10.0.0.5_9100 node_cpu_seconds_total{cpu="0",job="node"} 1700000000000 12',
    ]);
    expect(result.hosts).toEqual([{ id: '10.0.0.5_9100', name: '10.0.0.5:9100' }]);
    expect(result.batches[0]?.org).toBe('org');
  });

  it('does fall back to job, then ?host=, and refuses a series with none, naming it', () => {
    const byJob = parse(
      encodeRemoteWrite([{ labels: { __name__: 'up', job: 'api server' }, samples: [[T, 1]] }]),
    );
    expect(lines(byJob)).toEqual(['api_server up{job="api server"} 1700000000000 1']);
    expect(byJob.hosts).toEqual([{ id: 'api_server' }]);
    const body = encodeRemoteWrite([{ labels: { __name__: 'up', env: 'prod' }, samples: [[T, 1]] }]);
    expect(lines(parse(body, { host: 'web-1' }))).toEqual(['web-1 up{env="prod"} 1700000000000 1']);
    const err = rejection(() => parse(body));
    expect(err.reason).toBe('bad_request');
    expect(err.message).toContain('series 0 {__name__="up",env="prod"}');
    expect(err.message).toContain('neither an instance nor a job label');
    // An instance that leaves no valid host id is refused, not moved to another host.
    const bad = rejection(() =>
      parse(encodeRemoteWrite([{ labels: { __name__: 'up', instance: ':::' }, samples: [[T, 1]] }]), {
        host: 'web-1',
      }),
    );
    expect(bad.message).toContain('label instance ":::" gives no valid host id');
  });

  it('does turn the colons of recording rules into dots and drop labels with an empty value', () => {
    const result = parse(
      encodeRemoteWrite([
        {
          labels: { __name__: 'job:http_requests:rate5m', job: 'api', empty: '' },
          samples: [[T, 3]],
        },
      ]),
    );
    expect(lines(result)).toEqual(['api job.http_requests.rate5m{job="api"} 1700000000000 3']);
  });

  it('does drop stale markers and keep every other NaN', () => {
    const otherNaN = fromBits(0x7ff80000, 1);
    expect(isStaleMarker(STALE_NAN)).toBe(true);
    expect(isStaleMarker(fromBits(0x7ff80000, 2))).toBe(true);
    expect(isStaleMarker(fromBits(0xfff00000, 2))).toBe(false);
    expect(isStaleMarker(Number.NaN)).toBe(false);
    expect(isStaleMarker(otherNaN)).toBe(false);
    expect(isStaleMarker(0)).toBe(false);
    const result = parse(
      encodeRemoteWrite([
        {
          labels: { __name__: 'a', job: 'j' },
          samples: [
            [T, 1],
            [T + 1000, STALE_NAN],
            [T + 2000, Number.NaN],
          ],
        },
        // Only a stale marker, and labels that would be refused: the series is ignored.
        { labels: { __name__: 'gone', job: 'j', 'bad-label': 'x' }, samples: [[T, STALE_NAN]] },
      ]),
    );
    expect(lines(result)).toEqual(['j a{job="j"} 1700000000000 1', 'j a{job="j"} 1700000002000 NaN']);
    // Counted, so that what Prometheus says it sent adds up with what was stored.
    expect(result.skipped).toEqual({ stale_marker: 2 });
  });

  it('does answer a request without samples (metadata only, empty series) with nothing to write', () => {
    const metadataOnly = snappy.compressSync(
      WriteRequestType.encode(
        WriteRequestType.fromObject({ metadata: [{ type: 1, metricFamilyName: 'up', help: 'x' }] }),
      ).finish(),
    );
    const nothing = { batches: [], hosts: [], skipped: { stale_marker: 0 } };
    expect(parse(metadataOnly)).toEqual(nothing);
    expect(parse(encodeRemoteWrite([{ labels: { __name__: 'up' }, samples: [] }]))).toEqual(nothing);
    // An empty WriteRequest is zero bytes: its snappy block is one byte of length 0.
    expect(parse(encodeRemoteWrite([]))).toEqual(nothing);
  });

  it('does refuse what is not snappy, too big, or not a WriteRequest, naming the problem', () => {
    expect(rejection(() => parse(Buffer.alloc(0))).message).toContain('the body is empty');
    expect(rejection(() => parse(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]))).message).toContain(
      'not snappy-compressed',
    );
    expect(rejection(() => parse(Buffer.from('{"hosts": []}'))).message).toContain('not snappy-compressed');
    // Declares 2 MiB: refused before anything is allocated.
    const big = Buffer.from([0x80, 0x80, 0x80, 0x01, 0x00]);
    expect(snappyLength(big)).toBe(2 * 1024 * 1024);
    const tooBig = rejection(() => parse(big));
    expect(tooBig.message).toContain(
      'decompresses to 2097152 bytes; the limit is 1048576 (VITALS_MAX_BODY_BYTES)',
    );
    const notProtobuf = rejection(() => parse(snappy.compressSync(Buffer.from([0x0a, 0xff, 0xff, 0x03]))));
    expect(notProtobuf.message).toContain('not a protobuf WriteRequest');
  });

  it('does refuse bad series: no name, a label twice, bad names, limits, timestamps', () => {
    const one = (labels: Record<string, string>, t = T) =>
      rejection(() => parse(encodeRemoteWrite([{ labels, samples: [[t, 1]] }])));
    expect(one({ job: 'j' }).message).toContain('no __name__ label');
    expect(one({ __name__: '1abc', job: 'j' }).message).toContain('metric name "1abc" is not valid');
    expect(one({ __name__: 'a', job: 'j', 'x-y': '1' }).message).toContain('label name "x-y" is not valid');
    const many = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`l${i}`, 'v']));
    const tooMany = one({ __name__: 'a', job: 'j', ...many });
    expect([tooMany.reason, tooMany.message]).toEqual([
      'limit_exceeded',
      expect.stringContaining('the limit is 16 (VITALS_MAX_LABELS)'),
    ]);
    expect(one({ __name__: 'a', instance: 'x'.repeat(300) }).reason).toBe('limit_exceeded');
    expect(one({ __name__: 'a', job: 'j' }, -1).message).toContain('timestamp -1 is not a whole number');
    const twice = snappy.compressSync(
      WriteRequestType.encode(
        WriteRequestType.fromObject({
          timeseries: [
            {
              labels: [
                { name: '__name__', value: 'a' },
                { name: 'job', value: 'x' },
                { name: 'job', value: 'y' },
              ],
              samples: [{ value: 1, timestamp: T }],
            },
          ],
        }),
      ).finish(),
    );
    expect(rejection(() => parse(twice)).message).toContain('label job appears twice');
    const samples = Array.from({ length: 1001 }, (_, i): [number, number] => [T + i, i]);
    const count = rejection(() =>
      parse(encodeRemoteWrite([{ labels: { __name__: 'a', job: 'j' }, samples }])),
    );
    expect(count.message).toContain('VITALS_MAX_SAMPLES_PER_REQUEST');
  });

  it('does read back what encodeRemoteWrite wrote', () => {
    const body = encodeRemoteWrite([
      { labels: { job: 'j', __name__: 'a' }, samples: [[T, -0]] },
      { labels: { __name__: 'b' }, samples: [] },
    ]);
    const request = readRemoteWrite(body, OPTIONS.maxBytes);
    expect(request.timeseries).toHaveLength(2);
    expect(request.timeseries[0]?.labels.map((l) => l.name)).toEqual(['__name__', 'job']);
    expect(Object.is(request.timeseries[0]?.samples[0]?.value, -0)).toBe(true);
    expect(Number(request.timeseries[0]?.samples[0]?.timestamp)).toBe(T);
  });
});

/** Anything the parser throws must be an IngestRejectedError: never a TypeError or RangeError (a 500). */
function parsesOrRejects(body: Uint8Array, limits = LIMITS): void {
  try {
    parse(body, {}, limits);
  } catch (err: unknown) {
    if (!(err instanceof IngestRejectedError)) throw err;
  }
}

/** Valid names, quick to make (`stringMatching` is slow enough to dominate the run). */
const validName = (first: string[], rest: string) =>
  fc
    .tuple(fc.constantFrom(...first), fc.array(fc.constantFrom(...rest.split('')), { maxLength: 10 }))
    .map(([head, tail]) => head + tail.join(''));
const labelName = validName(['a', 'Z', '_', 'cpu', 'le'], 'abcXYZ019_');
const anyString = fc.string({ maxLength: 12, unit: 'binary' });
const validSeries = fc.record({
  labels: fc
    .dictionary(labelName, fc.string({ minLength: 1, maxLength: 12 }), { maxKeys: 5 })
    .chain((extra) =>
      fc
        .record({
          __name__: validName(['node', 'up', '_x', 'job:'], 'abcXYZ019_:'),
          job: validName(['n', 'api', '9'], 'az09-.'),
        })
        .map((fixed) => {
          const { __name__: _n, instance: _i, job: _j, ...rest } = extra;
          return { ...rest, ...fixed };
        }),
    ),
  samples: fc.array(fc.tuple(fc.integer({ min: 0, max: 2 ** 52 }), fc.double()), { maxLength: 5 }),
});
const anySeries = fc.record({
  labels: fc.dictionary(
    fc.oneof(labelName, anyString, fc.constantFrom('__name__', 'instance', 'job')),
    anyString,
    {
      maxKeys: 6,
    },
  ),
  samples: fc.array(fc.tuple(fc.integer({ min: -(2 ** 53), max: 2 ** 53 }), fc.double()), { maxLength: 4 }),
});

describe('remote_write fuzz', () => {
  it('does only ever refuse random bytes with an IngestRejectedError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), (bytes) => parsesOrRejects(bytes)),
      { numRuns: 2000 },
    );
  });

  it('does only ever refuse snappy of random bytes, or of mutated WriteRequests, with an IngestRejectedError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), (bytes) => parsesOrRejects(snappy.compressSync(bytes))),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(
        fc.array(anySeries, { maxLength: 4 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
        (series, flips) => {
          const raw = Buffer.from(
            snappy.uncompressSync(encodeRemoteWrite(series), { asBuffer: true }) as Buffer,
          );
          for (const [at, byte] of flips) if (raw.length > 0) raw[at % raw.length] = byte;
          parsesOrRejects(snappy.compressSync(raw));
          // And the snappy block itself mutated.
          const compressed = Buffer.from(snappy.compressSync(raw));
          for (const [at, byte] of flips) compressed[at % compressed.length] = byte;
          parsesOrRejects(compressed);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('does store every sample of any valid WriteRequest, except stale markers', () => {
    fc.assert(
      fc.property(fc.array(validSeries, { maxLength: 6 }), (series) => {
        const result = parse(encodeRemoteWrite(series), {}, { ...LIMITS, maxSamplesPerRequest: 10_000 });
        const expected = series.reduce(
          (n, s) => n + s.samples.filter(([, v]) => !isStaleMarker(v)).length,
          0,
        );
        expect(result.batches.reduce((n, b) => n + b.timestamps.length, 0)).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('does refuse any WriteRequest it cannot store with an IngestRejectedError only', () => {
    fc.assert(
      fc.property(fc.array(anySeries, { maxLength: 6 }), (series) =>
        parsesOrRejects(encodeRemoteWrite(series)),
      ),
      { numRuns: 1000 },
    );
  });
});

describe('remote_write values through storage and query', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => redis?.close());

  it('does give back every value bit for bit: NaN, ±Inf, -0, subnormals, extremes', async () => {
    const values = [
      Number.NaN,
      fromBits(0x7ff80000, 0x12345),
      fromBits(0xfff80000, 0),
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      -0,
      0,
      Number.MIN_VALUE,
      -Number.MIN_VALUE,
      fromBits(0x000fffff, 0xffffffff),
      Number.MAX_VALUE,
      -Number.MAX_VALUE,
      0.1,
      1e-300,
      123456789.12345679,
    ];
    const prefix = uniquePrefix('promrw-bits');
    const writer = await testTsdb(redis.url, prefix);
    const now = Date.now() - 60_000;
    const samples = values.map((v, i): [number, number] => [now + i * 1000, v]);
    try {
      const { batches } = parse(encodeRemoteWrite([{ labels: { __name__: 'bits', job: 'h' }, samples }]));
      expect((await writer.writer.write(batches, 'durable')).samples).toBe(values.length);
    } finally {
      await writer.close();
    }
    // A reader of its own, with an empty hot tier: the values come from Redis.
    const reader = await testTsdb(redis.url, prefix);
    try {
      const got = (await range(reader.ctx, 'org', 'h', ['bits{job="h"}'], now - 1, now + 60_000, 1000)).get(
        'bits{job="h"}',
      );
      expect([...(got?.points.timestamps ?? [])]).toEqual(samples.map(([t]) => t));
      expect([...(got?.points.values ?? [])].map(bits)).toEqual(values.map(bits));
    } finally {
      await reader.close();
    }
  });
});
