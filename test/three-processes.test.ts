// Issue 17, item 3: three `vitals server` processes on one Redis behave as one. Agents push round-robin
// (one request to each process in turn), every process answers every query with the same body, and a
// process killed with SIGKILL under that load loses nothing it acknowledged. (Schedules run once across
// processes: collect-processes.test.ts; live updates cross processes: web-live.test.ts; a host's
// windows are sealed under one lock: src/tsdb/seal/concurrency.test.ts; alert evaluation in one process
// of two: alert-evaluate.test.ts; notifications are BullMQ jobs, each delivered once: alert-notify.test.ts.)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, sleep, startRedis, uniquePrefix } from './harness/index.ts';
import { check, LoadWriter, readStored, SERIES, STEP_MS } from './reliability/checker.ts';
import { RELIABILITY_TOKEN, VitalsServer } from './reliability/server.ts';

const DAY_MS = 86_400_000;
const headers = { authorization: `Bearer ${RELIABILITY_TOKEN}` };

describe('three server processes on one Redis', () => {
  let redis: RedisServer;
  let servers: VitalsServer[] = [];
  const dirs: string[] = [];
  const prefix = uniquePrefix('three');

  beforeAll(async () => {
    redis = await startRedis();
    servers = [0, 1, 2].map((i) => {
      const dataDir = mkdtempSync(join(tmpdir(), `vitals-three-${i}-`));
      dirs.push(dataDir);
      return new VitalsServer({
        redisUrl: redis.url,
        prefix,
        dataDir,
        // As docs/operations.md says for processes behind a balancer: newest values are read from Redis.
        env: { VITALS_MAINTENANCE_INTERVAL: '2s', VITALS_FLUSH_INTERVAL_MS: '20', VITALS_HOT_READS: 'none' },
      });
    });
    await Promise.all(servers.map((s) => s.start()));
  }, 60_000);
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.kill9()));
    await redis?.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('does take pushes round-robin, answer every query identically on every process, and lose nothing acknowledged when one is killed', async () => {
    let turn = 0;
    // Each attempt goes to the next live process, as a load balancer would send it.
    const target = () => {
      const live = servers.filter((s) => s.running);
      return live[turn++ % live.length]?.url ?? '';
    };
    const base = Date.now() - 3 * DAY_MS;
    const writer = new LoadWriter(target, {
      ack: 'durable',
      hosts: 4,
      timestampsPerRequest: 10,
      pauseMs: 10,
      hostPrefix: 'rr-',
      firstHostIndex: 0,
      base,
    });
    writer.start();
    await sleep(2000);
    const killed = servers[2] as VitalsServer;
    await killed.kill9();
    await sleep(2000);
    await writer.stop();
    const live = servers.filter((s) => s.running);
    await Promise.all(live.map((s) => s.drained()));

    const figures = writer.figures();
    const why = JSON.stringify(figures);
    // Every process took pushes before the kill, and the kill happened under load.
    expect(figures.requests, why).toBeGreaterThan(60);
    expect(figures.statuses.network ?? 0, why).toBeGreaterThan(0);

    const hosts = writer.ledgers.map((l) => l.host);
    const client = redis.client();
    const verdict = check(writer, await readStored(client, prefix, hosts));
    client.disconnect();
    expect(verdict.acked).toBeGreaterThan(1000);
    expect({ lost: verdict.lost, phantom: verdict.phantom, duplicated: verdict.duplicatedRead }).toEqual({
      lost: 0,
      phantom: 0,
      duplicated: 0,
    });

    // The same question to each process gets the same answer, byte for byte.
    const end = base + Math.max(...writer.ledgers.map((l) => l.next)) * STEP_MS;
    const metrics = SERIES.map((s) => s.key).join(',');
    const paths = [
      '/api/v1/hosts',
      ...hosts.flatMap((h) => [
        `/api/v1/hosts/${h}/metrics/range?startTime=${base}&endTime=${end}&limit=10000&shape=columns&metrics=${encodeURIComponent(metrics)}`,
        `/api/v1/hosts/${h}/metrics/aggregate?startTime=${base}&endTime=${end}&step=60000&fn=max&metrics=${encodeURIComponent(metrics)}`,
        `/api/v1/hosts/${h}/metrics/recent?count=20&metrics=${encodeURIComponent(metrics)}`,
        `/api/v1/hosts/${h}/metrics/latest?metrics=${encodeURIComponent(metrics)}`,
      ]),
    ];
    for (const path of paths) {
      const bodies = await Promise.all(
        live.map(async (s) => {
          const res = await fetch(`${s.url}${path}`, { headers });
          return `${res.status} ${await res.text()}`;
        }),
      );
      expect(bodies[0]?.startsWith('200 '), `${path}: ${bodies[0]?.slice(0, 300)}`).toBe(true);
      for (const body of bodies.slice(1)) expect(body, path).toBe(bodies[0]);
    }
  }, 90_000);
});
