import { request } from 'node:http';
import fc from 'fast-check';
import snappy from 'snappy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeRemoteWrite, type RemoteWriteSeries, STALE_NAN } from '../src/ingest/push-prom-remote.ts';
import { type RedisServer, startRedis, uniquePrefix } from './harness/index.ts';
import { ADMIN_TOKEN, type ApiEnv, apiEnv } from './support/api.ts';
import { headPoints } from './support/tsdb.ts';

/**
 * `POST /api/v1/prom/write`: Prometheus remote_write 1.0 through the whole server, as Prometheus sends
 * it (snappy, protobuf, Bearer token), read back through the REST query routes.
 */

const PATH = '/api/v1/prom/write';
/** The headers Prometheus 2.x sends with every remote_write request. */
const PROMETHEUS_HEADERS = {
  'content-type': 'application/x-protobuf',
  'content-encoding': 'snappy',
  'user-agent': 'Prometheus/2.42.0',
  'x-prometheus-remote-write-version': '0.1.0',
};

function write(
  env: ApiEnv,
  body: Buffer,
  options: { query?: string; headers?: Record<string, string> } = {},
) {
  return env.call('POST', `${PATH}${options.query ?? ''}`, {
    payload: body,
    headers: { ...PROMETHEUS_HEADERS, ...options.headers },
  });
}

/** Every sample stored for a host in [from, to], counted through the JSON export. */
async function exported(env: ApiEnv, host: string, from: number, to: number) {
  const res = await env.call(
    'GET',
    `/api/v1/hosts/${encodeURIComponent(host)}/export?format=json&startTime=${from}&endTime=${to}`,
  );
  if (res.statusCode === 404) return [];
  expect(res.statusCode, res.body).toBe(200);
  return res.body
    .split('\n')
    .filter((l) => l !== '')
    .map(
      (l) =>
        JSON.parse(l) as { name: string; labels: Record<string, string>; timestamp: number; value: unknown },
    );
}

async function rangeOf(env: ApiEnv, host: string, key: string, from: number, to: number) {
  const res = await env.call(
    'GET',
    `/api/v1/hosts/${host}/metrics/range?metrics=${encodeURIComponent(key)}&startTime=${from}&endTime=${to}&shape=columns`,
  );
  expect(res.statusCode, res.body).toBe(200);
  const { columns } = res.json() as { columns: { timestamps: number[]; values: Record<string, unknown[]> } };
  return { t: columns.timestamps, v: columns.values[key] ?? [] };
}

describe('POST /api/v1/prom/write', () => {
  let redis: RedisServer;
  let env: ApiEnv;
  const now = Date.now() - 60_000;

  beforeAll(async () => {
    redis = await startRedis();
    env = await apiEnv(redis.url, uniquePrefix('promrw'), {
      VITALS_MAX_BODY_BYTES: String(64 * 1024),
      VITALS_MAX_SERIES_PER_HOST: '20',
    });
  });
  afterAll(async () => {
    await env?.close();
    await redis?.close();
  });

  it('does answer 204 and store what Prometheus sends, readable through the query routes', async () => {
    const body = encodeRemoteWrite([
      {
        labels: { __name__: 'node_load1', instance: 'web-1.example.com:9100', job: 'node' },
        samples: [
          [now, 0.5],
          [now + 1000, 0.75],
        ],
      },
      {
        labels: {
          __name__: 'node_cpu_seconds_total',
          instance: 'web-1.example.com:9100',
          job: 'node',
          cpu: '0',
          mode: 'idle',
        },
        samples: [[now, 1234.5]],
      },
      { labels: { __name__: 'job:up:sum', job: 'node' }, samples: [[now, 3]] },
      // A stale marker: dropped.
      {
        labels: { __name__: 'node_gone', instance: 'web-1.example.com:9100', job: 'node' },
        samples: [[now, STALE_NAN]],
      },
    ]);
    const res = await write(env, body);
    expect(res.statusCode, res.body).toBe(204);
    expect(res.body).toBe('');
    expect(
      await rangeOf(env, 'web-1.example.com_9100', 'node_load1{job="node"}', now - 1, now + 5000),
    ).toEqual({
      t: [now, now + 1000],
      v: [0.5, 0.75],
    });
    const cpu = 'node_cpu_seconds_total{cpu="0",job="node",mode="idle"}';
    expect((await rangeOf(env, 'web-1.example.com_9100', cpu, now - 1, now + 5000)).v).toEqual([1234.5]);
    // Without instance, the job names the host; the colons of a recording rule became dots.
    expect((await rangeOf(env, 'node', 'job.up.sum{job="node"}', now - 1, now + 5000)).v).toEqual([3]);
    const all = await exported(env, 'web-1.example.com_9100', now - 1, now + 5000);
    expect(all.map((s) => s.name).sort()).toEqual(['node_cpu_seconds_total', 'node_load1', 'node_load1']);
    // Registered under the sanitized id, with the instance as sent for its name.
    const host = await env.call('GET', '/api/v1/hosts/web-1.example.com_9100');
    expect(host.statusCode, host.body).toBe(200);
    expect(host.json()).toMatchObject({ id: 'web-1.example.com_9100', name: 'web-1.example.com:9100' });
  });

  it('does take the exact request Prometheus makes over a socket (Content-Encoding: snappy, Bearer token)', async () => {
    const base = await env.runtime.listen();
    const body = encodeRemoteWrite([
      { labels: { __name__: 'up', instance: 'socket:1', job: 'j' }, samples: [[now, 1]] },
    ]);
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        `${base}${PATH}`,
        {
          method: 'POST',
          headers: {
            ...PROMETHEUS_HEADERS,
            authorization: `Bearer ${ADMIN_TOKEN}`,
            'content-length': String(body.length),
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    expect(status).toBe(204);
    expect((await rangeOf(env, 'socket_1', 'up{job="j"}', now - 1, now + 1)).v).toEqual([1]);
  });

  it('does take ?host= for series with neither instance nor job, and refuses them without it', async () => {
    const body = encodeRemoteWrite([
      { labels: { __name__: 'free_standing', env: 'prod' }, samples: [[now, 7]] },
    ]);
    const refused = await write(env, body);
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error.message).toContain('series 0 {__name__="free_standing",env="prod"}');
    expect((await write(env, body, { query: '?host=by-param' })).statusCode).toBe(204);
    expect((await rangeOf(env, 'by-param', 'free_standing{env="prod"}', now - 1, now + 1)).v).toEqual([7]);
  });

  it('does refuse bad bodies with 400 naming the problem, and writes nothing of them', async () => {
    const good = {
      labels: { __name__: 'refused_metric', instance: 'refused-host' },
      samples: [[now, 1]] as [number, number][],
    };
    const cases: [string, Buffer, string][] = [
      ['empty', Buffer.alloc(0), 'the body is empty'],
      ['not snappy', Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), 'not snappy-compressed'],
      ['gzip sent as snappy', Buffer.from('1f8b0800000000000003', 'hex'), 'not snappy-compressed'],
      [
        'not protobuf',
        snappy.compressSync(Buffer.from([0x0a, 0xff, 0xff, 0x03])),
        'not a protobuf WriteRequest',
      ],
      ['too big', Buffer.from([0x80, 0x80, 0x80, 0x01, 0x00]), 'the limit is 65536 (VITALS_MAX_BODY_BYTES)'],
      [
        'bad label',
        encodeRemoteWrite([
          good,
          { labels: { __name__: 'x', instance: 'refused-host', 'bad-name': '1' }, samples: [[now, 1]] },
        ]),
        'series 1: x: label name "bad-name" is not valid',
      ],
      [
        'no name',
        encodeRemoteWrite([good, { labels: { instance: 'refused-host' }, samples: [[now, 1]] }]),
        'no __name__ label',
      ],
      [
        'too old',
        encodeRemoteWrite([
          good,
          { labels: { __name__: 'old', instance: 'refused-host' }, samples: [[1000, 1]] },
        ]),
        'older than raw retention',
      ],
    ];
    for (const [what, body, message] of cases) {
      const res = await write(env, body);
      expect([what, res.statusCode], res.body).toEqual([what, 400]);
      expect(res.json().error.code).toBe('bad_request');
      expect(res.json().error.message, what).toContain(message);
    }
    expect((await env.call('GET', '/api/v1/hosts/refused-host')).statusCode).toBe(404);
    expect(await exported(env, 'refused-host', now - 3_600_000, Date.now())).toEqual([]);
    expect((await headPoints(env.runtime.redis, env.runtime.keys, 'default', 'refused-host')).size).toBe(0);
  });

  it('does refuse other encodings and content types with 415, a body over the limit with 413, and no token with 401', async () => {
    const body = encodeRemoteWrite([{ labels: { __name__: 'up', job: 'j' }, samples: [[now, 1]] }]);
    const gzip = await write(env, body, { headers: { 'content-encoding': 'gzip' } });
    expect(gzip.statusCode).toBe(415);
    expect(gzip.json().error.message).toContain('Content-Encoding gzip is not accepted');
    const json = await write(env, body, { headers: { 'content-type': 'application/json' } });
    expect(json.statusCode).toBe(415);
    const v2 = await write(env, body, {
      headers: { 'content-type': 'application/x-protobuf;proto=io.prometheus.write.v2.Request' },
    });
    expect(v2.statusCode).toBe(415);
    expect(v2.json().error.message).toContain('remote-write 1.0');
    const v1 = await write(env, body, {
      headers: { 'content-type': 'application/x-protobuf;proto=prometheus.WriteRequest' },
    });
    expect(v1.statusCode).toBe(204);
    // Over VITALS_MAX_BODY_BYTES as sent (64 KiB here): Fastify's own limit, 413.
    const huge = await write(env, Buffer.alloc(65 * 1024, 1));
    expect(huge.statusCode).toBe(413);
    expect(huge.json().error.code).toBe('payload_too_large');
    const anonymous = await env.runtime.app.inject({
      method: 'POST',
      url: PATH,
      headers: PROMETHEUS_HEADERS,
      payload: body,
    });
    expect(anonymous.statusCode).toBe(401);
  });

  it('does answer a series limit with 422 (Prometheus drops the batch) and writes nothing of it', async () => {
    const series: RemoteWriteSeries[] = Array.from({ length: 21 }, (_, i) => ({
      labels: { __name__: 'many', instance: 'limited', n: String(i) },
      samples: [[now, i]],
    }));
    const res = await write(env, encodeRemoteWrite(series));
    expect(res.statusCode).toBe(422);
    expect(res.json().error.message).toContain('VITALS_MAX_SERIES_PER_HOST');
    expect(await exported(env, 'limited', now - 3_600_000, Date.now())).toEqual([]);
    expect((await headPoints(env.runtime.redis, env.runtime.keys, 'default', 'limited')).size).toBe(0);
  });

  it('does answer a retry with the same Idempotency-Key once, and stores a resent batch once', async () => {
    const body = encodeRemoteWrite([
      {
        labels: { __name__: 'retried', instance: 'retry-host' },
        samples: [
          [now, 1],
          [now + 1000, 2],
        ],
      },
    ]);
    const headers = { 'idempotency-key': 'prom-batch-1' };
    expect((await write(env, body, { headers })).statusCode).toBe(204);
    expect((await write(env, body, { headers })).statusCode).toBe(204);
    const other = encodeRemoteWrite([
      { labels: { __name__: 'retried', instance: 'retry-host' }, samples: [[now, 9]] },
    ]);
    const reused = await write(env, other, { headers });
    expect(reused.statusCode).toBe(422);
    expect(reused.json().error.code).toBe('idempotency_key_reused');
    // Prometheus sends no key: a resent batch has the same (series, timestamp) pairs, read once.
    expect((await write(env, body)).statusCode).toBe(204);
    const again = encodeRemoteWrite([
      { labels: { __name__: 'retried', instance: 'retry-host' }, samples: [[now + 1000, 5]] },
    ]);
    expect((await write(env, again)).statusCode).toBe(204);
    expect(await rangeOf(env, 'retry-host', 'retried', now - 1, now + 5000)).toEqual({
      t: [now, now + 1000],
      v: [1, 5],
    });
    expect(await exported(env, 'retry-host', now - 1, now + 5000)).toHaveLength(2);
  });

  it('does answer any body with 204, 400, 413, 415 or 422: never a 5xx', async () => {
    const series = fc.record({
      labels: fc.dictionary(
        fc.oneof(
          fc.constantFrom('__name__', 'instance', 'job', 'le', 'bad-name'),
          fc.string({ maxLength: 5 }),
        ),
        fc.string({ maxLength: 8 }),
        { maxKeys: 4 },
      ),
      samples: fc.array(fc.tuple(fc.integer({ min: now - 10_000, max: now + 10_000 }), fc.double()), {
        maxLength: 3,
      }),
    });
    const bodies = fc.oneof(
      fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
      fc.uint8Array({ maxLength: 200 }).map((b) => snappy.compressSync(b)),
      fc.array(series, { maxLength: 3 }).map((s) => encodeRemoteWrite(s)),
      fc
        .tuple(fc.array(series, { minLength: 1, maxLength: 3 }), fc.nat(), fc.integer({ min: 0, max: 255 }))
        .map(([s, at, byte]) => {
          const raw = Buffer.from(snappy.uncompressSync(encodeRemoteWrite(s), { asBuffer: true }) as Buffer);
          if (raw.length > 0) raw[at % raw.length] = byte;
          return snappy.compressSync(raw);
        }),
    );
    await fc.assert(
      fc.asyncProperty(bodies, fc.constantFrom('', '?host=fuzz', '?host=bad%20host'), async (body, query) => {
        const res = await write(env, body, { query });
        expect([204, 400, 413, 415, 422], `${res.statusCode} ${res.body}`).toContain(res.statusCode);
      }),
      { numRuns: 300 },
    );
  });
});
