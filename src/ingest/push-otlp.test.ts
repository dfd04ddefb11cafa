import { JsonMetricsSerializer, ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ExportMetricsServiceRequestType } from '../contract/otlp-metrics.ts';
import type { WriteBatch } from '../tsdb/index.ts';
import { IngestRejectedError } from './errors.ts';
import {
  batchesFromOtlp,
  decodeOtlpMetrics,
  encodeOtlpGauges,
  otlpLabelName,
  otlpMetricName,
} from './push-otlp.ts';

const LIMITS = { maxSamplesPerRequest: 1000, maxLabels: 16, maxLabelLength: 256 };
const T = 1_700_000_000_123;
/** T in ns, as OTLP/JSON spells a fixed64. */
const NS = `${T}456789`;

const str = (key: string, value: string) => ({ key, value: { stringValue: value } });

function request(metrics: object[], resource: object[] = [str('host.name', 'web-1')]) {
  return { resourceMetrics: [{ resource: { attributes: resource }, scopeMetrics: [{ metrics }] }] };
}

/** Every sample of the batches as `host series → [t, value]`. */
function samples(batches: readonly WriteBatch[]): Record<string, [number, number][]> {
  const out: Record<string, [number, number][]> = {};
  for (const b of batches) {
    for (let i = 0; i < b.series.length; i++) {
      const key = `${b.host} ${b.seriesKeys[b.series[i] as number]}`;
      out[key] ??= [];
      out[key].push([b.timestamps[i] as number, b.values[i] as number]);
    }
  }
  return out;
}

function fromJson(body: unknown) {
  return batchesFromOtlp('o', decodeOtlpMetrics(Buffer.from(JSON.stringify(body)), 'json'), LIMITS);
}

function fromProtobuf(body: unknown) {
  const bytes = ExportMetricsServiceRequestType.encode(
    ExportMetricsServiceRequestType.fromObject(body as object),
  ).finish();
  return batchesFromOtlp('o', decodeOtlpMetrics(bytes, 'protobuf'), LIMITS);
}

function rejection(fn: () => unknown): IngestRejectedError {
  try {
    fn();
  } catch (err: unknown) {
    if (err instanceof IngestRejectedError) return err;
    throw err;
  }
  throw new Error('not rejected');
}

/** A reader that only collects, for serializing what the SDK exports. */
class CollectingReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

describe('batchesFromOtlp', () => {
  it('maps gauges and sums to samples of the metric name, attributes to labels, ns to ms', () => {
    const body = request(
      [
        {
          name: 'system.cpu.utilization',
          unit: '1',
          gauge: {
            dataPoints: [
              {
                timeUnixNano: NS,
                asDouble: 0.25,
                attributes: [str('cpu', '0'), str('system.cpu.state', 'user')],
              },
            ],
          },
        },
        {
          name: 'http.server.requests',
          sum: {
            aggregationTemporality: 2,
            isMonotonic: true,
            dataPoints: [
              {
                timeUnixNano: NS,
                asInt: '12',
                attributes: [{ key: 'http.status_code', value: { intValue: '200' } }],
              },
            ],
          },
        },
        {
          name: 'queue/depth-now',
          sum: { aggregationTemporality: 1, dataPoints: [{ timeUnixNano: NS, asInt: -3 }] },
        },
      ],
      [str('host.name', 'web-1.example.com:9100'), str('service.name', 'checkout'), str('os.type', 'linux')],
    );
    for (const result of [fromJson(body), fromProtobuf(body)]) {
      expect(samples(result.batches)).toEqual({
        'web-1.example.com_9100 system.cpu.utilization{cpu="0",service_name="checkout",system_cpu_state="user"}':
          [[T, 0.25]],
        'web-1.example.com_9100 http.server.requests{http_status_code="200",service_name="checkout"}': [
          [T, 12],
        ],
        'web-1.example.com_9100 queue_depth_now{service_name="checkout"}': [[T, -3]],
      });
      expect(result.hosts).toEqual([{ id: 'web-1.example.com_9100', name: 'web-1.example.com:9100' }]);
      expect(result.rejected).toBe(0);
    }
  });

  it('names the host by host.name, then service.instance.id, then service.name', () => {
    const gauge = [{ name: 'g', gauge: { dataPoints: [{ timeUnixNano: NS, asDouble: 1 }] } }];
    const host = (attrs: object[]) => fromJson(request(gauge, attrs)).batches[0]?.host;
    expect(host([str('service.name', 's'), str('service.instance.id', 'i-1'), str('host.name', 'h')])).toBe(
      'h',
    );
    expect(host([str('service.name', 's'), str('service.instance.id', 'i-1')])).toBe('i-1');
    expect(host([str('service.name', 'unknown_service:node')])).toBe('unknown_service_node');
    const none = rejection(() => fromJson(request(gauge, [str('os.type', 'linux')])));
    expect(none.reason).toBe('bad_request');
    expect(none.message).toContain('resourceMetrics[0]: no host');
    expect(none.message).toContain('host.name');
  });

  it('maps histograms to cumulative _bucket{le}, _sum and _count, and summaries to quantiles', () => {
    const body = request([
      {
        name: 'http.server.duration',
        unit: 'ms',
        histogram: {
          aggregationTemporality: 2,
          dataPoints: [
            {
              timeUnixNano: NS,
              count: '6',
              sum: 123.5,
              bucketCounts: ['1', '2', '0', '3'],
              explicitBounds: [0.005, 1, 10],
              attributes: [str('route', '/a')],
            },
          ],
        },
      },
      {
        name: 'rpc.latency',
        summary: {
          dataPoints: [
            {
              timeUnixNano: NS,
              count: 4,
              sum: 2,
              quantileValues: [
                { quantile: 0.5, value: 0.4 },
                { quantile: 0.99, value: 'NaN' },
              ],
            },
          ],
        },
      },
    ]);
    for (const result of [fromJson(body), fromProtobuf(body)]) {
      const got = samples(result.batches);
      expect(got['web-1 http.server.duration_bucket{le="0.005",route="/a"}']).toEqual([[T, 1]]);
      expect(got['web-1 http.server.duration_bucket{le="1",route="/a"}']).toEqual([[T, 3]]);
      expect(got['web-1 http.server.duration_bucket{le="10",route="/a"}']).toEqual([[T, 3]]);
      expect(got['web-1 http.server.duration_bucket{le="+Inf",route="/a"}']).toEqual([[T, 6]]);
      expect(got['web-1 http.server.duration_sum{route="/a"}']).toEqual([[T, 123.5]]);
      expect(got['web-1 http.server.duration_count{route="/a"}']).toEqual([[T, 6]]);
      expect(got['web-1 rpc.latency{quantile="0.5"}']).toEqual([[T, 0.4]]);
      expect(got['web-1 rpc.latency{quantile="0.99"}']).toEqual([[T, Number.NaN]]);
      expect(got['web-1 rpc.latency_sum']).toEqual([[T, 2]]);
      expect(got['web-1 rpc.latency_count']).toEqual([[T, 4]]);
      expect(Object.keys(got)).toHaveLength(10);
    }
  });

  it('refuses exponential histograms and unusable points one by one, and skips NO_RECORDED_VALUE', () => {
    const result = fromJson(
      request([
        {
          name: 'g',
          gauge: {
            dataPoints: [
              { timeUnixNano: NS, asDouble: 1 },
              { timeUnixNano: NS, flags: 1 },
            ],
          },
        },
        { name: 'e', exponentialHistogram: { dataPoints: [{ timeUnixNano: NS, count: 1 }] } },
        {
          name: 'h',
          histogram: { dataPoints: [{ timeUnixNano: NS, count: 1, bucketCounts: [1], explicitBounds: [1] }] },
        },
        { name: 'n', gauge: { dataPoints: [{ timeUnixNano: NS }, { asDouble: 2 }] } },
      ]),
    );
    expect(Object.keys(samples(result.batches))).toEqual(['web-1 g']);
    expect(result.rejected).toBe(4);
    expect(result.rejectedMessage).toContain('4 data points refused');
    expect(result.rejectedMessage).toContain(
      '("e").exponentialHistogram.dataPoints[0]: exponential histograms',
    );
    expect(result.rejectedMessage).toContain(
      '("h").histogram.dataPoints[0]: 1 bucketCounts for 1 explicitBounds',
    );
    expect(result.rejectedMessage).toContain(
      '("n").gauge.dataPoints[0]: the point has neither asDouble nor asInt',
    );
  });

  it('refuses a field of the wrong type naming where it is, and limits as every push does', () => {
    const bad = rejection(() =>
      fromJson(request([{ name: 'g', gauge: { dataPoints: [{ timeUnixNano: NS, asDouble: {} }] } }])),
    );
    expect(bad.message).toBe(
      'resourceMetrics[0].scopeMetrics[0].metrics[0] ("g").gauge.dataPoints[0]: asDouble must be a number',
    );
    expect(rejection(() => fromJson({ resourceMetrics: {} })).message).toContain(
      'resourceMetrics must be an array',
    );
    const labels = Array.from({ length: 17 }, (_, i) => str(`k${i}`, 'v'));
    const many = rejection(() =>
      fromJson(
        request([
          { name: 'g', gauge: { dataPoints: [{ timeUnixNano: NS, asDouble: 1, attributes: labels }] } },
        ]),
      ),
    );
    expect(many.reason).toBe('limit_exceeded');
    expect(many.message).toContain('("g")');
    const points = Array.from({ length: 1001 }, () => ({ timeUnixNano: NS, asDouble: 1 }));
    expect(rejection(() => fromJson(request([{ name: 'g', gauge: { dataPoints: points } }]))).reason).toBe(
      'limit_exceeded',
    );
    expect(rejection(() => decodeOtlpMetrics(Buffer.from('{"resourceMetrics": ['), 'json')).message).toBe(
      'the body is not valid JSON',
    );
    expect(rejection(() => decodeOtlpMetrics(Buffer.from([0x0a, 0x05, 0x01]), 'protobuf')).message).toContain(
      'not a protobuf ExportMetricsServiceRequest',
    );
  });

  it('stringifies attribute values of every kind, joining keys that become one label', () => {
    const attributes = [
      { key: 'b', value: { boolValue: true } },
      { key: 'd', value: { doubleValue: 1.5 } },
      { key: 'i', value: { intValue: '-9007199254740993' } },
      { key: 'x', value: { bytesValue: 'AQI=' } },
      { key: 'arr', value: { arrayValue: { values: [{ stringValue: 'a' }, { intValue: 3 }] } } },
      { key: 'kv', value: { kvlistValue: { values: [str('k', 'v')] } } },
      str('a.b', '1'),
      str('a_b', '2'),
      str('9lives', 'cat'),
      { key: 'empty' },
    ];
    const body = request([
      { name: 'g', gauge: { dataPoints: [{ timeUnixNano: NS, asDouble: 1, attributes }] } },
    ]);
    const [key] = Object.keys(samples(fromJson(body).batches));
    expect(key).toBe(
      'web-1 g{_9lives="cat",a_b="1;2",arr="[\\"a\\",\\"3\\"]",b="true",d="1.5",empty="",i="-9007199254740993",kv="{\\"k\\":\\"v\\"}",x="AQI="}',
    );
    // Over protobuf the int64 is exact too (a Long), and bytes are base64.
    expect(Object.keys(samples(fromProtobuf(body).batches))).toEqual([key]);
  });

  it('sanitizes names: dots kept in metric names, never in label names', () => {
    expect(otlpMetricName('http.server.duration')).toBe('http.server.duration');
    expect(otlpMetricName('kafka/consumer-lag')).toBe('kafka_consumer_lag');
    expect(otlpMetricName('2xx')).toBe('_2xx');
    expect(otlpMetricName('')).toBeUndefined();
    expect(otlpLabelName('http.route')).toBe('http_route');
    expect(otlpLabelName('k8s.pod.name')).toBe('k8s_pod_name');
    expect(otlpLabelName('über')).toBe('_ber');
  });

  it('reads what @opentelemetry/sdk-metrics exports, in protobuf and JSON alike', async () => {
    const reader = new CollectingReader();
    const provider = new MeterProvider({
      resource: resourceFromAttributes({ 'host.name': 'app-1', 'service.name': 'shop' }),
      readers: [reader],
    });
    const meter = provider.getMeter('unit');
    meter.createCounter('orders').add(3, { 'order.kind': 'web' });
    meter.createUpDownCounter('carts').add(-2);
    meter.createHistogram('latency', { advice: { explicitBucketBoundaries: [1, 10] } }).record(5);
    meter.createObservableGauge('temp').addCallback((r) => r.observe(21.5));
    const { resourceMetrics } = await reader.collect();
    const proto = ProtobufMetricsSerializer.serializeRequest(resourceMetrics) as Uint8Array;
    const json = JsonMetricsSerializer.serializeRequest(resourceMetrics) as Uint8Array;
    const a = batchesFromOtlp('o', decodeOtlpMetrics(proto, 'protobuf'), LIMITS);
    const b = batchesFromOtlp('o', decodeOtlpMetrics(json, 'json'), LIMITS);
    expect(samples(a.batches)).toEqual(samples(b.batches));
    const values = Object.fromEntries(Object.entries(samples(a.batches)).map(([k, v]) => [k, v[0]?.[1]]));
    expect(values).toEqual({
      'app-1 orders{order_kind="web",service_name="shop"}': 3,
      'app-1 carts{service_name="shop"}': -2,
      'app-1 latency_bucket{le="1",service_name="shop"}': 0,
      'app-1 latency_bucket{le="10",service_name="shop"}': 1,
      'app-1 latency_bucket{le="+Inf",service_name="shop"}': 1,
      'app-1 latency_sum{service_name="shop"}': 5,
      'app-1 latency_count{service_name="shop"}': 1,
      'app-1 temp{service_name="shop"}': 21.5,
    });
    await provider.shutdown();
  });

  it('encodes gauges for benchmarks that decode back to the same samples, ms exact', () => {
    const t = 1_733_450_000_999;
    const bytes = encodeOtlpGauges([
      {
        host: 'h1',
        series: [
          {
            name: 'cpu_usage',
            labels: { core: '1' },
            points: [
              [t, 1],
              [t + 1, 2],
            ],
          },
          { name: 'cpu_usage', labels: { core: '2' }, points: [[t, 3]] },
        ],
      },
      { host: 'h2', series: [{ name: 'mem', labels: {}, points: [[t, 4]] }] },
    ]);
    expect(samples(batchesFromOtlp('o', decodeOtlpMetrics(bytes, 'protobuf'), LIMITS).batches)).toEqual({
      'h1 cpu_usage{core="1"}': [
        [t, 1],
        [t + 1, 2],
      ],
      'h1 cpu_usage{core="2"}': [[t, 3]],
      'h2 mem': [[t, 4]],
    });
  });

  it('converts ns to ms exactly at the edges of a ms', () => {
    for (const ns of [
      '1733450000999999999',
      '1733450001000000000',
      '18446744073709551615',
      '999999',
      '1000000',
    ]) {
      const body = request([{ name: 'g', gauge: { dataPoints: [{ timeUnixNano: ns, asDouble: 1 }] } }]);
      const expected = ns.length <= 6 ? 0 : Number(ns.slice(0, -6));
      for (const result of [fromJson(body), fromProtobuf(body)]) {
        const t = result.batches[0]?.timestamps[0];
        if (expected === 0) expect(result.rejected).toBe(1);
        else expect(t).toBe(expected);
      }
    }
  });

  it('fuzz: random bytes and random JSON either map or are refused with IngestRejectedError', () => {
    const check = (fn: () => unknown) => {
      try {
        fn();
      } catch (err: unknown) {
        if (!(err instanceof IngestRejectedError)) throw err;
      }
    };
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        check(() => batchesFromOtlp('o', decodeOtlpMetrics(bytes, 'protobuf'), LIMITS));
        check(() => batchesFromOtlp('o', decodeOtlpMetrics(bytes, 'json'), LIMITS));
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        check(() => fromJson(value));
        check(() => fromJson({ resourceMetrics: [value] }));
      }),
      { numRuns: 1000 },
    );
  });

  it('fuzz: OTLP-shaped JSON with values of any type, and mutated protobuf, never throw anything else', () => {
    const any = fc.oneof(
      fc.jsonValue({ maxDepth: 2 }),
      fc.constantFrom('NaN', 'Infinity', '-1', '18446744073709551616', NS, '0x10', ''),
    );
    const point = fc.record(
      {
        timeUnixNano: fc.oneof(fc.constant(NS), any),
        asDouble: any,
        asInt: any,
        count: any,
        sum: any,
        flags: any,
        bucketCounts: fc.oneof(fc.array(any, { maxLength: 4 }), any),
        explicitBounds: fc.oneof(fc.array(any, { maxLength: 3 }), any),
        quantileValues: fc.array(fc.record({ quantile: any, value: any }, { requiredKeys: [] }), {
          maxLength: 2,
        }),
        attributes: fc.array(
          fc.record(
            {
              key: any,
              value: fc.dictionary(
                fc.constantFrom(
                  'stringValue',
                  'intValue',
                  'doubleValue',
                  'boolValue',
                  'bytesValue',
                  'arrayValue',
                  'kvlistValue',
                ),
                any,
              ),
            },
            { requiredKeys: [] },
          ),
          { maxLength: 3 },
        ),
      },
      { requiredKeys: [] },
    );
    const metric = fc.record(
      {
        name: fc.oneof(fc.constant('m.x'), any),
        kind: fc.constantFrom('gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary', 'other'),
        points: fc.array(point, { maxLength: 3 }),
        temporality: any,
      },
      { requiredKeys: ['kind', 'points'] },
    );
    fc.assert(
      fc.property(fc.array(metric, { maxLength: 3 }), (metrics) => {
        const body = request(
          metrics.map((m) => ({
            name: m.name,
            [m.kind]: { dataPoints: m.points, aggregationTemporality: m.temporality },
          })),
        );
        try {
          fromJson(body);
        } catch (err: unknown) {
          if (!(err instanceof IngestRejectedError)) throw err;
        }
      }),
      { numRuns: 1000 },
    );
    const valid = encodeOtlpGauges([
      {
        host: 'h',
        series: [
          {
            name: 'a.b',
            labels: { x: 'y' },
            points: [
              [T, 1],
              [T + 1, 2],
            ],
          },
        ],
      },
    ]);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        (flips) => {
          const bytes = Uint8Array.from(valid);
          for (const [at, byte] of flips) bytes[at % bytes.length] = byte;
          try {
            batchesFromOtlp('o', decodeOtlpMetrics(bytes, 'protobuf'), LIMITS);
          } catch (err: unknown) {
            if (!(err instanceof IngestRejectedError)) throw err;
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
