import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, HOST, type RedisServer, startRedis, uniquePrefix, waitFor } from './harness/index.ts';
import { type ApiEnv, apiEnv } from './support/api.ts';

/**
 * A small OTLP/HTTP receiver: decodes `ExportMetricsServiceRequest` protobuf bodies with a minimal
 * wire-format reader (field numbers from the OTLP metrics .proto, opentelemetry-proto v1).
 */
type Field = { no: number; wire: number; varint?: bigint; bytes?: Buffer };

function fields(buf: Buffer): Field[] {
  const out: Field[] = [];
  let pos = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const b = buf[pos++] ?? 0;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
    }
  };
  while (pos < buf.length) {
    const key = Number(varint());
    const no = key >> 3;
    const wire = key & 7;
    if (wire === 0) {
      out.push({ no, wire, varint: varint() });
      continue;
    }
    const len = wire === 1 ? 8 : wire === 5 ? 4 : wire === 2 ? Number(varint()) : -1;
    if (len < 0) throw new Error(`wire type ${wire}`);
    out.push({ no, wire, bytes: buf.subarray(pos, pos + len) });
    pos += len;
  }
  return out;
}

const all = (buf: Buffer, no: number) => fields(buf).filter((f) => f.no === no);
const one = (buf: Buffer, no: number) => all(buf, no)[0];
const str = (buf: Buffer, no: number) => one(buf, no)?.bytes?.toString('utf8') ?? '';
const dbl = (buf: Buffer, no: number) => one(buf, no)?.bytes?.readDoubleLE(0);

interface Point {
  attributes: Record<string, string>;
  value?: number;
  count?: number;
  sum?: number;
  buckets?: number[];
}
interface DecodedMetric {
  name: string;
  unit: string;
  kind: 'gauge' | 'sum' | 'histogram';
  monotonic?: boolean;
  points: Point[];
}

function attributes(point: Buffer, no: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of all(point, no)) {
    const value = one(kv.bytes as Buffer, 2)?.bytes as Buffer;
    out[str(kv.bytes as Buffer, 1)] = str(value, 1);
  }
  return out;
}

function decodeMetric(m: Buffer): DecodedMetric {
  const name = str(m, 1);
  const unit = str(m, 3);
  const gauge = one(m, 5)?.bytes;
  const sum = one(m, 7)?.bytes;
  const histogram = one(m, 9)?.bytes;
  if (histogram) {
    const points = all(histogram, 1).map((p) => {
      const b = p.bytes as Buffer;
      const packed = one(b, 6)?.bytes ?? Buffer.alloc(0);
      const buckets = Array.from({ length: packed.length / 8 }, (_, i) =>
        Number(packed.readBigUInt64LE(i * 8)),
      );
      return {
        attributes: attributes(b, 9),
        count: Number(one(b, 4)?.bytes?.readBigUInt64LE(0)),
        sum: dbl(b, 5),
        buckets,
      };
    });
    return { name, unit, kind: 'histogram', points };
  }
  const data = (sum ?? gauge) as Buffer;
  const points = all(data, 1).map((p) => ({
    attributes: attributes(p.bytes as Buffer, 7),
    value: dbl(p.bytes as Buffer, 4),
  }));
  return sum
    ? { name, unit, kind: 'sum', monotonic: one(sum, 3)?.varint === 1n, points }
    : { name, unit, kind: 'gauge', points };
}

function decodeRequest(body: Buffer): DecodedMetric[] {
  return all(body, 1).flatMap((rm) =>
    all(rm.bytes as Buffer, 2).flatMap((sm) =>
      all(sm.bytes as Buffer, 2).map((m) => decodeMetric(m.bytes as Buffer)),
    ),
  );
}

describe('OpenTelemetry export', () => {
  let redis: RedisServer;
  let env: ApiEnv;
  let receiver: Server;
  const requests: { headers: Record<string, unknown>; path: string; metrics: DecodedMetric[] }[] = [];

  beforeAll(async () => {
    const port = await freePort();
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        requests.push({
          headers: req.headers,
          path: req.url ?? '',
          metrics: decodeRequest(Buffer.concat(chunks)),
        });
        res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(port, HOST, resolve));
    redis = await startRedis();
    env = await apiEnv(redis.url, uniquePrefix('otlp'), {
      VITALS_SELF_MONITOR: 'false',
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://${HOST}:${port}`,
      OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=s%3Dcret',
      OTEL_METRIC_EXPORT_INTERVAL: '300',
    });
  });

  afterAll(async () => {
    await env?.close();
    await redis?.close();
    await new Promise((resolve) => receiver?.close(resolve));
  });

  it('pushes the /metrics figures over OTLP/HTTP protobuf with names, units and values', async () => {
    const push = await env.call('POST', '/api/v1/ingest', {
      payload: {
        hosts: [
          {
            host: 'vitals-redis',
            snapshots: [{ timestamp: Date.now(), metrics: { 'redis.memory.used_memory': 4096, a: 1 } }],
          },
        ],
      },
    });
    expect(push.statusCode).toBe(200);
    const since = requests.length;
    const latest = await waitFor(
      () => requests.slice(since).find((r) => r.metrics.some((m) => m.name === 'redis.memory.used')),
      { timeoutMs: 10_000, message: 'an OTLP export after the push' },
    );
    expect(latest.path).toBe('/v1/metrics');
    expect(latest.headers['content-type']).toBe('application/x-protobuf');
    expect(latest.headers['x-api-key']).toBe('s=cret');
    const by = (name: string) => latest.metrics.find((m) => m.name === name);
    expect(by('redis.memory.used')).toMatchObject({
      unit: 'By',
      kind: 'gauge',
      points: [{ attributes: { instance: 'vitals-redis' }, value: 4096 }],
    });
    expect(by('vitals.ingest.samples')).toMatchObject({ kind: 'sum', monotonic: true, unit: '' });
    expect(by('vitals.ingest.samples')?.points[0]?.value).toBeGreaterThanOrEqual(2);
    const http = by('vitals.http.request.duration');
    expect(http).toMatchObject({ kind: 'histogram', unit: 's' });
    const ingest = http?.points.find((p) => p.attributes.route === '/api/v1/ingest');
    expect(ingest).toMatchObject({ attributes: { method: 'POST', status_code: '200' }, count: 1 });
    expect(ingest?.buckets?.reduce((a, b) => a + b, 0)).toBe(1);
    const commands = by('vitals.redis.command.duration');
    expect(commands?.kind).toBe('histogram');
    expect(commands?.points.some((p) => p.attributes.kind === 'write' && (p.count ?? 0) > 0)).toBe(true);
    expect(by('process.cpu.user')).toMatchObject({ kind: 'sum', unit: 's' });
  }, 20_000);
});
