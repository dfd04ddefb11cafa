import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routeTable } from '../../src/api/index.ts';
import { type RedisServer, startRedis, uniquePrefix } from '../harness/index.ts';
import { ADMIN_TOKEN, type ApiEnv, apiEnv } from '../support/api.ts';
import {
  type Encoding,
  encode,
  encoding,
  fromSchema,
  HOST_POOL,
  influxBody,
  ingestJson,
  nasty,
  pathSegment,
  queryValue,
} from './fuzz-arbitraries.ts';

/**
 * Fuzzing through `app.inject()` on the whole app (a full runtime on a private Redis): both ingest
 * formats from their grammar with mutations, and every route of the route table with its path, query
 * parameters, headers and bodies drawn from its own schema with deviations at every level. No answer may
 * be a 5xx, an /api/ error must have the one error shape, nothing may crash, and memory must stay
 * bounded. CI runs 5,000 cases; `npm run soak` 100,000.
 */
const SOAK = process.env.VITALS_SOAK === '1';
const reportFile = process.env.VITALS_RELIABILITY_REPORT;
const TOTAL = SOAK ? 100_000 : 5000;
const CASES = {
  json: Math.round(TOTAL * 0.3),
  influx: Math.round(TOTAL * 0.3),
  routes: Math.round(TOTAL * 0.4),
};
/**
 * Growth allowed from the warm-up to the end. The JS heap after a full GC is the leak signal (the hot
 * tier and caches are bounded); the resident set also holds what the allocator keeps after peaks (zlib
 * windows of gzip bodies, allocated from several threads), which levels off (measured: 280 → 395–480 MB
 * over 12,000 route requests, not trending up), so its bound is looser.
 */
const HEAP_GROWTH_MB = 64;
const RSS_GROWTH_MB = 256;
const ANSWER_TIMEOUT_MS = 15_000;
const READ_TOKEN_NAME = 'fuzz read';

type Schema = Record<string, unknown>;

interface Param {
  readonly name: string;
  readonly in: 'query' | 'path' | 'header';
  readonly schema?: Schema;
  readonly required?: boolean;
}

/** One route to fuzz: from the route table, with its OpenAPI description when it has one. */
interface Operation {
  readonly method: string;
  /** Route table pattern, e.g. `/api/v1/hosts/:id`. */
  readonly pattern: string;
  readonly params: readonly Param[];
  readonly body?: Schema;
  readonly text?: boolean;
}

interface FuzzRequest {
  readonly op: string;
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly payload?: string | Buffer;
}

interface Answer {
  readonly status: number;
  readonly body: string;
  readonly contentType: string;
}

const forceGc = (() => {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
})();

/** Resident set and JS heap after a full GC, in MB. */
function memory(): { rss: number; heap: number } {
  forceGc();
  const { rss, heapUsed } = process.memoryUsage();
  return { rss: Math.round(rss / 1048576), heap: Math.round(heapUsed / 1048576) };
}

/** Header values as an HTTP client can send them (no CR, LF, NUL or other controls). */
function headerSafe(value: string): string {
  return value.replace(/[^\t\x20-\x7e\x80-\xff]/g, '?');
}

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  'text/plain; charset=utf-8',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/octet-stream',
  'application/json; charset=utf-16',
  'text/html',
  '*/*',
  ';',
];

describe('reliability: fuzzing every ingest format and every route', () => {
  let redis: RedisServer;
  let env: ApiEnv;
  let webDir: string;
  let liveUrl: string;
  let readToken: string;
  let ops: Operation[] = [];
  let start = { rss: 0, heap: 0 };
  let unhandled = 0;
  const onUnhandled = () => {
    unhandled++;
  };
  const statuses = new Map<string, Map<number, number>>();
  const now = Date.now();

  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled);
    redis = await startRedis();
    webDir = mkdtempSync(join(tmpdir(), 'vitals-fuzz-web-'));
    writeFileSync(join(webDir, 'index.html'), '<!doctype html><title>fuzz</title>');
    env = await apiEnv(
      redis.url,
      uniquePrefix('fuzz'),
      {
        VITALS_RATE_LIMIT: '1000000000',
        // Bounded caches make the memory bound meaningful; no collection jobs reach out to fuzzed hosts.
        VITALS_HOT_MAX_SERIES: '2000',
        VITALS_COLLECT_WORKERS: 'false',
      },
      { webDir },
    );
    liveUrl = await env.runtime.listen();
    for (const host of HOST_POOL) {
      const res = await env.call('POST', '/api/v1/ingest', {
        payload: {
          hosts: [
            { host, snapshots: [{ timestamp: now - 60_000, metrics: { 'cpu.usage': 1, 'load.1': 2 } }] },
          ],
        },
      });
      expect(res.statusCode).toBe(200);
    }
    const created = await env.call('POST', '/api/v1/tokens', {
      payload: { name: READ_TOKEN_NAME, scopes: ['read'] },
    });
    readToken = created.json().token;
    ops = operations(
      routeTable(env.runtime.app),
      (await env.runtime.app.inject({ url: '/docs/json' })).json() as OpenApi,
    );
  });

  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    await env?.close();
    await redis?.close();
    rmSync(webDir, { recursive: true, force: true });
  });

  async function send(req: FuzzRequest): Promise<Answer> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no answer within ${ANSWER_TIMEOUT_MS} ms`)),
        ANSWER_TIMEOUT_MS,
      );
    });
    try {
      return await Promise.race([req.op === 'GET /api/v1/live' ? overSocket(req) : injected(req), deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  async function injected(req: FuzzRequest): Promise<Answer> {
    const res = await env.runtime.app.inject({
      method: req.method as InjectOptions['method'],
      url: req.url,
      headers: req.headers,
      ...(req.payload === undefined ? {} : { payload: req.payload }),
    });
    return { status: res.statusCode, body: res.body, contentType: String(res.headers['content-type'] ?? '') };
  }

  /** The live stream never ends: sent over a socket, and cut once the status and headers are in. */
  async function overSocket(req: FuzzRequest): Promise<Answer> {
    const abort = new AbortController();
    let res: Response;
    try {
      res = await fetch(`${liveUrl}${req.url}`, {
        method: req.method,
        headers: req.headers,
        signal: abort.signal,
      });
    } catch (err: unknown) {
      // A request fetch refuses to send (say, a header it rejects) says nothing about the server.
      if (err instanceof TypeError && err.message !== 'fetch failed')
        return { status: 0, body: '', contentType: '' };
      throw err;
    }
    const contentType = res.headers.get('content-type') ?? '';
    const body = contentType.includes('text/event-stream') ? '' : await res.text();
    abort.abort();
    return { status: res.status, body, contentType };
  }

  /** What is wrong with an answer, or undefined. */
  function problem(req: FuzzRequest, res: Answer): string | undefined {
    const byRoute = statuses.get(req.op) ?? new Map<number, number>();
    byRoute.set(res.status, (byRoute.get(res.status) ?? 0) + 1);
    statuses.set(req.op, byRoute);
    if (res.status >= 500) return `${res.status}: ${res.body.slice(0, 300)}`;
    const path = req.url.split('?')[0] ?? '';
    if (res.status >= 400 && path.startsWith('/api/') && req.method !== 'HEAD') {
      try {
        const code = (JSON.parse(res.body) as { error?: { code?: unknown } }).error?.code;
        if (typeof code !== 'string')
          return `${res.status} without the error shape: ${res.body.slice(0, 200)}`;
      } catch {
        return `${res.status} not JSON: ${res.body.slice(0, 200)}`;
      }
    }
    return undefined;
  }

  /** Failures, one example per kind (route, status, start of the message). */
  const failures = new Map<string, string>();

  /**
   * Runs `numRuns` requests and keeps every kind of failure (not just the first, as `fc.assert` would):
   * one run shows every bug. The seed is printed so a failure can be replayed (`fc.assert(…, { seed })`).
   */
  async function fuzz(arb: fc.Arbitrary<FuzzRequest>, numRuns: number): Promise<string[]> {
    const seed = Date.now() ^ (Math.random() * 0x7fffffff);
    const before = failures.size;
    await fc.assert(
      fc.asyncProperty(arb, async (req) => {
        let wrong: string | undefined;
        try {
          wrong = problem(req, await send(req));
        } catch (err: unknown) {
          wrong = `threw ${err instanceof Error ? err.message : String(err)}`;
        }
        if (wrong) {
          const kind = `${req.op} ${wrong.slice(0, 60)}`;
          if (!failures.has(kind))
            failures.set(
              kind,
              `${req.method} ${req.url.slice(0, 300)} ${JSON.stringify(req.headers).slice(0, 300)} body ${String(req.payload ?? '').slice(0, 300)} → ${wrong}`,
            );
        }
      }),
      { numRuns, seed },
    );
    return [...failures.values()].slice(before).map((f) => `[seed ${seed}] ${f}`);
  }

  const auth = (): fc.Arbitrary<string | undefined> =>
    fc.oneof(
      { weight: 17, arbitrary: fc.constant(`Bearer ${ADMIN_TOKEN}`) },
      { weight: 1, arbitrary: fc.constant(`Bearer ${readToken}`) },
      { weight: 1, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: nasty.map((s) => `Bearer ${s}`) },
    );

  function withBody(
    op: string,
    method: string,
    url: string,
    authorization: string | undefined,
    body: string | Buffer | undefined,
    how: Encoding,
    contentType: string | undefined,
    extra: Record<string, string>,
  ): FuzzRequest {
    const { payload, header } = encode(body, how);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(extra)) headers[k] = headerSafe(v);
    if (authorization !== undefined) headers.authorization = headerSafe(authorization);
    if (contentType !== undefined && payload !== undefined) headers['content-type'] = headerSafe(contentType);
    if (header !== undefined) headers['content-encoding'] = header;
    return { op, method, url, headers, ...(payload === undefined ? {} : { payload }) };
  }

  const extraHeaders = fc.record(
    {
      'idempotency-key': fc.oneof(fc.uuid(), nasty, fc.constant('x'.repeat(300))),
      'x-request-id': nasty,
      accept: fc.constantFrom('*/*', 'application/json', 'text/csv', 'nonsense', ''),
    },
    { requiredKeys: [] },
  );

  const ingestQuery = fc.record(
    {
      ack: fc.oneof(
        { weight: 9, arbitrary: fc.constantFrom('durable', 'buffered') },
        { weight: 1, arbitrary: nasty },
      ),
    },
    { requiredKeys: [] },
  );

  it('warms up every kind of request before the memory baseline', async () => {
    // The first requests of each kind grow caches, compiled code and allocator pools once.
    const found = [
      ...(await fuzz(requestJson(), 200)),
      ...(await fuzz(requestInflux(), 200)),
      ...(await fuzz(requestAnyRoute(), 500)),
    ];
    start = memory();
    expect(found).toEqual([]);
  }, 120_000);

  it(
    `survives ${CASES.json} JSON ingest bodies (POST /api/v1/ingest)`,
    async () => {
      expect(await fuzz(requestJson(), CASES.json)).toEqual([]);
    },
    SOAK ? 3_600_000 : 120_000,
  );

  function requestJson(): fc.Arbitrary<FuzzRequest> {
    return fc
      .tuple(
        ingestJson(now),
        fc.oneof({ weight: 19, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: nasty }),
        encoding,
        ingestQuery,
        auth(),
        fc.oneof(
          { weight: 9, arbitrary: fc.constant('application/json') },
          { weight: 1, arbitrary: fc.constantFrom(...CONTENT_TYPES) },
        ),
        extraHeaders,
      )
      .map(([body, raw, how, query, authorization, type, extra]) =>
        withBody(
          'POST /api/v1/ingest',
          'POST',
          `/api/v1/ingest${queryString(Object.entries(query))}`,
          authorization,
          raw ?? JSON.stringify(body) ?? '',
          how,
          type,
          extra,
        ),
      );
  }

  it(
    `survives ${CASES.influx} Influx line-protocol bodies (POST /api/v1/write)`,
    async () => {
      expect(await fuzz(requestInflux(), CASES.influx)).toEqual([]);
    },
    SOAK ? 3_600_000 : 120_000,
  );

  function requestInflux(): fc.Arbitrary<FuzzRequest> {
    const query = fc.record(
      {
        precision: fc.oneof(
          { weight: 6, arbitrary: fc.constant('ns') },
          { weight: 1, arbitrary: fc.constantFrom('us', 'ms', 's') },
          { weight: 1, arbitrary: nasty },
        ),
        host: fc.oneof(
          { weight: 9, arbitrary: fc.constantFrom(...HOST_POOL) },
          { weight: 1, arbitrary: nasty },
        ),
        ack: fc.oneof(
          { weight: 9, arbitrary: fc.constantFrom('durable', 'buffered') },
          { weight: 1, arbitrary: nasty },
        ),
        db: nasty,
        rp: nasty,
        consistency: nasty,
      },
      { requiredKeys: ['host'] },
    );
    return fc
      .tuple(
        influxBody(now),
        encoding,
        query,
        auth(),
        fc.oneof(
          { weight: 9, arbitrary: fc.constant('text/plain; charset=utf-8') },
          { weight: 1, arbitrary: fc.constantFrom(...CONTENT_TYPES) },
        ),
        extraHeaders,
      )
      .map(([body, how, q, authorization, type, extra]) =>
        withBody(
          'POST /api/v1/write',
          'POST',
          `/api/v1/write${queryString(Object.entries(q))}`,
          authorization,
          body,
          how,
          type,
          extra,
        ),
      );
  }

  it(
    `survives ${CASES.routes} requests spread over every route of the route table`,
    async () => {
      expect(ops.length).toBeGreaterThanOrEqual(30);
      expect(await fuzz(requestAnyRoute(), CASES.routes)).toEqual([]);
      const missed = ops.map((o) => `${o.method} ${o.pattern}`).filter((name) => !statuses.has(name));
      expect(missed).toEqual([]);
    },
    SOAK ? 3_600_000 : 120_000,
  );

  function requestAnyRoute(): fc.Arbitrary<FuzzRequest> {
    return fc.constantFrom(...ops).chain((op) => requestFor(op));
  }

  function requestFor(op: Operation): fc.Arbitrary<FuzzRequest> {
    const name = `${op.method} ${op.pattern}`;
    const pathParams = op.params.filter((p) => p.in === 'path');
    const queryParams = op.params.filter((p) => p.in === 'query');
    const segments = fc.tuple(...pathParams.map((p) => pathSegment(p.schema)));
    const tail = fc.array(pathSegment(undefined), { maxLength: 3 }).map((parts) => parts.join('/'));
    const query = fc.tuple(
      ...queryParams.map((p) =>
        fc.oneof(
          { weight: 2, arbitrary: fc.constant<[string, string][]>([]) },
          { weight: 3, arbitrary: queryValue(p.schema).map((v): [string, string][] => [[p.name, v]]) },
          // A repeated parameter arrives as an array.
          {
            weight: 1,
            arbitrary: fc
              .tuple(queryValue(p.schema), queryValue(p.schema))
              .map(([a, b]): [string, string][] => [
                [p.name, a],
                [p.name, b],
              ]),
          },
        ),
      ),
    );
    const stray = fc.oneof(
      { weight: 9, arbitrary: fc.constant<[string, string][]>([]) },
      { weight: 1, arbitrary: fc.tuple(nasty, nasty).map(([k, v]): [string, string][] => [[k, v]]) },
    );
    const rawSuffix = fc.oneof(
      { weight: 19, arbitrary: fc.constant('') },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          '&',
          '&&=',
          '&%zz=1',
          '&a[b]=c',
          '&=x',
          '&q=%E0%A4%A',
          '&__proto__[x]=1',
          '&constructor=1',
        ),
      },
    );
    const body = op.body
      ? fc.oneof(
          { weight: 17, arbitrary: fromSchema(op.body, 0.15).map((v) => JSON.stringify(v) ?? '') },
          { weight: 1, arbitrary: nasty },
          {
            weight: 1,
            arbitrary: fc.integer({ min: 1, max: 3000 }).map((n) => `${'['.repeat(n)}${']'.repeat(n)}`),
          },
          { weight: 1, arbitrary: fc.constant(undefined) },
        )
      : fc.oneof({ weight: 9, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: nasty });
    const method = fc.oneof(
      { weight: 19, arbitrary: fc.constant(op.method) },
      { weight: 1, arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD') },
    );
    const contentType = fc.oneof(
      { weight: 9, arbitrary: fc.constant(op.text ? 'text/plain' : 'application/json') },
      { weight: 1, arbitrary: fc.constantFrom(...CONTENT_TYPES) },
    );
    return fc
      .tuple(
        method,
        segments,
        tail,
        query,
        stray,
        rawSuffix,
        body,
        encoding,
        auth(),
        contentType,
        extraHeaders,
      )
      .map(([m, values, rest, q, s, suffix, b, how, authorization, type, extra]) => {
        let path = op.pattern;
        pathParams.forEach((p, i) => {
          path = path.replace(`:${p.name}`, values[i] ?? '');
        });
        path = path.replace('*', rest);
        const entries = [...q.flat(), ...s];
        const qs = queryString(entries);
        const url = `${path}${qs}${qs ? suffix : suffix.replace(/^&/, '?')}`;
        return withBody(
          name,
          m,
          url,
          authorization,
          m === 'GET' || m === 'HEAD' ? undefined : b,
          how,
          type,
          extra,
        );
      });
  }

  it('kept memory bounded and still serves', async () => {
    const end = memory();
    const lines = [...statuses].map(
      ([op, byStatus]) => `${op}: ${JSON.stringify(Object.fromEntries(byStatus))}`,
    );
    console.info(
      `fuzz: ${TOTAL} cases; after warm-up → end: RSS ${start.rss} → ${end.rss} MB, JS heap ${start.heap} → ${end.heap} MB\n${lines.join('\n')}`,
    );
    if (reportFile) {
      const report = {
        kind: 'fuzz',
        cases: TOTAL,
        rssStartMb: start.rss,
        rssEndMb: end.rss,
        heapStartMb: start.heap,
        heapEndMb: end.heap,
        unhandled,
        statuses: Object.fromEntries([...statuses].map(([k, v]) => [k, Object.fromEntries(v)])),
      };
      appendFileSync(reportFile, `${JSON.stringify(report)}\n`);
    }
    expect(unhandled).toBe(0);
    expect(end.heap - start.heap).toBeLessThan(HEAP_GROWTH_MB);
    expect(end.rss - start.rss).toBeLessThan(RSS_GROWTH_MB);
    expect((await env.call('GET', '/livez')).statusCode).toBe(200);
    // The fuzz may have deleted any host: push one, then read it back.
    const push = await env.call('POST', '/api/v1/ingest', {
      payload: {
        hosts: [{ host: 'after-fuzz', snapshots: [{ timestamp: Date.now() - 1000, metrics: { x: 1 } }] }],
      },
    });
    expect(push.statusCode).toBe(200);
    expect((await env.call('GET', '/api/v1/hosts/after-fuzz/metrics/latest')).json().count).toBe(1);
  });
});

function queryString(entries: ReadonlyArray<readonly [string, string]>): string {
  if (entries.length === 0) return '';
  const params = new URLSearchParams();
  for (const [k, v] of entries) params.append(k, v);
  return `?${params.toString()}`;
}

interface OpenApi {
  paths: Record<
    string,
    Record<string, { parameters?: Param[]; requestBody?: { content?: Record<string, { schema?: Schema }> } }>
  >;
}

/** Every route of the route table (HEAD aside), with its parameters and body schema from OpenAPI. */
function operations(table: ReturnType<typeof routeTable>, spec: OpenApi): Operation[] {
  return table.map((route) => {
    const openapiPath = route.url.replace(/:(\w+)/g, '{$1}');
    const described = spec.paths[openapiPath]?.[route.method.toLowerCase()];
    const named = [...route.url.matchAll(/:(\w+)/g)].map((m) => m[1] ?? '');
    const params: Param[] = described?.parameters ?? [];
    for (const name of named) {
      if (!params.some((p) => p.in === 'path' && p.name === name)) params.push({ name, in: 'path' });
    }
    const content = described?.requestBody?.content ?? {};
    const body = content['application/json']?.schema;
    return {
      method: route.method,
      pattern: route.url,
      params,
      ...(body ? { body } : {}),
      ...(route.url === '/api/v1/write' ? { text: true } : {}),
    };
  });
}
