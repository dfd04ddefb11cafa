import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Agent } from './agent.ts';
import type { Collector } from './collector.ts';
import { silentLogger } from './logger.ts';
import { resolveSettings } from './settings.ts';
import { FakeIngest } from './test-support.ts';

/** A collector whose every reading carries a fresh sequence number as `proc.count`. */
function probe(): Collector & { ids: number[] } {
  const ids: number[] = [];
  return {
    name: 'probe',
    ids,
    collect: async (sink) => {
      ids.push(ids.length + 1);
      sink.put('proc.count', ids.length);
    },
  };
}

function settings(server: string, spoolDir: string) {
  const resolved = resolveSettings(
    { server, token: 'vt_t', hostId: 'probe-host', spoolDir, logLevel: 'silent' },
    {},
    true,
  );
  if (!resolved.ok) throw new Error(resolved.problems.join());
  return { ...resolved.settings, intervalMs: 200 };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const peers: FakeIngest[] = [];
const agents: Agent[] = [];

afterEach(async () => {
  for (const a of agents.splice(0)) await a.stop();
  for (const p of peers.splice(0)) await p.close().catch(() => undefined);
});

function start(server: FakeIngest, dir: string, collector: Collector): Agent {
  const agent = new Agent(settings(server.url, dir), silentLogger, {
    collectors: [collector],
    backoff: { baseMs: 50, maxMs: 200 },
  });
  agents.push(agent);
  return agent;
}

const stored = (server: FakeIngest) => server.stored.map((s) => s.metrics['proc.count']);

describe('Agent', () => {
  it('stores every collected snapshot once, in order, when the server is away for several intervals', async () => {
    const server = await new FakeIngest().listen(0);
    peers.push(server);
    const collector = probe();
    const agent = start(server, mkdtempSync(join(tmpdir(), 'vitals-agent-')), collector);
    await agent.start();
    await sleep(700);
    await server.close();
    await sleep(1200);
    expect(agent.stats.pending).toBeGreaterThanOrEqual(4);
    await server.listen();
    await sleep(900);
    await agent.stop();
    await new Promise((r) => setTimeout(r, 50));
    // Reading 1 only primes the counters; every later one is a snapshot.
    expect(stored(server)).toEqual(collector.ids.slice(1));
    const stamps = server.stored.map((s) => s.timestamp);
    // On the grid and increasing (a tick delayed by a loaded machine skips a grid point, never repeats one).
    expect(stamps.every((t, i) => t % 200 === 0 && (i === 0 || t > (stamps[i - 1] ?? 0)))).toBe(true);
  });

  it('stores every snapshot once, in order, when the agent is restarted while its spool holds data', async () => {
    const server = await new FakeIngest().listen(0);
    peers.push(server);
    await server.close();
    const dir = mkdtempSync(join(tmpdir(), 'vitals-agent-'));
    const collector = probe();
    const first = start(server, dir, collector);
    await first.start();
    await sleep(900);
    await first.stop();
    const firstRun = collector.ids.length;
    expect(first.stats.pending).toBe(firstRun - 1);
    const second = start(server, dir, collector);
    await second.start();
    await sleep(500);
    await server.listen();
    await sleep(900);
    await second.stop();
    const expected = collector.ids.filter((id) => id !== 1 && id !== firstRun + 1);
    expect(stored(server)).toEqual(expected);
  });

  it('ends with token-rejected when the server refuses the token', async () => {
    const server = await new FakeIngest().listen(0);
    peers.push(server);
    server.fallback = { status: 401 };
    const agent = start(server, mkdtempSync(join(tmpdir(), 'vitals-agent-')), probe());
    await agent.start();
    expect(await agent.done).toMatchObject({ reason: 'token-rejected', status: 401 });
  });
});
