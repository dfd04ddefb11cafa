import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Keys } from '../src/redis/index.ts';
import { RedisTenancy } from '../src/tenancy/index.ts';
import { HOST, type RedisServer, sleep, startRedis, uniquePrefix, waitFor } from './harness/index.ts';

const ROOT = resolve(import.meta.dirname, '..');
const INTERVAL_S = 10; // the shortest interval a host may have

/** A server process reduced to what collects: storage, tenancy, cache and the collection. */
const CHILD = `
import { Cache } from '${ROOT}/src/cache/index.ts';
import { createCollection } from '${ROOT}/src/collect/index.ts';
import { createLogger, loadConfig } from '${ROOT}/src/config/index.ts';
import { createRedis, Keys } from '${ROOT}/src/redis/index.ts';
import { RedisTenancy } from '${ROOT}/src/tenancy/index.ts';
import { openTsdb } from '${ROOT}/src/tsdb/index.ts';
const config = loadConfig(process.env);
const logger = createLogger({ logLevel: 'silent' });
const redis = createRedis({ config: config.redis, logger }, 'request');
const keys = new Keys(config.redis.keyPrefix);
const tsdb = await openTsdb({ config, redis, keys, logger });
const hosts = new RedisTenancy({ redis, keys });
const cache = new Cache(redis, keys.cache(config.api.cachePrefix), config.api.cacheTtlMs);
const collection = createCollection({ connection: { config: config.redis, logger }, keys, hosts, writer: tsdb.writer, cache, logger }, { reconcileIntervalMs: 0 });
collection.onCollection((e) => process.stdout.write(JSON.stringify({ host: e.host, jobId: e.meta.jobId, status: e.status }) + '\\n'));
await collection.start();
await collection.reconcile();
process.stdout.write('ready\\n');
process.on('SIGTERM', async () => {
  await collection.close();
  await tsdb.close();
  redis.disconnect();
  process.exit(0);
});
`;

interface Collected {
  readonly process: number;
  readonly host: string;
  readonly jobId: string;
  readonly status: string;
}

let redis: RedisServer;
let target: Server;
let port = 0;
const hits = new Map<string, number>();
const children: ChildProcess[] = [];
const dirs: string[] = [];

function startProcess(n: number, prefix: string, seen: Collected[]): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'vitals-collect-proc-'));
  dirs.push(dataDir);
  const env = {
    ...process.env,
    REDIS_URL: redis.url,
    VITALS_KEY_PREFIX: prefix,
    VITALS_DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
  };
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', CHILD], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  return new Promise((ready, fail) => {
    child.once('exit', (code) => fail(new Error(`collector process ${n} exited with ${code}`)));
    createInterface({ input: child.stdout ?? process.stdin }).on('line', (line) => {
      if (line === 'ready') return ready();
      seen.push({ process: n, ...(JSON.parse(line) as Omit<Collected, 'process'>) });
    });
  });
}

beforeAll(async () => {
  redis = await startRedis();
  target = createServer((req, res) => {
    hits.set(req.url ?? '', (hits.get(req.url ?? '') ?? 0) + 1);
    res.end('up 1\n');
  });
  await new Promise<void>((done) => target.listen(0, HOST, done));
  const address = target.address();
  port = typeof address === 'object' && address ? address.port : 0;
});

afterAll(async () => {
  await Promise.all(
    children.map(async (child) => {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(5000).then(() => child.kill('SIGKILL'))]);
    }),
  );
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  await new Promise((done) => target?.close(done));
  await redis?.close();
});

describe('two server processes on one Redis', () => {
  it('does collect each host exactly once per interval between them', async () => {
    const prefix = uniquePrefix('collect-procs');
    const tenancy = new RedisTenancy({ redis: redis.client(), keys: new Keys(prefix) });
    await tenancy.bootstrap();
    const ids = ['h1', 'h2', 'h3', 'h4'];
    for (const id of ids) {
      const settings = { url: `http://${HOST}:${port}/${id}` };
      await tenancy.createHost('default', {
        id,
        metricsInterval: INTERVAL_S,
        collector: { kind: 'prometheus', settings },
      });
    }
    const seen: Collected[] = [];
    await Promise.all([startProcess(1, prefix, seen), startProcess(2, prefix, seen)]);
    // First run at once, the next one interval later: two runs per host, and then no more for a while.
    await waitFor(() => ids.every((id) => hits.get(`/${id}`) === 2), {
      timeoutMs: 25_000,
      intervalMs: 100,
      message: 'two runs of every host',
    });
    await sleep(1500);
    expect(ids.map((id) => hits.get(`/${id}`))).toEqual([2, 2, 2, 2]);
    expect(seen).toHaveLength(8);
    expect(new Set(seen.map((s) => s.jobId)).size).toBe(8);
    expect(seen.every((s) => s.status === 'ok')).toBe(true);
  }, 40_000);
});
