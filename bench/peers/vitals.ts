import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { isStale } from '../../scripts/build-stamp.js';
import { loadConfig } from '../../src/config/index.ts';
import { Keys } from '../../src/redis/index.ts';
import { startRedis, waitFor } from '../../test/harness/index.ts';
import { trackPid, untrackPid } from '../../test/harness/reaper.ts';
import { keyBytes, untrackLatency } from '../env.ts';
import { CAPTURE_HOST } from './payloads.ts';
import { cpuSeconds, removeDir, tempDir } from './proc.ts';
import { type LineProtocolSystem, post, type QueriedSeries, type QuerySpec } from './system.ts';

const root = new URL('../..', import.meta.url).pathname;
const TOKEN = `vt_${'p'.repeat(43)}`;
const ORG = 'default';

/** Line protocol field `value` of measurement `m` is the Vitals series `m` (any other field f: `m.f`). */
const seriesOf = (s: QueriedSeries): string => s.metric;

/**
 * A Vitals server process (as `vitals server` runs in production) on a private redis-server. Stored
 * bytes are what the captured host's keys hold (`MEMORY USAGE`, env.ts keyBytes): sealed raw windows,
 * rollups, series registry, latest values, indexes, heads. Connection events are not persisted (they are not samples), and maintenance
 * runs every second, so windows are sealed as soon as they are due. The server's own series (host
 * `vitals`) are off: they would be samples of a host nobody sent.
 */
export async function startVitals(
  extraEnv: Readonly<Record<string, string>> = {},
): Promise<LineProtocolSystem> {
  // bin/vitals.js runs the TypeScript sources through tsx when dist/ is older than src/: figures of a
  // run would then mix builds (bench/run.ts builds at its start; a source edited since is refused).
  if (isStale(root, 'server'))
    throw new Error('src/ changed since dist/ was built: run `npm run build` and the benchmark again');
  const redis = await startRedis();
  const setup = redis.client();
  await untrackLatency(setup);
  setup.disconnect();
  const dir = tempDir('vitals');
  const env = {
    ...process.env,
    REDIS_URL: redis.url,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    VITALS_ADMIN_TOKEN: TOKEN,
    VITALS_LOCAL_AGENT: 'false',
    VITALS_SELF_MONITOR: 'false',
    VITALS_SELF_METRICS: 'false',
    VITALS_ALERTS: 'false',
    VITALS_EVENTS_PERSISTENCE: 'false',
    VITALS_RATE_LIMIT: '100000000',
    VITALS_RATE_LIMIT_PER_ORG: '100000000',
    VITALS_RETENTION_RAW: '40d',
    VITALS_MAINTENANCE_INTERVAL: '1s',
    VITALS_DATA_DIR: dir,
    ...extraEnv,
  };
  // BENCH_CPU_PROF=<dir>: the server writes a V8 CPU profile there when it stops.
  const prof = process.env.BENCH_CPU_PROF
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`]
    : [];
  const child = spawn(process.execPath, [...prof, join(root, 'bin/vitals.js'), 'server'], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (child.pid) trackPid(child.pid);
  let log = '';
  child.stdout?.setEncoding('utf8').on('data', (c: string) => {
    log = (log + c).slice(-100_000);
  });
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
    if (child.pid) untrackPid(child.pid);
    await redis.close();
    removeDir(dir);
  };
  const line = await waitFor(
    () => {
      if (child.exitCode !== null) throw new Error(`vitals server exited with ${child.exitCode}`);
      return log.split('\n').find((l) => l.includes('vitals server listening'));
    },
    {
      timeoutMs: 60_000,
      message: 'vitals server listening',
    },
  ).catch(async (err: unknown) => {
    await close();
    throw err;
  });
  const url = (JSON.parse(line) as { address: string }).address;
  const admin = redis.client();
  const keys = new Keys(loadConfig({ REDIS_URL: redis.url, VITALS_DATA_DIR: dir }).redis.keyPrefix);
  const headers = { authorization: `Bearer ${TOKEN}` };
  const get = (path: string, params: Record<string, string>, points: (b: string) => number): QuerySpec => ({
    url: `${url}${path}?${new URLSearchParams(params)}`,
    headers,
    points,
  });
  const count = (body: string) => (JSON.parse(body) as { count: number }).count;
  const writeUrl = `${url}/api/v1/write?precision=ms`;
  return {
    name: 'vitals',
    url,
    writeUrl,
    headers,
    write: (_rows, lines) => post({ name: 'vitals', writeUrl, headers }, lines),
    pids: [child.pid ?? 0, redis.pid],
    async settle() {
      // Every head (open window) of the captured host sealed; the data sets end hours before now.
      await waitFor(async () => (await admin.zcard(keys.heads(ORG, CAPTURE_HOST))) === 0, {
        timeoutMs: 30 * 60_000,
        intervalMs: 1000,
        message: 'vitals sealing every window',
      });
    },
    // Every key of the captured host (its hash tag): windows, rollups, registry, latest values, indexes.
    storedBytes: () => keyBytes(admin, `*{${ORG}:${CAPTURE_HOST}}*`),
    raw: (s, from, to) =>
      get(
        `/api/v1/hosts/${s.host}/metrics/range`,
        {
          startTime: String(from),
          endTime: String(to),
          limit: '10000',
          metrics: seriesOf(s),
          shape: 'columns',
        },
        count,
      ),
    perMinute: (s, from, to) =>
      get(
        `/api/v1/hosts/${s.host}/metrics/aggregate`,
        {
          startTime: String(from),
          endTime: String(to),
          step: '60000',
          fn: 'avg',
          metrics: seriesOf(s),
          shape: 'columns',
        },
        count,
      ),
    // The `latest` HASH (or the hot tier): what a dashboard's stat panel asks for.
    newest: (s) => get(`/api/v1/hosts/${s.host}/metrics/latest`, { metrics: seriesOf(s) }, count),
    async close() {
      // BENCH_REDIS_STATS=1: what Redis spent its time on, per command, printed when the server stops.
      if (process.env.BENCH_REDIS_STATS) {
        const cpu = `cpu s: server ${cpuSeconds(child.pid ?? 0)}, redis ${cpuSeconds(redis.pid)}`;
        process.stderr.write(`${await admin.info('commandstats')}\n${cpu}\n`);
      }
      admin.disconnect();
      await close();
    },
  };
}
