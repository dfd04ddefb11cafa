import { request } from 'node:http';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedis, uniquePrefix } from './harness/index.ts';
import { ADMIN_TOKEN, type ApiEnv, apiEnv } from './support/api.ts';
import { headPoints } from './support/tsdb.ts';

/**
 * Influx line protocol as the tools people already run send it, over a real socket with exactly their
 * method, path, query and headers: Telegraf's `outputs.influxdb` (1.x `/write`, HTTP Basic auth, gzip),
 * `outputs.influxdb_v2` (`/api/v2/write`, `Authorization: Token`) and curl's `--data-binary`.
 */

const TELEGRAF_UA = 'Telegraf/1.30.0 Go/1.22.1';

interface Sent {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** One HTTP request with exactly these headers (plus Host, Content-Length and Connection, as Go sends). */
function send(
  base: string,
  path: string,
  headers: Record<string, string>,
  body: Buffer | string,
): Promise<Sent> {
  const data = typeof body === 'string' ? Buffer.from(body) : body;
  return new Promise((resolve, reject) => {
    const req = request(
      `${base}${path}`,
      { method: 'POST', headers: { ...headers, 'content-length': String(data.length) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/** Samples stored for a host: series key → values, in timestamp order. */
async function stored(env: ApiEnv, host: string): Promise<Map<string, { t: number[]; v: number[] }>> {
  const points = await headPoints(env.runtime.redis, env.runtime.keys, 'default', host);
  return new Map([...points].map(([key, p]) => [key, { t: [...p.timestamps], v: [...p.values] }]));
}

describe('Influx line protocol from Telegraf and curl', () => {
  let redis: RedisServer;
  let env: ApiEnv;
  let base = '';

  beforeAll(async () => {
    redis = await startRedis();
    env = await apiEnv(redis.url, uniquePrefix('telegraf'), { VITALS_MAX_BODY_BYTES: '4096' });
    base = await env.runtime.listen();
  });
  afterAll(async () => {
    await env?.close();
    await redis?.close();
  });

  it('stores what outputs.influxdb sends: gzip, Basic auth with the token as password, db and precision', async () => {
    const t = Date.now() - 5_000;
    const lines = [
      `cpu,cpu=cpu-total,host=tg-v1 usage_user=1.5,usage_system=0.5 ${t}000000`,
      `mem,host=tg-v1 used_percent=40i ${t}000000`,
      // inputs.system as Telegraf sends it: a string field beside numbers.
      `system,host=tg-v1 uptime=3600i,uptime_format=" 1:00" ${t}000000`,
    ].join('\n');
    const res = await send(
      base,
      '/write?db=telegraf&precision=ns',
      {
        'user-agent': TELEGRAF_UA,
        authorization: basic('telegraf', ADMIN_TOKEN),
        'content-type': 'text/plain; charset=utf-8',
        'content-encoding': 'gzip',
        'accept-encoding': 'gzip',
      },
      gzipSync(`${lines}\n`),
    );
    expect(res.status, res.body).toBe(204);
    expect(res.body).toBe('');
    const series = await stored(env, 'tg-v1');
    expect(series.get('cpu.usage_user{cpu="cpu-total"}')).toEqual({ t: [t], v: [1.5] });
    expect(series.get('cpu.usage_system{cpu="cpu-total"}')).toEqual({ t: [t], v: [0.5] });
    expect(series.get('mem.used_percent')).toEqual({ t: [t], v: [40] });
    // The string field is left out, the rest of its line stored.
    expect(series.get('system.uptime')).toEqual({ t: [t], v: [3600] });
    expect([...series.keys()].filter((k) => k.includes('uptime_format'))).toEqual([]);
    // Registered like any pushed host, and read back through the API.
    const latest = await env.call('GET', '/api/v1/hosts/tg-v1/metrics/latest?metrics=mem.used_percent');
    expect(latest.statusCode, latest.body).toBe(200);
    expect(JSON.stringify(latest.json())).toContain('40');
  });

  it('takes rp, consistency, 1.x precision spellings and the ?u=&p= credentials of InfluxDB 1.x', async () => {
    const s = Math.floor(Date.now() / 1000) - 10;
    const res = await send(
      base,
      `/write?db=telegraf&rp=autogen&consistency=any&precision=s&u=anyone&p=${ADMIN_TOKEN}`,
      { 'user-agent': TELEGRAF_UA, 'content-type': 'text/plain; charset=utf-8' },
      `disk,host=tg-query,path=/ used_percent=71.25 ${s}\n`,
    );
    expect(res.status, res.body).toBe(204);
    expect((await stored(env, 'tg-query')).get('disk.used_percent{path="/"}')).toEqual({
      t: [s * 1000],
      v: [71.25],
    });
    const micro = await send(
      base,
      '/write?db=telegraf&precision=u',
      { authorization: basic('', ADMIN_TOKEN), 'content-type': 'text/plain; charset=utf-8' },
      `disk,host=tg-query,path=/ used_percent=72 ${(s + 1) * 1_000_000}\n`,
    );
    expect(micro.status, micro.body).toBe(204);
    expect((await stored(env, 'tg-query')).get('disk.used_percent{path="/"}')?.t).toEqual([
      s * 1000,
      (s + 1) * 1000,
    ]);
  });

  it('stores what outputs.influxdb_v2 sends: org, bucket, Authorization: Token, gzip', async () => {
    const t = Date.now() - 4_000;
    const res = await send(
      base,
      '/api/v2/write?bucket=telegraf&org=my-org&precision=ms',
      {
        'user-agent': TELEGRAF_UA,
        authorization: `Token ${ADMIN_TOKEN}`,
        'content-type': 'text/plain; charset=utf-8',
        'content-encoding': 'gzip',
        'accept-encoding': 'gzip',
      },
      gzipSync(`system,host=tg-v2 load1=0.25,n_cpus=2i ${t}\n`),
    );
    expect(res.status, res.body).toBe(204);
    const series = await stored(env, 'tg-v2');
    expect(series.get('system.load1')).toEqual({ t: [t], v: [0.25] });
    expect(series.get('system.n_cpus')).toEqual({ t: [t], v: [2] });
  });

  it("accepts curl's --data-binary (application/x-www-form-urlencoded) and no Content-Type at all", async () => {
    const t = Date.now() - 3_000;
    for (const [path, host] of [
      ['/api/v1/write?precision=ms', 'curl-a'],
      ['/write?db=x&precision=ms', 'curl-b'],
      ['/api/v2/write?bucket=x&org=y&precision=ms', 'curl-c'],
    ] as const) {
      const res = await send(
        base,
        path,
        {
          'user-agent': 'curl/8.5.0',
          accept: '*/*',
          authorization: `Bearer ${ADMIN_TOKEN}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        `weather,host=${host},city=a temp=21.5 ${t}`,
      );
      expect(res.status, `${path}: ${res.body}`).toBe(204);
      expect((await stored(env, host)).get('weather.temp{city="a"}')).toEqual({ t: [t], v: [21.5] });
    }
    const bare = await send(
      base,
      '/api/v1/write?precision=ms',
      { authorization: `Bearer ${ADMIN_TOKEN}` },
      `weather,host=curl-d temp=3 ${t}`,
    );
    expect(bare.status, bare.body).toBe(204);
    expect((await stored(env, 'curl-d')).get('weather.temp')).toEqual({ t: [t], v: [3] });
  });

  it('refuses a batch with a bad line with 400 naming the line, in each dialect, and writes nothing of it', async () => {
    const t = Date.now() - 2_000;
    const batch = (host: string) =>
      [
        `cpu,host=${host} usage=1 ${t}`,
        `cpu,host=${host} usage=oops ${t}`,
        `cpu,host=${host} usage=3 ${t}`,
      ].join('\n');
    const plain = await send(
      base,
      '/write?db=telegraf&precision=ms',
      {
        'user-agent': TELEGRAF_UA,
        authorization: basic('telegraf', ADMIN_TOKEN),
        'content-type': 'text/plain; charset=utf-8',
        'content-encoding': 'gzip',
      },
      gzipSync(batch('bad-v1')),
    );
    expect(plain.status).toBe(400);
    const v1Body = JSON.parse(plain.body) as { error: unknown };
    // InfluxDB 1.x's shape, with the words Telegraf drops a batch on instead of retrying it for ever.
    expect(typeof v1Body.error).toBe('string');
    expect(v1Body.error).toMatch(/^unable to parse/);
    expect(v1Body.error).toContain('line 2');
    expect(v1Body.error).toContain('oops');

    const v2 = await send(
      base,
      '/api/v2/write?bucket=b&org=o&precision=ms',
      { authorization: `Token ${ADMIN_TOKEN}`, 'content-type': 'text/plain; charset=utf-8' },
      batch('bad-v2'),
    );
    expect(v2.status).toBe(400);
    // InfluxDB 2.x's `code` and `message`, beside Vitals' own error object.
    expect(JSON.parse(v2.body)).toMatchObject({
      code: 'invalid',
      message: expect.stringContaining('line 2'),
      error: { code: 'bad_request', message: expect.stringContaining('line 2') },
    });

    const own = await send(
      base,
      '/api/v1/write?precision=ms',
      { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'text/plain' },
      batch('bad-own'),
    );
    expect(own.status).toBe(400);
    expect(JSON.parse(own.body)).toMatchObject({
      error: { code: 'bad_request', message: expect.stringContaining('line 2') },
    });
    for (const host of ['bad-v1', 'bad-v2', 'bad-own']) expect((await stored(env, host)).size, host).toBe(0);
    expect((await env.call('GET', '/api/v1/hosts/bad-v1')).statusCode).toBe(404);
  });

  it('answers 401 to a wrong Basic password, a wrong ?p=, no credentials and a wrong v2 Token', async () => {
    const line = `cpu,host=intruder usage=1 ${Date.now()}`;
    const text = { 'content-type': 'text/plain; charset=utf-8', 'user-agent': TELEGRAF_UA };
    const answers = [
      await send(base, '/write?db=telegraf', { ...text, authorization: basic('telegraf', 'vt_wrong') }, line),
      await send(base, '/write?db=telegraf', { ...text, authorization: basic(ADMIN_TOKEN, 'nope') }, line),
      await send(base, '/write?db=telegraf&u=telegraf&p=vt_wrong', text, line),
      await send(base, '/write?db=telegraf', text, line),
      await send(base, '/api/v2/write?bucket=b&org=o', { ...text, authorization: 'Token vt_wrong' }, line),
      // Only /write takes InfluxDB 1.x credentials.
      await send(
        base,
        '/api/v2/write?bucket=b&org=o',
        { ...text, authorization: basic('x', ADMIN_TOKEN) },
        line,
      ),
    ];
    expect(answers.map((a) => a.status)).toEqual([401, 401, 401, 401, 401, 401]);
    expect(JSON.parse(answers[0]?.body ?? '{}')).toMatchObject({ error: expect.any(String) });
    expect(JSON.parse(answers[4]?.body ?? '{}')).toMatchObject({
      code: 'unauthorized',
      error: { code: 'unauthorized' },
    });
    expect((await stored(env, 'intruder')).size).toBe(0);
  });

  it('answers 413 to a body past VITALS_MAX_BODY_BYTES after decompression, and 400 to an unknown precision', async () => {
    const t = Date.now();
    const big = Array.from({ length: 200 }, (_, i) => `cpu,host=big usage=${i} ${t + i}`).join('\n');
    const res = await send(
      base,
      '/write?db=telegraf&precision=ms',
      {
        authorization: basic('telegraf', ADMIN_TOKEN),
        'content-type': 'text/plain; charset=utf-8',
        'content-encoding': 'gzip',
      },
      gzipSync(big),
    );
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({ error: expect.any(String) });
    expect((await stored(env, 'big')).size).toBe(0);
    const hours = await send(
      base,
      '/write?db=telegraf&precision=h',
      { authorization: basic('telegraf', ADMIN_TOKEN) },
      `cpu,host=h usage=1 1`,
    );
    expect(hours.status).toBe(400);
    expect(JSON.parse(hours.body).error).toContain('precision');
  });
});
