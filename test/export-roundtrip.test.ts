/**
 * `vitals export` of every host, then `vitals import` into an empty Vitals, gives back the same hosts,
 * series and samples (timestamps and value bits) in every format; the imported hosts are registered as
 * pushed ones are, so the API lists and queries them at once. The exposition exports keep each metric's
 * series together across hosts and are clean for promtool.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SampleFormat } from '../src/contract/index.ts';
import { readRaw, type TsdbContext } from '../src/tsdb/index.ts';
import { type RedisServer, startRedis, uniquePrefix } from './harness/index.ts';
import { type ApiEnv, apiEnv } from './support/api.ts';

const root = new URL('..', import.meta.url).pathname;
const HOSTS = ['db-1', 'web-1', 'web-2'];
const POINTS = 360;
const END = Math.floor(Date.now() / 60_000) * 60_000 - 60_000;
const START = END - (POINTS - 1) * 60_000;
const SPECIALS = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 1e-310, 0.1 + 0.2];
const NEG_ZERO = '"__negative_zero__"';
/** Vitals' own figures would be a fourth host, pushed while the test runs. */
const QUIET = { VITALS_SELF_METRICS: 'false' };

/** The same four series on every host (values differ by host): a bare `cpu` beside `cpu.usage`, odd
 * values, and labels named `host` and `exported_host` that must stay labels. */
function seriesOf(hostIndex: number) {
  const points = (value: (i: number) => number) =>
    Array.from({ length: POINTS }, (_, i) => [START + i * 60_000, value(i)]);
  return [
    { name: 'cpu', labels: {}, points: points((i) => (i % 7) + hostIndex) },
    { name: 'cpu.usage', labels: { core: '0' }, points: points((i) => i / 10 + hostIndex) },
    {
      name: 'disk.used_pct',
      labels: { mount: '/var/lib/"data"' },
      points: points((i) => SPECIALS[(i + hostIndex) % SPECIALS.length] ?? 0),
    },
    {
      name: 'app.requests',
      labels: { host: 'frontend', exported_host: 'edge' },
      points: points((i) => 2 ** 53 + 2 * i + hostIndex),
    },
  ];
}

/** A push body as JSON text: NaN and ±Inf as the strings JSON pushes take, -0 as the number `-0`. */
function pushBody(host: string, hostIndex: number): string {
  const text = JSON.stringify({ hosts: [{ host, series: seriesOf(hostIndex) }] }, (_, value: unknown) => {
    if (typeof value !== 'number') return value;
    if (Object.is(value, -0)) return JSON.parse(NEG_ZERO);
    if (Number.isNaN(value)) return 'NaN';
    if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
    return value;
  });
  return text.replaceAll(NEG_ZERO, '-0');
}

function vitals(args: string[], env: Record<string, string>) {
  return spawnSync(process.execPath, [join(root, 'bin/vitals.js'), ...args], {
    cwd: root,
    env: {
      ...process.env,
      LOG_LEVEL: 'warn',
      VITALS_DATA_DIR: mkdtempSync(join(tmpdir(), 'vitals-rt-')),
      ...env,
    },
    encoding: 'utf8',
    timeout: 60_000,
  });
}

/** Every stored sample of the org, by host and series: timestamps and the value's bits. */
async function stored(ctx: TsdbContext, hosts: readonly string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const host of hosts) {
    const series = await ctx.series.all('default', host);
    const points = await readRaw(ctx, 'default', host, [...series.keys()], 0, Date.now() + 3_600_000);
    for (const [id, key] of series) {
      const p = points.get(id);
      const bits = (v: number) => Buffer.from(new Float64Array([v]).buffer).toString('hex');
      const at = (t: number, i: number) => `${t}:${bits(p?.values[i] as number)}`;
      out.set(`${host} ${key}`, p ? Array.from(p.timestamps, at) : []);
    }
  }
  return out;
}

/** Runs promtool with `stdin`; its exit code and what it printed. */
function promtool(args: string[], stdin = ''): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = execFile('promtool', args, (err, stdout, stderr) => {
      const code = err ? Number((err as { code?: number }).code ?? 1) : 0;
      resolve({ code, output: `${stdout}${stderr}`.trim() });
    });
    child.stdin?.end(stdin);
  });
}

/** The families of an exposition in order of their sample lines, each listed once per block of lines. */
function familyBlocks(text: string): string[] {
  const blocks: string[] = [];
  for (const line of text.split('\n')) {
    const family = /^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]/.exec(line)?.[1];
    if (family !== undefined && blocks.at(-1) !== family) blocks.push(family);
  }
  return blocks;
}

describe('exports of several hosts imported into an empty Vitals', () => {
  let redis: RedisServer;
  let source: ApiEnv;
  let sourceEnv: Record<string, string>;
  let expected: Map<string, string[]>;
  const targets: ApiEnv[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    const prefix = uniquePrefix('rt-source');
    source = await apiEnv(redis.url, prefix, QUIET);
    sourceEnv = { REDIS_URL: redis.url, VITALS_KEY_PREFIX: prefix };
    for (const [i, host] of HOSTS.entries()) {
      const res = await source.call('POST', '/api/v1/ingest', {
        payload: pushBody(host, i),
        headers: { 'content-type': 'application/json' },
      });
      expect(res.statusCode).toBe(200);
    }
    expected = await stored(source.runtime.tsdb.ctx, HOSTS);
  }, 60_000);
  afterAll(async () => {
    for (const target of targets) await target.close();
    await source?.close();
    await redis?.close();
  });

  it('does hold what was pushed in the source (the comparison below is not empty)', () => {
    expect(expected.size).toBe(HOSTS.length * 4);
    for (const points of expected.values()) expect(points).toHaveLength(POINTS);
    expect(expected.get('web-1 app.requests{exported_host="edge",host="frontend"}')).toBeDefined();
  });

  for (const format of ['prometheus', 'openmetrics', 'influx', 'csv'] as SampleFormat[]) {
    it(`does give back the same hosts, series and samples through ${format}, listed and queryable at once`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'vitals-rt-'));
      const file = join(dir, `export.${format}`);
      const exported = vitals(['export', '--format', format, '-o', file], sourceEnv);
      expect(exported.stderr).toBe('');
      expect(exported.status).toBe(0);
      const text = readFileSync(file, 'utf8');
      if (format === 'prometheus' || format === 'openmetrics') {
        // A family split in two (one host's series, other metrics, then the next host's) is invalid OpenMetrics.
        const blocks = familyBlocks(text);
        expect(blocks).toEqual([...new Set(blocks)]);
        expect(blocks).toHaveLength(4);
        expect(text).toContain('{exported_exported_host="edge",exported_host="frontend",host="web-2"}');
      }
      if (format === 'prometheus')
        expect(await promtool(['check', 'metrics'], text)).toEqual({ code: 0, output: '' });
      if (format === 'openmetrics') {
        const blocks = await promtool([
          'tsdb',
          'create-blocks-from',
          'openmetrics',
          '-q',
          file,
          join(dir, 'blocks'),
        ]);
        expect(blocks).toEqual({ code: 0, output: '' });
      }

      const targetPrefix = uniquePrefix(`rt-${format}`);
      const target = await apiEnv(redis.url, targetPrefix, QUIET);
      targets.push(target);
      expect((await target.call('GET', '/api/v1/hosts')).json().hosts).toEqual([]);
      const imported = vitals(['import', file, '--format', format, '--no-progress'], {
        REDIS_URL: redis.url,
        VITALS_KEY_PREFIX: targetPrefix,
      });
      expect(imported.stderr).toBe('');
      expect(imported.stdout).toContain(`imported ${expected.size * POINTS} samples for 3 host(s)`);
      expect(imported.status).toBe(0);

      expect(await stored(target.runtime.tsdb.ctx, HOSTS)).toEqual(expected);
      // Registered as a push registers hosts: the running server drops its cached (empty) list.
      await expect
        .poll(
          async () =>
            (await target.call('GET', '/api/v1/hosts')).json().hosts.map((h: { id: string }) => h.id),
          { timeout: 5000 },
        )
        .toEqual(HOSTS);
      for (const host of HOSTS) {
        const range = await target.call(
          'GET',
          `/api/v1/hosts/${host}/metrics/range?startTime=${START}&endTime=${END}&shape=columns&limit=1000`,
        );
        expect(range.statusCode).toBe(200);
        expect(range.json().count).toBe(POINTS);
      }
    }, 120_000);
  }

  it('does carry the host in the HTTP exports of one host, JSON lines included', async () => {
    const range = `startTime=${START}&endTime=${START + 60_000}`;
    const json = await source.call('GET', `/api/v1/hosts/web-2/export?format=json&${range}`);
    const lines = json.body
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(8);
    expect(new Set(lines.map((l: { host: string }) => l.host))).toEqual(new Set(['web-2']));
    const csv = await source.call('GET', `/api/v1/hosts/web-2/export?format=csv&${range}`);
    expect(csv.body.split('\n')[0]).toBe('timestamp,host,name,labels,value');
    expect(csv.body).toContain(
      `${START},web-2,app.requests,"{""exported_host"":""edge"",""host"":""frontend""}",`,
    );
  });
});

describe('imports of lines without a host they may go to, or into no org', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => redis?.close());

  const t = Date.now() - 60_000;
  const csv = ['timestamp,host,name,labels,value', `${t},web-1,cpu.usage,{},1`, `${t},,cpu.usage,{},2`].join(
    '\n',
  );

  it('does refuse a CSV row without host or instance, naming its line, and write nothing with --strict', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'vitals-rt-')), 'no-host.csv');
    writeFileSync(file, csv);
    const env = { REDIS_URL: redis.url, VITALS_KEY_PREFIX: uniquePrefix('rt-nohost') };
    const strict = vitals(['import', file, '--format', 'csv', '--strict'], env);
    expect(strict.status).toBe(1);
    expect(strict.stderr).toContain('line 3: no host: pass --host, or give the line a host');
    expect(strict.stderr).toContain('nothing was written');
    expect(await redis.client().keys(`${env.VITALS_KEY_PREFIX}*`)).toEqual([]);

    const lenient = vitals(['import', file, '--format', 'csv', '--no-progress'], env);
    expect(lenient.status).toBe(0);
    expect(lenient.stderr).toContain('line 3: no host');
    expect(lenient.stdout).toContain(
      'imported 1 samples for 1 host(s) of org default; skipped 1 bad line(s)',
    );
  }, 60_000);

  it('does refuse hosts nobody created while VITALS_AUTO_REGISTER_HOSTS is off, as a push does', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'vitals-rt-')), 'unknown.csv');
    writeFileSync(file, csv);
    const env = {
      REDIS_URL: redis.url,
      VITALS_KEY_PREFIX: uniquePrefix('rt-noauto'),
      VITALS_AUTO_REGISTER_HOSTS: 'false',
    };
    const strict = vitals(['import', file, '--format', 'csv', '--strict'], env);
    expect(strict.status).toBe(1);
    expect(strict.stderr).toContain(
      'line 2: unknown host web-1: create it first (VITALS_AUTO_REGISTER_HOSTS is off)',
    );
    expect(await redis.client().keys(`${env.VITALS_KEY_PREFIX}*`)).toEqual([]);
  }, 60_000);

  it('does refuse an org that does not exist before reading the file', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'vitals-rt-')), 'org.csv');
    writeFileSync(file, csv);
    const env = { REDIS_URL: redis.url, VITALS_KEY_PREFIX: uniquePrefix('rt-org') };
    const res = vitals(['import', file, '--format', 'csv', '--org', 'nope', '--host', 'web-1'], env);
    expect(res.status).toBe(1);
    expect(res.stderr).toBe('vitals import: org "nope" does not exist\n');
    expect(await redis.client().keys(`${env.VITALS_KEY_PREFIX}*`)).toEqual([]);
  }, 60_000);
});
