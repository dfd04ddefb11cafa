import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HOST } from '../../test/harness/free-port.ts';
import { waitFor } from '../../test/harness/wait.ts';
import { answers, dirBytes, onFreePorts, startPeer, tempDir } from './proc.ts';
import { type LineProtocolSystem, post, type QueriedSeries, type QuerySpec } from './system.ts';

/** Debian's `influxdb` (InfluxDB 1.6). */
export const INFLUXD_BIN = process.env.INFLUXD_BIN ?? '/usr/bin/influxd';
const DB = 'bench';

/**
 * The package's defaults (in-memory index, TSM engine) but: loopback listeners only (the RPC
 * bind-address too), no self-monitoring database, no usage reporting, and shards counted cold after
 * 1 s without writes, so the cache is snapshotted and the shard fully compacted as soon as writing
 * stops (the defaults, 10 min and 4 h, would leave the data half-compacted for the measurement).
 */
function config(dir: string, httpPort: number, rpcPort: number): string {
  return `reporting-disabled = true
bind-address = "${HOST}:${rpcPort}"
[meta]
  dir = "${join(dir, 'meta')}"
[data]
  dir = "${join(dir, 'data')}"
  wal-dir = "${join(dir, 'wal')}"
  query-log-enabled = false
  cache-snapshot-write-cold-duration = "1s"
  compact-full-write-cold-duration = "1s"
[monitor]
  store-enabled = false
[http]
  bind-address = "${HOST}:${httpPort}"
  log-enabled = false
[logging]
  level = "warn"
[continuous_queries]
  enabled = false
`;
}

/** InfluxDB on free loopback ports with its own directories and one database, `bench`. */
export async function startInflux(): Promise<LineProtocolSystem> {
  const { dir, url, proc } = await onFreePorts(2, async ([httpPort, rpcPort]) => {
    const dir = tempDir('influx');
    const url = `http://${HOST}:${httpPort}`;
    writeFileSync(join(dir, 'influxdb.conf'), config(dir, httpPort as number, rpcPort as number));
    const proc = await startPeer(INFLUXD_BIN, ['run', '-config', join(dir, 'influxdb.conf')], dir, () =>
      answers(`${url}/ping`),
    );
    return { dir, url, proc };
  });
  await influxQuery(url, `CREATE DATABASE ${DB}`);
  const query = (q: string, points: (b: string) => number): QuerySpec => ({
    url: `${url}/query?${new URLSearchParams({ db: DB, epoch: 'ms', q })}`,
    points,
  });
  const where = (s: QueriedSeries, from: number, to: number) =>
    `WHERE host = '${s.host}' AND time >= ${from}ms AND time <= ${to}ms`;
  const dataDir = join(dir, 'data', DB);
  const walDir = join(dir, 'wal', DB);
  const writeUrl = `${url}/write?db=${DB}&precision=ms`;
  const headers = {};
  return {
    name: 'influx',
    url,
    writeUrl,
    headers,
    write: (_rows, lines) => post({ name: 'influx', writeUrl, headers }, lines),
    pids: [proc.pid],
    async settle() {
      let last = -1;
      await waitFor(
        () => {
          const size = dirBytes(dataDir);
          const still = walEmpty(walDir) && fullyCompacted(dataDir) && size === last;
          last = size;
          return still;
        },
        { timeoutMs: 30 * 60_000, intervalMs: 2000, message: 'influxd snapshots and full compactions' },
      );
    },
    storedBytes: async () => dirBytes(dataDir) + dirBytes(walDir),
    raw: (s, from, to) => query(`SELECT value FROM "${s.metric}" ${where(s, from, to)}`, influxPoints),
    perMinute: (s, from, to) =>
      query(`SELECT mean(value) FROM "${s.metric}" ${where(s, from, to)} GROUP BY time(1m)`, influxPoints),
    newest: (s, at) =>
      query(`SELECT last(value) FROM "${s.metric}" ${where(s, at - 600_000, at)}`, influxPoints),
    close: () => proc.close(),
  };
}

async function influxQuery(url: string, q: string): Promise<string> {
  const res = await fetch(`${url}/query?${new URLSearchParams({ q })}`, { method: 'POST' });
  const text = await res.text();
  if (!res.ok || text.includes('"error"'))
    throw new Error(`influxd ${q}: ${res.status} ${text.slice(0, 300)}`);
  return text;
}

function influxPoints(body: string): number {
  const parsed = JSON.parse(body) as { results: { series?: { values: unknown[] }[] }[] };
  return parsed.results.reduce((n, r) => n + (r.series ?? []).reduce((m, s) => m + s.values.length, 0), 0);
}

/** Every WAL segment of the database empty: the cache was snapshotted into TSM files. */
function walEmpty(walDir: string): boolean {
  return files(walDir).every((f) => !f.name.endsWith('.wal') || f.size === 0);
}

/** Each shard holds one generation of TSM files and no compaction is in flight. */
function fullyCompacted(dataDir: string): boolean {
  const shards = files(dataDir).filter((f) => f.name.endsWith('.tsm') || f.name.endsWith('.tmp'));
  if (shards.some((f) => f.name.endsWith('.tmp'))) return false;
  const generations = new Map<string, Set<string>>();
  for (const f of shards) {
    const set = generations.get(f.dir) ?? new Set<string>();
    set.add(f.name.split('-')[0] ?? '');
    generations.set(f.dir, set);
  }
  return [...generations.values()].every((g) => g.size === 1);
}

function files(dir: string): { dir: string; name: string; size: number }[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => ({ dir: e.parentPath, name: e.name, size: statSync(join(e.parentPath, e.name)).size }));
}
