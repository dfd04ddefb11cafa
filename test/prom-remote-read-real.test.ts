/**
 * Remote read against a real Prometheus (Debian's /usr/bin/prometheus, 2.42):
 *
 * 1. Prometheus, configured with Vitals as `remote_read` (`read_recent: true`) and holding no data of
 *    its own, answers PromQL range queries over samples pushed to Vitals through the JSON ingest with
 *    exactly the pushed values. A proxy in front of Vitals records which response types it asks for.
 * 2. Prometheus as a remote-read *server*: samples written into it (remote write) are read back from it
 *    as STREAMED_XOR_CHUNKS; its frames pass our CRC-32C, its chunks decode with our decoder, and our
 *    encoder, given each chunk's samples, writes exactly Prometheus' bytes. So the streamed answer is
 *    checked against real Prometheus even though its 2.42 client only asks for SAMPLES.
 *
 * Skipped only when the binary is missing (`apt-get install prometheus`).
 */
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import snappy from 'snappy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeXorChunk, float64Bits } from '../src/api/prom-read/test-support.ts';
import { encodeXorChunk } from '../src/api/prom-read/xor-chunk.ts';
import {
  MATCH,
  RESPONSE_TYPE,
  ReadRequestType,
  WriteRequestType,
} from '../src/contract/prometheus-remote.ts';
import {
  HOST,
  type MatrixSeries,
  PROMETHEUS_BIN,
  type RedisServer,
  startPrometheus,
  startRedis,
  type TestPrometheus,
  uniquePrefix,
} from './harness/index.ts';
import { ADMIN_TOKEN, type ApiEnv, apiEnv } from './support/api.ts';
import { decodeChunks, readRequest } from './support/prom-read.ts';

const HAVE_PROMETHEUS = existsSync(PROMETHEUS_BIN);
const SKIP_NOTE = `(skipped: ${PROMETHEUS_BIN} is not installed; apt-get install prometheus)`;

async function queryRange(base: string, promql: string, start: number, end: number, step: number) {
  const params = new URLSearchParams({
    query: promql,
    start: String(start),
    end: String(end),
    step: String(step),
  });
  const res = await fetch(`${base}/api/v1/query_range?${params}`);
  const body = (await res.json()) as {
    status: string;
    data: { result: MatrixSeries[] };
    error?: string;
    warnings?: string[];
  };
  if (body.status !== 'success') throw new Error(`query_range ${promql}: ${body.error ?? res.status}`);
  // A remote read that failed is only a warning to Prometheus: here it fails the test.
  if (body.warnings?.length) throw new Error(`query_range ${promql} warned: ${body.warnings.join('; ')}`);
  return body.data.result;
}

/** A pass-through proxy to Vitals that records each ReadRequest's accepted response types. */
async function recordingProxy(target: string, seen: number[][]): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(parts);
      try {
        const message = ReadRequestType.toObject(
          ReadRequestType.decode(snappy.uncompressSync(body) as Buffer),
          {
            defaults: true,
          },
        ) as { acceptedResponseTypes: number[] };
        seen.push(message.acceptedResponseTypes);
      } catch {
        seen.push([-1]);
      }
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) {
        if (typeof v === 'string' && k !== 'host' && k !== 'content-length') headers[k] = v;
      }
      const answer = await fetch(`${target}${req.url}`, { method: 'POST', headers, body });
      const out = Buffer.from(await answer.arrayBuffer());
      res.writeHead(answer.status, {
        'content-type': answer.headers.get('content-type') ?? 'application/octet-stream',
        ...(answer.headers.get('content-encoding')
          ? { 'content-encoding': answer.headers.get('content-encoding') as string }
          : {}),
      });
      res.end(out);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('proxy has no port');
  return { url: `http://${HOST}:${address.port}`, server };
}

const STEP_SEC = 15;
const NOW_SEC = Math.floor(Date.now() / 1000 / STEP_SEC) * STEP_SEC;
/** 30 minutes of samples on the 15 s grid, the newest a minute ago. */
const GRID = Array.from({ length: 120 }, (_, i) => (NOW_SEC - 60 - (119 - i) * STEP_SEC) * 1000);

describe.skipIf(!HAVE_PROMETHEUS)(
  `remote read with a real Prometheus ${HAVE_PROMETHEUS ? '' : SKIP_NOTE}`,
  () => {
    let redis: RedisServer;
    let env: ApiEnv;
    let prometheus: TestPrometheus;
    let proxy: Server;
    const accepted: number[][] = [];
    const values = {
      cpu: (i: number) => Math.round(Math.sin(i / 7) * 1000) / 10,
      requestsApi: (i: number) => i * 3,
      requestsWeb: (i: number) => 1000 - i,
    };

    beforeAll(async () => {
      redis = await startRedis();
      env = await apiEnv(redis.url, uniquePrefix('promread-real'), { VITALS_RATE_LIMIT: '100000' });
      const base = await env.runtime.listen();
      const snapshots = GRID.map((t, i) => ({
        timestamp: t,
        metrics: {
          'cpu.usage': values.cpu(i),
          'requests{job="x",handler="api"}': values.requestsApi(i),
          'requests{job="x",handler="web"}': values.requestsWeb(i),
        },
      }));
      const res = await env.call('POST', '/api/v1/ingest', {
        payload: { hosts: [{ host: 'web-1', snapshots }] },
      });
      expect(res.statusCode, res.body).toBe(200);
      const recording = await recordingProxy(base, accepted);
      proxy = recording.server;
      prometheus = await startPrometheus({
        config: [
          'global: { scrape_interval: 15s, evaluation_interval: 15s }',
          'remote_read:',
          `  - url: ${recording.url}/api/v1/prom/read`,
          '    read_recent: true',
          '    authorization:',
          `      credentials: ${JSON.stringify(ADMIN_TOKEN)}`,
          '',
        ].join('\n'),
      });
    });

    afterAll(async () => {
      await prometheus?.close();
      await new Promise((resolve) => proxy?.close(resolve));
      await env?.close();
      await redis?.close();
    });

    it('answers PromQL range queries over data only Vitals holds, with the pushed values', async () => {
      const start = (GRID[0] as number) / 1000;
      const end = (GRID[GRID.length - 1] as number) / 1000;
      const cpu = await queryRange(prometheus.url, 'cpu_usage{instance="web-1"}', start, end, STEP_SEC);
      expect(cpu.map((s) => s.metric)).toEqual([{ __name__: 'cpu_usage', instance: 'web-1' }]);
      expect(cpu[0]?.values).toEqual(GRID.map((t, i) => [t / 1000, String(values.cpu(i))]));

      const requests = await queryRange(
        prometheus.url,
        'requests{job="x",handler=~"a.*|web"}',
        start,
        end,
        STEP_SEC,
      );
      expect(requests.map((s) => s.metric.handler)).toEqual(['api', 'web']);
      expect(requests[0]?.values).toEqual(GRID.map((t, i) => [t / 1000, String(values.requestsApi(i))]));
      expect(requests[1]?.values).toEqual(GRID.map((t, i) => [t / 1000, String(values.requestsWeb(i))]));

      // PromQL over the remote data: a sum across series and a rate over a range.
      const sum = await queryRange(prometheus.url, 'sum by (job) (requests)', start, end, STEP_SEC);
      expect(sum[0]?.values.map(([, v]) => Number(v))).toEqual(
        GRID.map((_, i) => values.requestsApi(i) + values.requestsWeb(i)),
      );
      const rate = await queryRange(prometheus.url, 'rate(requests{handler="api"}[1m])', start + 60, end, 60);
      for (const [, v] of rate[0]?.values ?? []) expect(Number(v)).toBeCloseTo(3 / STEP_SEC, 9);
      expect(rate[0]?.values.length).toBeGreaterThan(20);
    });

    it('is asked by Prometheus 2.42 for SAMPLES (it sends no accepted_response_types)', () => {
      // Logged for the record: which response types this Prometheus negotiates.
      console.info(`Prometheus asked for accepted_response_types: ${JSON.stringify(accepted)}`);
      expect(accepted.length).toBeGreaterThan(0);
      // An empty list means SAMPLES; a Prometheus whose client streams would list STREAMED_XOR_CHUNKS first.
      for (const types of accepted) expect([[], [RESPONSE_TYPE.SAMPLES]]).toContainEqual(types);
    });
  },
);

describe.skipIf(!HAVE_PROMETHEUS)(
  `XOR chunks against Prometheus' own ${HAVE_PROMETHEUS ? '' : SKIP_NOTE}`,
  () => {
    let prometheus: TestPrometheus;
    beforeAll(async () => {
      prometheus = await startPrometheus({
        config: 'global: { scrape_interval: 15s }\n',
        flags: ['--web.enable-remote-write-receiver'],
      });
    });
    afterAll(async () => {
      await prometheus?.close();
    });

    it('writes byte for byte the chunks Prometheus writes, and reads its frames', async () => {
      const now = Date.now();
      // Irregular steps: regular ones, jitter, 1 ms steps, a jump needing the 64-bit bucket, shrinking gaps.
      const ts: number[] = [];
      let t = now - 50 * 60_000;
      for (let i = 0; i < 400; i++) {
        ts.push(t);
        t += i === 200 ? 11 * 60_000 : i % 37 === 0 ? 1 : i % 11 === 0 ? 4_321 : 5_000 + ((i * 7919) % 997);
      }
      expect(ts[ts.length - 1]).toBeLessThan(now);
      const special = [
        Number.NaN,
        Number.POSITIVE_INFINITY,
        Number.NEGATIVE_INFINITY,
        -0,
        0,
        5e-324,
        -1.5,
        1e300,
      ];
      const series = [
        { name: 'xor_values', value: (i: number) => special[i % special.length] as number },
        { name: 'xor_counter', value: (i: number) => i * 0.1 },
        { name: 'xor_constant', value: () => 42 },
      ];
      const write = WriteRequestType.encode({
        timeseries: series.map((s) => ({
          labels: [
            { name: '__name__', value: s.name },
            { name: 'job', value: 'x' },
          ],
          samples: ts.map((at, i) => ({ timestamp: at, value: s.value(i) })),
        })),
      }).finish();
      const written = await fetch(`${prometheus.url}/api/v1/write`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' },
        body: new Uint8Array(snappy.compressSync(Buffer.from(write))),
      });
      expect(written.status, await written.text()).toBe(204);

      const answer = await fetch(`${prometheus.url}/api/v1/read`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' },
        body: new Uint8Array(
          readRequest(
            [{ start: ts[0] as number, end: now, matchers: [[MATCH.RE, '__name__', 'xor_.*']] }],
            [RESPONSE_TYPE.STREAMED_XOR_CHUNKS],
          ),
        ),
      });
      expect(answer.headers.get('content-type')).toBe(
        'application/x-streamed-protobuf; proto=prometheus.ChunkedReadResponse',
      );
      // Frames are read with our CRC-32C: a mismatch throws.
      const chunks = decodeChunks(new Uint8Array(await answer.arrayBuffer()));
      const names = new Set(chunks.map((c) => c.labels.__name__));
      expect([...names].sort()).toEqual(['xor_constant', 'xor_counter', 'xor_values']);
      for (const s of series) {
        const own = chunks.filter((c) => c.labels.__name__ === s.name);
        const decoded = own.map((c) => decodeXorChunk(c.data));
        // Our decoder reads Prometheus' chunks back to exactly what was written, bitwise.
        expect(decoded.flatMap((d) => d.timestamps)).toEqual(ts);
        expect(decoded.flatMap((d) => d.bits)).toEqual(ts.map((_, i) => float64Bits(s.value(i))));
        // And our encoder, given each chunk's samples, writes Prometheus' bytes exactly.
        own.forEach((c, k) => {
          const d = decoded[k] as ReturnType<typeof decodeXorChunk>;
          expect(Buffer.from(encodeXorChunk(d.timestamps, d.values)).toString('hex')).toBe(
            Buffer.from(c.data).toString('hex'),
          );
        });
      }
    });
  },
);
