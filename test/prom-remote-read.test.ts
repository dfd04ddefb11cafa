/**
 * Prometheus remote read (`POST /api/v1/prom/read`) over data pushed through the JSON ingest: both
 * answer types, bitwise equal to what was pushed and to each other; matchers with Prometheus'
 * semantics over the mapped labels; bad bodies and limits answered 4xx naming the problem; any body
 * answered without a 5xx; Redis stopped or frozen answered 503 with Retry-After.
 */
import fc from 'fast-check';
import Fastify from 'fastify';
import snappy from 'snappy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installAuth } from '../src/api/auth.ts';
import { installErrorHandling } from '../src/api/error-handler.ts';
import { decodeXorChunk } from '../src/api/prom-read/test-support.ts';
import { SAMPLES_PER_CHUNK } from '../src/api/prom-read/xor-chunk.ts';
import { promRemoteReadRoutes } from '../src/api/routes/prom-remote-read.ts';
import { CHUNK_ENCODING, MATCH, RESPONSE_TYPE, ReadRequestType } from '../src/contract/prometheus-remote.ts';
import { type RedisServer, startRedis, uniquePrefix, waitFor } from './harness/index.ts';
import { ADMIN_TOKEN, type ApiEnv, apiEnv } from './support/api.ts';
import {
  decodeChunks,
  decodeSamples,
  decodeStreamed,
  type ReadQuerySpec,
  type ReadSeries,
  readRequest,
} from './support/prom-read.ts';

const PATH = '/api/v1/prom/read';
const NOW = Date.now();
const T0 = NOW - 2 * 3_600_000;
const HEADERS = {
  'content-type': 'application/x-protobuf',
  'content-encoding': 'snappy',
  'x-prometheus-remote-read-version': '0.1.0',
};

/** Irregular timestamps: mostly 10 s apart, with jitter, a few long gaps and a burst of 1 ms steps. */
function timestamps(n: number): number[] {
  const out: number[] = [];
  let t = T0;
  for (let i = 0; i < n; i++) {
    out.push(t);
    t += i % 50 === 49 ? 97_123 : i % 17 === 0 ? 1 : 5_000 + ((i * 7919) % 3001);
  }
  return out;
}

/** What was pushed: host → series key → [timestamp, value][]. */
const pushed = new Map<string, Map<string, [number, number][]>>();

const SPECIAL = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 0, 5e-324, 1e308];
/** JSON.stringify writes −0 as 0: a placeholder is swapped for the literal `-0` in the body. */
const NEG_ZERO = '__negative_zero__';
const json = (v: number) => {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Number.POSITIVE_INFINITY) return '+Inf';
  if (v === Number.NEGATIVE_INFINITY) return '-Inf';
  return Object.is(v, -0) ? NEG_ZERO : v;
};

async function push(
  env: ApiEnv,
  host: string,
  series: Record<string, (i: number, t: number) => number>,
  n: number,
) {
  const ts = timestamps(n);
  const byKey = new Map<string, [number, number][]>();
  const snapshots = ts.map((t, i) => {
    const metrics: Record<string, number | string> = {};
    for (const [key, f] of Object.entries(series)) {
      const v = f(i, t);
      metrics[key] = json(v);
      byKey.set(key, [...(byKey.get(key) ?? []), [t, v]]);
    }
    return { timestamp: t, metrics };
  });
  for (let i = 0; i < snapshots.length; i += 500) {
    const res = await env.call('POST', '/api/v1/ingest', {
      payload: JSON.stringify({ hosts: [{ host, snapshots: snapshots.slice(i, i + 500) }] }).replaceAll(
        `"${NEG_ZERO}"`,
        '-0',
      ),
      headers: { 'content-type': 'application/json' },
    });
    expect(res.statusCode, res.body).toBe(200);
  }
  pushed.set(host, byKey);
}

function expected(host: string, key: string, from = 0, to = Number.MAX_SAFE_INTEGER): ReadSeries['values'] {
  return (pushed.get(host)?.get(key) ?? []).filter(([t]) => t >= from && t <= to).map(([, v]) => v);
}

function sameBits(actual: readonly number[], wanted: readonly number[]): void {
  expect(actual.length).toBe(wanted.length);
  actual.forEach((v, i) => {
    if (!Object.is(v, wanted[i])) throw new Error(`value ${i}: ${v} is not ${wanted[i]}`);
  });
}

async function read(env: ApiEnv, queries: ReadQuerySpec[], types: number[] = [], token = ADMIN_TOKEN) {
  return env.runtime.app.inject({
    method: 'POST',
    url: PATH,
    headers: { ...HEADERS, authorization: `Bearer ${token}` },
    payload: readRequest(queries, types),
  });
}

async function bothTypes(env: ApiEnv, queries: ReadQuerySpec[]): Promise<ReadSeries[][]> {
  const samples = await read(env, queries, [RESPONSE_TYPE.SAMPLES]);
  expect(samples.statusCode, samples.body).toBe(200);
  expect(samples.headers['content-type']).toBe('application/x-protobuf');
  expect(samples.headers['content-encoding']).toBe('snappy');
  const streamed = await read(env, queries, [RESPONSE_TYPE.STREAMED_XOR_CHUNKS, RESPONSE_TYPE.SAMPLES]);
  expect(streamed.statusCode, streamed.body).toBe(200);
  expect(streamed.headers['content-type']).toBe(
    'application/x-streamed-protobuf; proto=prometheus.ChunkedReadResponse',
  );
  const a = decodeSamples(samples.rawPayload);
  const b = decodeStreamed(streamed.rawPayload, queries.length);
  expect(b.map((q) => q.map((s) => s.labels))).toEqual(a.map((q) => q.map((s) => s.labels)));
  for (const [i, q] of a.entries()) {
    for (const [j, s] of q.entries()) {
      const other = b[i]?.[j] as ReadSeries;
      expect(other.timestamps).toEqual(s.timestamps);
      sameBits(other.values, s.values);
    }
  }
  return a;
}

const eq = (name: string, value: string) => [MATCH.EQ, name, value] as const;
const neq = (name: string, value: string) => [MATCH.NEQ, name, value] as const;
const re = (name: string, value: string) => [MATCH.RE, name, value] as const;
const nre = (name: string, value: string) => [MATCH.NRE, name, value] as const;
const ALL = { start: T0 - 60_000, end: NOW + 60_000 };

describe('Prometheus remote read', () => {
  let redis: RedisServer;
  let env: ApiEnv;
  beforeAll(async () => {
    redis = await startRedis();
    env = await apiEnv(redis.url, uniquePrefix('promread'), {
      REDIS_SOCKET_TIMEOUT: '1000',
      REDIS_CONNECT_TIMEOUT: '1000',
      VITALS_RATE_LIMIT: '100000',
    });
    const created = await env.call('POST', '/api/v1/hosts', {
      payload: { id: 'db-1', name: 'db-1.example:9100' },
    });
    expect(created.statusCode).toBe(201);
    await push(
      env,
      'web-1',
      {
        'cpu.usage': (i) => (i % 100) / 3,
        'http.requests{job="api",code="200"}': (i) => i * 10,
        'http.requests{job="api",code="500"}': (i) => SPECIAL[i % SPECIAL.length] as number,
        'temp{zone="a"}': (i) => -i / 7,
      },
      300,
    );
    await push(env, 'db-1', { 'cpu.usage': (i) => 100 - i, 'up{job="node"}': () => 1 }, 40);
  });
  afterAll(async () => {
    await env?.close();
    await redis?.close();
  });

  it('answers both response types with the pushed samples, bitwise, under the mapped labels', async () => {
    const [cpu] = await bothTypes(env, [{ ...ALL, matchers: [eq('__name__', 'cpu_usage')] }]);
    expect(cpu?.map((s) => s.labels)).toEqual([
      { __name__: 'cpu_usage', instance: 'db-1.example:9100' },
      { __name__: 'cpu_usage', instance: 'web-1' },
    ]);
    sameBits(cpu?.[0]?.values ?? [], expected('db-1', 'cpu.usage'));
    sameBits(cpu?.[1]?.values ?? [], expected('web-1', 'cpu.usage'));
    expect(cpu?.[1]?.timestamps).toEqual(
      pushed
        .get('web-1')
        ?.get('cpu.usage')
        ?.map(([t]) => t),
    );
    const [special] = await bothTypes(env, [{ ...ALL, matchers: [eq('code', '500')] }]);
    expect(special?.[0]?.labels).toEqual({
      __name__: 'http_requests',
      code: '500',
      instance: 'web-1',
      job: 'api',
    });
    sameBits(special?.[0]?.values ?? [], expected('web-1', 'http.requests{job="api",code="500"}'));
  });

  it('answers the same over a real socket, for both response types', async () => {
    const base = await env.runtime.listen();
    const queries = [{ ...ALL, matchers: [re('__name__', 'cpu_usage|up')] }];
    const viaInject = await bothTypes(env, queries);
    for (const types of [[RESPONSE_TYPE.SAMPLES], [RESPONSE_TYPE.STREAMED_XOR_CHUNKS]]) {
      const res = await fetch(`${base}${PATH}`, {
        method: 'POST',
        headers: { ...HEADERS, authorization: `Bearer ${ADMIN_TOKEN}` },
        body: new Uint8Array(readRequest(queries, types)),
      });
      expect(res.status).toBe(200);
      const body = Buffer.from(await res.arrayBuffer());
      const answer = types[0] === RESPONSE_TYPE.SAMPLES ? decodeSamples(body) : decodeStreamed(body, 1);
      expect(answer.map((q) => q.map((s) => s.labels))).toEqual(viaInject.map((q) => q.map((s) => s.labels)));
      for (const [j, s] of (answer[0] ?? []).entries()) {
        expect(s.timestamps).toEqual(viaInject[0]?.[j]?.timestamps);
        sameBits(s.values, viaInject[0]?.[j]?.values ?? []);
      }
    }
  });

  it('cuts streamed series into XOR chunks of at most 120 samples, with their time bounds', async () => {
    const res = await read(env, [{ ...ALL, matchers: [eq('__name__', 'temp')] }], [1]);
    const chunks = decodeChunks(res.rawPayload);
    expect(chunks.length).toBe(Math.ceil(300 / SAMPLES_PER_CHUNK));
    for (const c of chunks) {
      const d = decodeXorChunk(c.data);
      expect(c.type).toBe(CHUNK_ENCODING.XOR);
      expect(d.timestamps.length).toBeLessThanOrEqual(SAMPLES_PER_CHUNK);
      expect([c.minTimeMs, c.maxTimeMs]).toEqual([d.timestamps[0], d.timestamps[d.timestamps.length - 1]]);
      expect(c.labels).toEqual({ __name__: 'temp', instance: 'web-1', zone: 'a' });
    }
  });

  it('selects with Prometheus matcher semantics, per query, over an inclusive time range', async () => {
    const names = (q: ReadSeries[] | undefined) =>
      (q ?? []).map((s) => `${s.labels.__name__}/${s.labels.instance}/${s.labels.code ?? ''}`);
    const ts =
      pushed
        .get('web-1')
        ?.get('cpu.usage')
        ?.map(([t]) => t) ?? [];
    const from = ts[10] as number;
    const to = ts[20] as number;
    const answer = await bothTypes(env, [
      { ...ALL, matchers: [re('__name__', 'http_.*'), neq('code', '200')] },
      { ...ALL, matchers: [re('job', 'api|node'), eq('zone', '')] },
      { ...ALL, matchers: [eq('zone', ''), nre('__name__', 'http_requests|up|cpu_usage')] },
      { ...ALL, matchers: [eq('__name__', 'cpu.usage')] },
      { start: from, end: to, matchers: [eq('__name__', 'cpu_usage'), eq('instance', 'web-1')] },
      { ...ALL, matchers: [re('instance', 'db-1\\..*'), re('__name__', '.+')] },
      { start: NOW + 3_600_000, end: NOW + 7_200_000, matchers: [eq('__name__', 'cpu_usage')] },
    ]);
    expect(names(answer[0])).toEqual(['http_requests/web-1/500']);
    expect(names(answer[1])).toEqual([
      'http_requests/web-1/200',
      'http_requests/web-1/500',
      'up/db-1.example:9100/',
    ]);
    // `zone=""` selects series without a zone: every series but temp{zone="a"}, less the names refused.
    expect(names(answer[2])).toEqual([]);
    // Names are matched as Prometheus sees them: with underscores.
    expect(names(answer[3])).toEqual([]);
    expect(answer[4]?.[0]?.timestamps).toEqual(ts.slice(10, 21));
    sameBits(answer[4]?.[0]?.values ?? [], expected('web-1', 'cpu.usage', from, to));
    expect(names(answer[5])).toEqual(['cpu_usage/db-1.example:9100/', 'up/db-1.example:9100/']);
    expect(answer[6]).toEqual([]);
  });

  it('answers an empty request (no queries) with an empty answer', async () => {
    const res = await env.call('POST', PATH, { headers: HEADERS });
    expect(res.statusCode).toBe(200);
    expect(decodeSamples(res.rawPayload)).toEqual([]);
  });

  it('refuses bad bodies and regexes with a 400 naming the problem', async () => {
    const send = (payload: Buffer) => env.call('POST', PATH, { headers: HEADERS, payload });
    const notSnappy = await send(Buffer.from('{"queries": []}'));
    expect(notSnappy.statusCode).toBe(400);
    expect(notSnappy.json().error.message).toMatch(/snappy/);
    const notProto = await send(snappy.compressSync(Buffer.from([0x0a, 0xff, 0xff, 0x01, 0x02])) as Buffer);
    expect(notProto.statusCode).toBe(400);
    expect(notProto.json().error.message).toMatch(/not a prometheus.ReadRequest/);
    const badRegex = await read(env, [{ ...ALL, matchers: [re('job', 'a{1001}')] }]);
    expect(badRegex.statusCode).toBe(400);
    expect(badRegex.json().error.message).toMatch(
      /^matcher 0 \(job=~"a\{1001\}"\): invalid regex: bad repetition count/,
    );
    // A pattern that would make a backtracking engine run for ever is matched in linear time.
    const evil = await read(env, [{ ...ALL, matchers: [re('__name__', '(h+t*)+p_requests')] }]);
    expect(evil.statusCode).toBe(200);
    const invalid = await read(env, [{ ...ALL, matchers: [re('job', '([')] }]);
    expect(invalid.statusCode).toBe(400);
    const unknownType = await read(env, [{ ...ALL, matchers: [[7, 'job', 'x']] }]);
    expect(unknownType.json().error.message).toMatch(/unknown matcher type 7/);
    const types = await read(env, [{ ...ALL, matchers: [eq('job', 'api')] }], [5, 6]);
    expect(types.statusCode).toBe(400);
    expect(types.json().error.message).toMatch(/accepted response types/);
    // A snappy block announcing more than the uncompressed limit is refused before it is inflated.
    const bomb = await send(Buffer.from([0x80, 0x80, 0x80, 0x40, 0x00]));
    expect(bomb.statusCode).toBe(413);
    const big = await send(Buffer.alloc(2 * 1024 * 1024, 1));
    expect(big.statusCode).toBe(413);
  });

  it('needs a token with the read scope', async () => {
    const anonymous = await env.runtime.app.inject({
      method: 'POST',
      url: PATH,
      headers: HEADERS,
      payload: readRequest([]),
    });
    expect(anonymous.statusCode).toBe(401);
    const ingest = (
      await env.call('POST', '/api/v1/tokens', { payload: { name: 'pusher', scopes: ['ingest'] } })
    ).json().token as string;
    expect((await read(env, [], [], ingest)).statusCode).toBe(403);
    const reader = (
      await env.call('POST', '/api/v1/tokens', { payload: { name: 'reader', scopes: ['read'] } })
    ).json().token as string;
    expect((await read(env, [{ ...ALL, matchers: [eq('__name__', 'up')] }], [], reader)).statusCode).toBe(
      200,
    );
  });

  it('keeps orgs apart: another org sees none of these series', async () => {
    const { tenancy } = env.runtime.api;
    await tenancy.createOrg({ id: 'other', name: 'Other' });
    const token = (await tenancy.createToken('other', { name: 'r', scopes: ['read'] })).token;
    const res = await read(env, [{ ...ALL, matchers: [re('__name__', '.+')] }], [], token);
    expect(res.statusCode).toBe(200);
    expect(decodeSamples(res.rawPayload)).toEqual([[]]);
  });

  it('refuses reads past the series and sample limits with a 400 naming the limit', async () => {
    const app = Fastify();
    installErrorHandling(app);
    installAuth(app, env.runtime.api.tenancy);
    await app.register(async (scope) =>
      promRemoteReadRoutes(scope, env.runtime.api.services, { maxSeries: 3, maxSamples: 350 }),
    );
    try {
      const send = (queries: ReadQuerySpec[], types: number[]) =>
        app.inject({
          method: 'POST',
          url: PATH,
          headers: { ...HEADERS, authorization: `Bearer ${ADMIN_TOKEN}` },
          payload: readRequest(queries, types),
        });
      for (const types of [[0], [1]]) {
        const series = await send([{ ...ALL, matchers: [re('__name__', '.+')] }], types);
        expect(series.statusCode).toBe(400);
        expect(series.json().error.message).toMatch(/exceeded series limit \(3\)/);
        const samples = await send([{ ...ALL, matchers: [eq('__name__', 'http_requests')] }], types);
        expect(samples.statusCode).toBe(400);
        expect(samples.json().error.message).toMatch(/exceeded sample limit \(350\)/);
        // The limits hold across the queries of one read: 300 + 40 samples pass, 300 + 40 + 40 do not.
        const temp = { ...ALL, matchers: [eq('__name__', 'temp')] };
        const up = { ...ALL, matchers: [eq('__name__', 'up')] };
        expect((await send([temp, up], types)).statusCode).toBe(200);
        const over = await send([temp, up, up], types);
        expect(over.statusCode).toBe(400);
        expect(over.json().error.message).toMatch(/exceeded sample limit/);
        expect((await send([up, up, up, up], types)).json().error.message).toMatch(
          /exceeded series limit \(3\)/,
        );
      }
    } finally {
      await app.close();
    }
  });

  it('answers any body without a 5xx (fuzz)', async () => {
    const message = fc.record({
      queries: fc.array(
        fc.record({
          startTimestampMs: fc.integer({ min: -(2 ** 40), max: 2 ** 45 }),
          endTimestampMs: fc.integer({ min: -(2 ** 40), max: 2 ** 45 }),
          matchers: fc.array(
            fc.record({
              type: fc.integer({ min: -1, max: 5 }),
              name: fc.oneof(fc.constantFrom('__name__', 'job', 'instance', 'code', ''), fc.string()),
              value: fc.oneof(fc.constantFrom('.*', 'cpu_usage', 'api', '(', 'a{2,}', ''), fc.string()),
            }),
            { maxLength: 4 },
          ),
        }),
        { maxLength: 3 },
      ),
      acceptedResponseTypes: fc.array(fc.integer({ min: -2, max: 3 }), { maxLength: 3 }),
    });
    const body = fc.oneof(
      fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
      fc.uint8Array({ maxLength: 200 }).map((b) => snappy.compressSync(Buffer.from(b)) as Buffer),
      message.map((m) => snappy.compressSync(Buffer.from(ReadRequestType.encode(m).finish())) as Buffer),
    );
    await fc.assert(
      fc.asyncProperty(
        body,
        fc.constantFrom('application/x-protobuf', 'text/plain', 'application/json'),
        async (payload, type) => {
          const res = await env.call('POST', PATH, {
            headers: { ...HEADERS, 'content-type': type },
            payload,
          });
          if (res.statusCode >= 500) throw new Error(`${res.statusCode} ${res.body}`);
        },
      ),
      { numRuns: 300 },
    );
  });

  for (const how of ['stopped', 'frozen'] as const) {
    it(`answers 503 with Retry-After while Redis is ${how}, never 500`, async () => {
      if (how === 'stopped') await redis.stop();
      else redis.freeze();
      try {
        for (const types of [[0], [1]]) {
          const started = Date.now();
          const res = await read(env, [{ ...ALL, matchers: [eq('__name__', 'cpu_usage')] }], types);
          expect(res.statusCode, res.body).toBe(503);
          expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
          expect(Date.now() - started).toBeLessThan(10_000);
        }
      } finally {
        if (how === 'stopped') await redis.restart();
        else redis.thaw();
      }
      // And answers again once Redis is back.
      await waitFor(
        async () => (await read(env, [{ ...ALL, matchers: [eq('__name__', 'up')] }])).statusCode === 200,
        { timeoutMs: 15_000, message: 'remote read answers again' },
      );
    });
  }
});
