import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { OTLPMetricExporter as JsonExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtoExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import { JsonMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  MeterProvider,
  MetricReader,
  PeriodicExportingMetricReader,
  type PushMetricExporter,
} from '@opentelemetry/sdk-metrics';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExportMetricsServiceResponseType, RpcStatusType } from '../src/contract/otlp-metrics.ts';
import { encodeOtlpGauges } from '../src/ingest/push-otlp.ts';
import { type RedisServer, startRedis, uniquePrefix } from './harness/index.ts';
import { ADMIN_TOKEN, type ApiEnv, apiEnv } from './support/api.ts';
import { headPoints } from './support/tsdb.ts';

const PROTOBUF = { 'content-type': 'application/x-protobuf' };
const JSON_TYPE = { 'content-type': 'application/json' };

/** Newest value of every series of a host, through the REST API. */
async function latest(env: ApiEnv, host: string): Promise<Record<string, number | string>> {
  const res = await env.call('GET', `/api/v1/hosts/${host}/metrics/latest`);
  expect(res.statusCode).toBe(200);
  return Object.fromEntries(
    (res.json().metrics as { series: string; value: number | string }[]).map((m) => [m.series, m.value]),
  );
}

async function stored(env: ApiEnv, host: string): Promise<number> {
  const points = await headPoints(env.runtime.redis, env.runtime.keys, 'default', host);
  return [...points.values()].reduce((n, p) => n + p.timestamps.length, 0);
}

/** Records the same instruments on a provider exporting through `exporter`; flushes twice. */
async function exportThrough(exporter: PushMetricExporter, host: string): Promise<void> {
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'host.name': host, 'service.name': 'checkout' }),
    readers: [reader],
  });
  const meter = provider.getMeter('vitals-test');
  const requests = meter.createCounter('http.server.requests', { unit: '{request}' });
  const inFlight = meter.createUpDownCounter('http.server.active_requests');
  const duration = meter.createHistogram('http.server.duration', { unit: 'ms' });
  meter
    .createObservableGauge('room.temperature', { unit: 'Cel' })
    .addCallback((result) => result.observe(42.5, { 'room.name': 'a' }));
  requests.add(5, { 'http.route': '/cart' });
  requests.add(7, { 'http.route': '/cart' });
  inFlight.add(10);
  inFlight.add(-3);
  for (const ms of [0.3, 7, 120]) duration.record(ms, { 'http.route': '/cart' });
  await provider.forceFlush();
  requests.add(3, { 'http.route': '/cart' });
  await provider.forceFlush();
  await provider.shutdown();
}

/** What the instruments above leave in Vitals, by series. */
const EXPECTED: Record<string, number> = {
  'http.server.requests{http_route="/cart",service_name="checkout"}': 15,
  'http.server.active_requests{service_name="checkout"}': 7,
  'room.temperature{room_name="a",service_name="checkout"}': 42.5,
  'http.server.duration_sum{http_route="/cart",service_name="checkout"}': 127.3,
  'http.server.duration_count{http_route="/cart",service_name="checkout"}': 3,
};
// The SDK's default bounds: 0, 5, 10, 25, 50, 75, 100, 250, … 10000.
const BUCKETS: Record<string, number> = {
  '0': 0,
  '5': 1,
  '10': 2,
  '25': 2,
  '100': 2,
  '250': 3,
  '10000': 3,
  '+Inf': 3,
};
for (const [le, n] of Object.entries(BUCKETS)) {
  EXPECTED[`http.server.duration_bucket{http_route="/cart",le="${le}",service_name="checkout"}`] = n;
}

/** A collected export of one gauge, as OTLP/JSON bytes the SDK's serializer writes. */
async function jsonBody(host: string, value: number): Promise<Uint8Array> {
  class Collect extends MetricReader {
    protected override async onForceFlush(): Promise<void> {}
    protected override async onShutdown(): Promise<void> {}
  }
  const reader = new Collect();
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'host.name': host }),
    readers: [reader],
  });
  provider
    .getMeter('t')
    .createObservableGauge('load.1')
    .addCallback((r) => r.observe(value));
  const { resourceMetrics } = await reader.collect();
  await provider.shutdown();
  return JsonMetricsSerializer.serializeRequest(resourceMetrics) as Uint8Array;
}

describe('POST /v1/metrics (OTLP/HTTP)', () => {
  let redis: RedisServer;
  let env: ApiEnv;
  let url: string;
  beforeAll(async () => {
    redis = await startRedis();
    env = await apiEnv(redis.url, uniquePrefix('otlp'));
    await env.runtime.app.listen({ host: '127.0.0.1', port: 0 });
    url = `http://127.0.0.1:${(env.runtime.app.server.address() as AddressInfo).port}/v1/metrics`;
  });
  afterAll(async () => {
    await env?.close();
    await redis?.close();
  });

  it('stores what @opentelemetry/sdk-metrics exports with the protobuf exporter, readable through the API', async () => {
    const exporter = new ProtoExporter({ url, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    await exportThrough(exporter, 'otel-proto-1');
    const values = await latest(env, 'otel-proto-1');
    for (const [series, value] of Object.entries(EXPECTED))
      expect([series, values[series]]).toEqual([series, value]);
    // The counter is stored as counted: each export is there, 12, then 15, then 15 again (shutdown exports once more).
    const range = await env.call(
      'GET',
      `/api/v1/hosts/otel-proto-1/metrics/range?startTime=${Date.now() - 600_000}&shape=columns&metrics=${encodeURIComponent('http.server.requests{http_route="/cart",service_name="checkout"}')}`,
    );
    expect(Object.values(range.json().columns.values)).toEqual([[12, 15, 15]]);
    const host = (await env.call('GET', '/api/v1/hosts/otel-proto-1')).json();
    expect(host.id).toBe('otel-proto-1');
  });

  it('stores the same from the JSON exporter (gzip), and from JSON bodies the SDK serializer writes', async () => {
    // Gzip-compressed, as collectors and some SDKs send by default.
    const exporter = new JsonExporter({
      url,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      compression: CompressionAlgorithm.GZIP,
    });
    await exportThrough(exporter, 'otel-json-1');
    expect(await latest(env, 'otel-json-1')).toEqual(await latest(env, 'otel-proto-1'));
    const res = await env.call('POST', '/v1/metrics', {
      payload: Buffer.from(await jsonBody('otel-json-2', 1.25)),
      headers: JSON_TYPE,
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('application/json');
    expect(res.json()).toEqual({});
    expect(await latest(env, 'otel-json-2')).toEqual({ 'load.1': 1.25 });
  });

  it('answers 200 with an ExportMetricsServiceResponse, partialSuccess counting refused points', async () => {
    const t = `${Date.now()}000000`;
    const body = {
      resourceMetrics: [
        {
          resource: { attributes: [{ key: 'host.name', value: { stringValue: 'partial-1' } }] },
          scopeMetrics: [
            {
              metrics: [
                { name: 'ok', gauge: { dataPoints: [{ timeUnixNano: t, asDouble: 1 }] } },
                { name: 'exp', exponentialHistogram: { dataPoints: [{ timeUnixNano: t, count: 1 }] } },
              ],
            },
          ],
        },
      ],
    };
    const json = await env.call('POST', '/v1/metrics', { payload: JSON.stringify(body), headers: JSON_TYPE });
    expect(json.statusCode).toBe(200);
    expect(json.json().partialSuccess.rejectedDataPoints).toBe('1');
    expect(json.json().partialSuccess.errorMessage).toContain('exponential histograms are not stored');
    expect(await latest(env, 'partial-1')).toEqual({ ok: 1 });
    const proto = await env.call('POST', '/v1/metrics', {
      payload: Buffer.from(
        encodeOtlpGauges([
          { host: 'partial-1', series: [{ name: 'ok', labels: {}, points: [[Date.now(), 2]] }] },
        ]),
      ),
      headers: PROTOBUF,
    });
    expect(proto.statusCode).toBe(200);
    expect(proto.headers['content-type']).toContain('application/x-protobuf');
    expect(
      ExportMetricsServiceResponseType.toObject(ExportMetricsServiceResponseType.decode(proto.rawPayload)),
    ).toEqual({});
  });

  it('accepts gzip bodies', async () => {
    const body = encodeOtlpGauges([
      { host: 'gz-1', series: [{ name: 'g', labels: { a: 'b' }, points: [[Date.now(), 3]] }] },
    ]);
    const res = await env.call('POST', '/v1/metrics', {
      payload: gzipSync(body),
      headers: { ...PROTOBUF, 'content-encoding': 'gzip' },
    });
    expect(res.statusCode).toBe(200);
    expect(await latest(env, 'gz-1')).toEqual({ 'g{a="b"}': 3 });
  });

  it('refuses bad bodies with 400 and a google.rpc.Status naming the problem, writing nothing', async () => {
    const t = `${Date.now()}000000`;
    const body = {
      resourceMetrics: [
        {
          resource: { attributes: [{ key: 'host.name', value: { stringValue: 'bad-1' } }] },
          scopeMetrics: [
            {
              metrics: [
                { name: 'fine', gauge: { dataPoints: [{ timeUnixNano: t, asDouble: 1 }] } },
                { name: 'broken', sum: { dataPoints: [{ timeUnixNano: t, asInt: 'many' }] } },
              ],
            },
          ],
        },
      ],
    };
    const json = await env.call('POST', '/v1/metrics', { payload: JSON.stringify(body), headers: JSON_TYPE });
    expect(json.statusCode).toBe(400);
    expect(json.json()).toMatchObject({
      code: 3,
      message:
        'resourceMetrics[0].scopeMetrics[0].metrics[1] ("broken").sum.dataPoints[0]: asInt must be an integer',
      error: { code: 'bad_request' },
    });
    const proto = await env.call('POST', '/v1/metrics', {
      payload: Buffer.from([0x0a, 0xff, 0x01]),
      headers: PROTOBUF,
    });
    expect(proto.statusCode).toBe(400);
    expect(proto.headers['content-type']).toContain('application/x-protobuf');
    const status = RpcStatusType.toObject(RpcStatusType.decode(proto.rawPayload)) as {
      code: number;
      message: string;
    };
    expect(status.code).toBe(3);
    expect(status.message).toContain('not a protobuf ExportMetricsServiceRequest');
    const notJson = await env.call('POST', '/v1/metrics', {
      payload: '{"resourceMetrics":',
      headers: JSON_TYPE,
    });
    expect(notJson.statusCode).toBe(400);
    expect(notJson.json().message).toBe('the body is not valid JSON');
    const type = await env.call('POST', '/v1/metrics', {
      payload: 'x',
      headers: { 'content-type': 'text/plain' },
    });
    expect(type.statusCode).toBe(415);
    expect(type.json().message).toContain('application/x-protobuf');
    const noToken = await env.call('POST', '/v1/metrics', {
      payload: Buffer.alloc(0),
      headers: { ...PROTOBUF, authorization: '' },
    });
    expect(noToken.statusCode).toBe(401);
    expect(RpcStatusType.decode(noToken.rawPayload).toJSON()).toMatchObject({ code: 16 });
    expect((await env.call('GET', '/api/v1/hosts/bad-1')).statusCode).toBe(404);
    expect(await stored(env, 'bad-1')).toBe(0);
  });

  it('is described in OpenAPI', async () => {
    const doc = (await env.runtime.app.inject({ url: '/docs/json' })).json();
    expect(doc.paths['/v1/metrics'].post.summary).toContain('OTLP');
  });

  it('answers an empty request with 200 and stores nothing', async () => {
    const res = await env.call('POST', '/v1/metrics', { payload: Buffer.alloc(0), headers: PROTOBUF });
    expect(res.statusCode).toBe(200);
    const json = await env.call('POST', '/v1/metrics', { payload: '{}', headers: JSON_TYPE });
    expect(json.statusCode).toBe(200);
  });

  it('writes a retried request once under one Idempotency-Key, and refuses the key for another body', async () => {
    const t = Date.now();
    const body = Buffer.from(
      encodeOtlpGauges([{ host: 'idem-1', series: [{ name: 'g', labels: {}, points: [[t, 1]] }] }]),
    );
    const headers = { ...PROTOBUF, 'idempotency-key': 'otlp-batch-1' };
    const first = await env.call('POST', '/v1/metrics', { payload: body, headers });
    const second = await env.call('POST', '/v1/metrics', { payload: body, headers });
    expect([first.statusCode, second.statusCode]).toEqual([200, 200]);
    expect(await stored(env, 'idem-1')).toBe(1);
    const other = Buffer.from(
      encodeOtlpGauges([{ host: 'idem-1', series: [{ name: 'g', labels: {}, points: [[t + 1, 2]] }] }]),
    );
    const reused = await env.call('POST', '/v1/metrics', { payload: other, headers });
    expect(reused.statusCode).toBe(422);
    expect(RpcStatusType.decode(reused.rawPayload).toJSON()).toMatchObject({
      code: 9,
      message: expect.stringContaining('Idempotency-Key'),
    });
    expect(await stored(env, 'idem-1')).toBe(1);
  });

  it('keeps answering 200 while Redis is down (the write waits in the spool), never a 5xx', async () => {
    const local = await startRedis();
    const down = await apiEnv(local.url, uniquePrefix('otlp-down'));
    try {
      const body = (v: number) =>
        Buffer.from(
          encodeOtlpGauges([
            { host: 'down-1', series: [{ name: 'g', labels: {}, points: [[Date.now(), v]] }] },
          ]),
        );
      expect(
        (await down.call('POST', '/v1/metrics', { payload: body(1), headers: PROTOBUF })).statusCode,
      ).toBe(200);
      await local.stop();
      const res = await down.call('POST', '/v1/metrics', { payload: body(2), headers: PROTOBUF });
      expect(res.statusCode).toBe(200);
    } finally {
      await down.close();
      await local.close();
    }
  });

  it('fuzz: no input gets a 5xx', async () => {
    const valid = encodeOtlpGauges([
      { host: 'fuzz-1', series: [{ name: 'a.b', labels: { x: 'y' }, points: [[Date.now(), 1]] }] },
    ]);
    const json = new TextDecoder().decode(await jsonBody('fuzz-2', 1));
    const input = fc.oneof(
      fc.uint8Array({ maxLength: 300 }).map((b) => ({ payload: Buffer.from(b), headers: PROTOBUF })),
      fc
        .uint8Array({ maxLength: 300 })
        .map((b) => ({ payload: Buffer.from(b), headers: { ...PROTOBUF, 'content-encoding': 'gzip' } })),
      fc.jsonValue().map((v) => ({ payload: JSON.stringify(v) ?? 'null', headers: JSON_TYPE })),
      fc
        .array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 3 })
        .map((flips) => {
          const bytes = Buffer.from(valid);
          for (const [at, b] of flips) bytes[at % bytes.length] = b;
          return { payload: bytes, headers: PROTOBUF };
        }),
      fc.tuple(fc.nat(), fc.string({ maxLength: 3 })).map(([at, s]) => {
        const i = at % json.length;
        return { payload: json.slice(0, i) + s + json.slice(i + 1), headers: JSON_TYPE };
      }),
    );
    await fc.assert(
      fc.asyncProperty(input, async ({ payload, headers }) => {
        const res = await env.call('POST', '/v1/metrics', { payload, headers });
        expect(res.statusCode, res.body).toBeLessThan(500);
      }),
      { numRuns: 300 },
    );
  });
});

describe('POST /v1/metrics under the rate limits', () => {
  let redis: RedisServer;
  let env: ApiEnv;
  beforeAll(async () => {
    redis = await startRedis();
    env = await apiEnv(redis.url, uniquePrefix('otlp-limit'), { VITALS_RATE_LIMIT: '3' });
  });
  afterAll(async () => {
    await env?.close();
    await redis?.close();
  });

  it('counts OTLP pushes against the token: 429 with Retry-After and a google.rpc.Status past the limit', async () => {
    const body = encodeOtlpGauges([
      { host: 'limited-1', series: [{ name: 'load.1', labels: {}, points: [[Date.now(), 1]] }] },
    ]);
    const statuses: number[] = [];
    let refused: { headers: Record<string, unknown>; rawPayload: Buffer } | undefined;
    for (let i = 0; i < 5; i++) {
      const res = await env.call('POST', '/v1/metrics', { payload: Buffer.from(body), headers: PROTOBUF });
      statuses.push(res.statusCode);
      if (res.statusCode === 429) refused ??= res;
    }
    expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
    expect(statuses.slice(3)).toEqual([429, 429]);
    expect(Number(refused?.headers['retry-after'])).toBeGreaterThan(0);
    const status = RpcStatusType.toObject(RpcStatusType.decode(refused?.rawPayload ?? Buffer.alloc(0))) as {
      code: number;
      message: string;
    };
    expect(status.code).toBe(8);
    expect(status.message).toContain('VITALS_RATE_LIMIT');
  });
});
