// Fault scenarios of the reliability suite. Each runs one `vitals server` process on its own Redis
// under two concurrent loads (one `ack=durable`, one `ack=buffered`, on separate hosts), injects its
// fault, lets the load run on through recovery, waits for the spool to drain and checks every
// acknowledged sample. Durations come from a profile, so CI runs them short and `npm run soak` long.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  command,
  parseInfo,
  type RedisServer,
  sleep,
  startRedis,
  uniquePrefix,
  waitFor,
} from '../harness/index.ts';
import {
  type AckMode,
  check,
  type LoadOptions,
  LoadWriter,
  readStored,
  sealAll,
  type Verdict,
  type WriterFigures,
} from './checker.ts';
import { type QueueFigures, VitalsServer } from './server.ts';

export interface LoadShape {
  readonly hosts: number;
  readonly timestampsPerRequest: number;
  readonly pauseMs: number;
}

/** How long and how hard each scenario runs. */
export interface Profile {
  readonly name: string;
  readonly durable: LoadShape;
  readonly buffered: LoadShape;
  /** Load before the fault. */
  readonly warmupMs: number;
  /** Load after the fault is over, before the writers stop. */
  readonly settleMs: number;
  /** kill -9 under load: this many kills, each after this much load. */
  readonly kills: number;
  readonly killEveryMs: number;
  /** Redis stopped (SIGTERM) this long, then restarted on the same port and files. */
  readonly redisDownMs: number;
  /** Redis frozen (SIGSTOP) this long. */
  readonly frozenMs: number;
  /** Redis refusing writes (OOM under noeviction) this long. */
  readonly oomMs: number;
  /** kill -9 while Redis is down: load on the spool before the kill, and after the restart. */
  readonly downBeforeKillMs: number;
  readonly downAfterRestartMs: number;
  /** Server settings (VITALS_FLUSH_INTERVAL_MS, REDIS_SOCKET_TIMEOUT) the loss bound is computed from. */
  readonly flushIntervalMs: number;
  readonly socketTimeoutMs: number;
}

export const CI_PROFILE: Profile = {
  name: 'ci',
  durable: { hosts: 4, timestampsPerRequest: 25, pauseMs: 0 },
  buffered: { hosts: 2, timestampsPerRequest: 25, pauseMs: 20 },
  warmupMs: 1500,
  settleMs: 1500,
  kills: 2,
  killEveryMs: 1500,
  redisDownMs: 10_000,
  frozenMs: 5000,
  oomMs: 5000,
  downBeforeKillMs: 2500,
  downAfterRestartMs: 2000,
  flushIntervalMs: 100,
  socketTimeoutMs: 2000,
};

export const SOAK_PROFILE: Profile = {
  name: 'soak',
  durable: { hosts: 8, timestampsPerRequest: 50, pauseMs: 0 },
  buffered: { hosts: 4, timestampsPerRequest: 50, pauseMs: 20 },
  warmupMs: 10_000,
  settleMs: 10_000,
  kills: 6,
  killEveryMs: 10_000,
  redisDownMs: 60_000,
  frozenMs: 20_000,
  oomMs: 20_000,
  downBeforeKillMs: 20_000,
  downAfterRestartMs: 20_000,
  flushIntervalMs: 100,
  socketTimeoutMs: 2000,
};

/** An upper bound of a scenario's run time, for the test timeout. */
export function budgetMs(p: Profile, scenario: ScenarioName): number {
  const startups = 15_000 * (scenario === 'kill9' ? p.kills + 1 : scenario === 'kill9-redis-down' ? 2 : 1);
  const fault = {
    kill9: p.kills * p.killEveryMs,
    'redis-stopped': p.redisDownMs,
    'redis-frozen': p.frozenMs,
    'redis-oom': p.oomMs + 15_000,
    'kill9-redis-down': p.downBeforeKillMs + p.downAfterRestartMs,
  }[scenario];
  return p.warmupMs + p.settleMs + fault + startups + 90_000;
}

export type ScenarioName = 'kill9' | 'redis-stopped' | 'redis-frozen' | 'redis-oom' | 'kill9-redis-down';

export interface ModeReport extends Verdict, WriterFigures {
  /** ack=buffered: the loss bound, in ms of acknowledgements before each kill (0 lost without a kill). */
  readonly lossWindowMs: number;
  /** Lost samples acknowledged outside that window of any kill (must be 0). */
  readonly lostOutsideBound: number;
  /** The same check after a maintenance run sealed every window (heads merged into chunks). */
  readonly afterSeal: Pick<Verdict, 'lost' | 'duplicatedRead' | 'phantom' | 'sealedWindows' | 'headWindows'>;
}

export interface ScenarioReport {
  readonly scenario: ScenarioName;
  readonly profile: string;
  /** What was done, with its durations. */
  readonly fault: string;
  readonly seconds: number;
  readonly modes: readonly ModeReport[];
  readonly server: {
    readonly starts: number;
    readonly maxRssMb: number;
    /** Exit code of the final SIGTERM (0: orderly). */
    readonly exitCode: number | null;
    /** The write queue as the last server process saw it before it stopped. */
    readonly queue: QueueFigures;
  };
  /** Scenario-specific observations (OOM errors Redis counted, writes answered from the spool, …). */
  readonly notes: Readonly<Record<string, number | string>>;
  /** When the server was killed (ms since epoch). */
  readonly kills: readonly number[];
  /** The server's log (every process of the scenario), kept for a failure's message. */
  readonly serverLog: string;
}

interface Rig {
  readonly redis: RedisServer;
  readonly server: VitalsServer;
  readonly writers: readonly LoadWriter[];
  readonly kills: number[];
  readonly notes: Record<string, number | string>;
}

const DAY_MS = 86_400_000;
/** How late the writer may read an answer the killed server sent (see the loss bound check). */
const CLIENT_LAG_MS = 1000;

function loadOptions(ack: AckMode, shape: LoadShape, firstHostIndex: number, base: number): LoadOptions {
  return { ack, ...shape, hostPrefix: ack === 'durable' ? 'dur-' : 'buf-', firstHostIndex, base };
}

async function errorCount(redis: RedisServer, kind: string): Promise<number> {
  const info = parseInfo(await command(redis.port, 'INFO', 'errorstats'));
  return Number(/count=(\d+)/.exec(info.get(`errorstat_${kind}`) ?? '')?.[1] ?? 0);
}

/** The faults, each given the running rig; they return a description of what they did. */
const FAULTS: Record<ScenarioName, (rig: Rig, p: Profile) => Promise<string>> = {
  async kill9(rig, p) {
    for (let k = 0; k < p.kills; k++) {
      await sleep(p.killEveryMs);
      rig.kills.push(Date.now());
      await rig.server.kill9();
      await rig.server.start();
    }
    return `${p.kills} × kill -9 of the server, one every ${p.killEveryMs / 1000} s of load, restarted at once`;
  },

  async 'redis-stopped'(rig, p) {
    await rig.redis.stop();
    await sleep(p.redisDownMs);
    await rig.redis.restart();
    return `Redis stopped ${p.redisDownMs / 1000} s (SIGTERM), then restarted on its AOF`;
  },

  async 'redis-frozen'(rig, p) {
    rig.redis.freeze();
    try {
      await sleep(p.frozenMs);
    } finally {
      rig.redis.thaw();
    }
    return `Redis frozen ${p.frozenMs / 1000} s (SIGSTOP, then SIGCONT)`;
  },

  async 'redis-oom'(rig, p) {
    const used = Number(parseInfo(await command(rig.redis.port, 'INFO', 'memory')).get('used_memory'));
    const before = await errorCount(rig.redis, 'OOM');
    // Just under what is used now: Redis is full, and with noeviction it refuses every write command
    // (sealing compresses heads as fast as this load fills them, so a margin above would never fill).
    await command(
      rig.redis.port,
      'CONFIG',
      'SET',
      'maxmemory',
      String(Math.max(1024 * 1024, used - 64 * 1024)),
    );
    await waitFor(async () => (await errorCount(rig.redis, 'OOM')) > before, {
      timeoutMs: 15_000,
      intervalMs: 100,
      message: 'Redis refusing writes with OOM',
    });
    await sleep(p.oomMs);
    rig.notes.oomErrors = (await errorCount(rig.redis, 'OOM')) - before;
    await command(rig.redis.port, 'CONFIG', 'SET', 'maxmemory', '0');
    return `Redis at maxmemory (noeviction) ${p.oomMs / 1000} s: every write command refused with OOM, then maxmemory lifted`;
  },

  async 'kill9-redis-down'(rig, p) {
    await rig.redis.stop();
    await sleep(p.downBeforeKillMs);
    rig.kills.push(Date.now());
    await rig.server.kill9();
    await rig.server.start();
    await sleep(p.downAfterRestartMs);
    await rig.redis.restart();
    return (
      `Redis stopped; ${p.downBeforeKillMs / 1000} s later kill -9 of the server, restarted with Redis still ` +
      `down; Redis back ${p.downAfterRestartMs / 1000} s later`
    );
  },
};

/** Runs one scenario end to end and returns its figures; assertions are the caller's. */
export async function runScenario(scenario: ScenarioName, p: Profile): Promise<ScenarioReport> {
  const started = performance.now();
  const redis = await startRedis();
  const dataDir = mkdtempSync(join(tmpdir(), `vitals-rel-${scenario}-`));
  const server = new VitalsServer({
    redisUrl: redis.url,
    prefix: uniquePrefix(`rel-${scenario}`),
    dataDir,
    env: {
      VITALS_FLUSH_INTERVAL_MS: String(p.flushIntervalMs),
      REDIS_SOCKET_TIMEOUT: String(p.socketTimeoutMs),
      // A server started while Redis is down waits this long before it carries on degraded.
      REDIS_CONNECT_TIMEOUT: '1000',
      // Every window written is days old: maintenance seals them while the load still appends late samples.
      VITALS_MAINTENANCE_INTERVAL: '2s',
    },
  });
  const rss = setInterval(() => server.sampleRss(), 500);
  rss.unref();
  const base = Date.now() - 20 * DAY_MS;
  const durable = new LoadWriter(() => server.url, loadOptions('durable', p.durable, 0, base));
  const buffered = new LoadWriter(() => server.url, loadOptions('buffered', p.buffered, 100, base));
  const rig: Rig = { redis, server, writers: [durable, buffered], kills: [], notes: {} };
  try {
    await server.start();
    for (const w of rig.writers) w.start();
    await sleep(p.warmupMs);
    const fault = await FAULTS[scenario](rig, p);
    await sleep(p.settleMs);
    await Promise.all(rig.writers.map((w) => w.stop()));
    const queue = await server.drained(120_000);
    server.sampleRss();
    const client = redis.client();
    const hosts = rig.writers.flatMap((w) => w.ledgers.map((l) => l.host));
    const exitCode = await server.stop();
    // Read once as the server left it (heads, and what its maintenance sealed meanwhile), and again
    // after sealing every window with the server's own maintenance pass.
    const asLeft = await readStored(client, server.prefix, hosts);
    const seal = await sealAll(client, server.prefix, hosts);
    rig.notes.staleSealLocks = seal.staleLocks;
    rig.notes.finalSealFailures = seal.failures;
    const sealed = await readStored(client, server.prefix, hosts);
    const lossWindowMs = p.flushIntervalMs + 2 * p.socketTimeoutMs + 1000;
    const modes = rig.writers.map((w): ModeReport => {
      const verdict = check(w, asLeft);
      const after = check(w, sealed);
      // The writer notes an acknowledgement when its event loop reads the answer, which can be a moment
      // after a kill that came later than the server sent it: the old process cannot answer once dead,
      // and the new one listens seconds later.
      const lostOutsideBound = verdict.lostAckedAt.filter(
        (at) => !rig.kills.some((k) => at <= k + CLIENT_LAG_MS && at >= k - lossWindowMs),
      ).length;
      return {
        ...w.figures(),
        ...verdict,
        lossWindowMs,
        lostOutsideBound,
        afterSeal: {
          lost: after.lost,
          duplicatedRead: after.duplicatedRead,
          phantom: after.phantom,
          sealedWindows: after.sealedWindows,
          headWindows: after.headWindows,
        },
      };
    });
    for (const w of rig.writers) {
      for (const l of w.ledgers) {
        if (l.timestamp(l.next) > Date.now()) throw new Error(`${l.host} wrote past now: lower the load`);
      }
    }
    return {
      scenario,
      profile: p.name,
      fault,
      seconds: Math.round((performance.now() - started) / 100) / 10,
      modes,
      server: { starts: server.starts, maxRssMb: Math.round(server.maxRssMb), exitCode, queue },
      notes: rig.notes,
      kills: rig.kills,
      serverLog: server.log(),
    };
  } catch (err: unknown) {
    throw new Error(
      `${scenario}: ${err instanceof Error ? err.message : String(err)}\n--- server log ---\n${server.log()}`,
      {
        cause: err,
      },
    );
  } finally {
    clearInterval(rss);
    await Promise.all(rig.writers.map((w) => w.stop()));
    await server.kill9();
    await redis.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** One line per mode, for the test log and the soak report. */
export function summary(r: ScenarioReport): string {
  return r.modes
    .map(
      (m) =>
        `${r.scenario} [${r.profile}] ack=${m.ack}: ${m.acked} acked, ${m.lost} lost, ${m.duplicatedRead} duplicated ` +
        `(${m.duplicatedRaw} raw head repeats), ${m.phantom} phantom, ${m.unacked} unacknowledged ` +
        `(${m.unackedStored} of them stored); statuses ${JSON.stringify(m.statuses)}; stored ${JSON.stringify(m.stored)}; ` +
        `latency p50 ${m.latency.p50} p99 ${m.latency.p99} max ${m.latency.max} ms; ` +
        `read from ${m.sealedWindows} sealed windows and ${m.headWindows} heads (${m.rawHeadSamples} head samples); ` +
        `after sealing all ${m.afterSeal.sealedWindows} windows: ${m.afterSeal.lost} lost, ${m.afterSeal.duplicatedRead} duplicated, ${m.afterSeal.phantom} phantom`,
    )
    .concat(
      `${r.scenario}: ${r.fault}; ${r.seconds} s; server starts ${r.server.starts}, max RSS ${r.server.maxRssMb} MB, ` +
        `exit ${r.server.exitCode}; notes ${JSON.stringify(r.notes)}`,
    )
    .join('\n');
}

/** Statuses that must never appear: any 5xx but 503, and refusals of valid requests. */
export function badStatuses(m: ModeReport): Record<string, number> {
  return Object.fromEntries(
    Object.entries(m.statuses).filter(
      ([s]) => s.startsWith('refused') || (/^\d+$/.test(s) && Number(s) >= 500 && s !== '503'),
    ),
  );
}

function gapToKill(at: number, kills: readonly number[]): string {
  const next = kills.filter((k) => k >= at).sort((a, b) => a - b)[0];
  const last = kills.filter((k) => k < at).sort((a, b) => b - a)[0];
  if (next === undefined) return last === undefined ? 'with no kill' : `${at - last} ms after a kill`;
  return `${next - at} ms before a kill`;
}

/** Everything a scenario's figures break of the guarantees (docs/RELIABILITY.md); empty when they hold. */
export function problems(r: ScenarioReport, bufferMaxSamples = 1_000_000): string[] {
  const out: string[] = [];
  for (const m of r.modes) {
    const who = `${r.scenario} ack=${m.ack}`;
    if (m.acked < 100) out.push(`${who}: only ${m.acked} samples acknowledged: the load did not run`);
    if (m.ack === 'durable' && m.lost > 0)
      out.push(`${who}: ${m.lost} acknowledged samples lost, e.g. ${m.lostExamples.join('; ')}`);
    if (m.ack === 'buffered' && (m.lostOutsideBound > 0 || m.lost > bufferMaxSamples)) {
      out.push(
        `${who}: ${m.lost} lost, ${m.lostOutsideBound} of them acknowledged more than ${m.lossWindowMs} ms before a kill ` +
          `(acknowledged ${[...new Set(m.lostAckedAt)].map((at) => gapToKill(at, r.kills)).join(', ')}), e.g. ${m.lostExamples.join('; ')}`,
      );
    }
    if (m.duplicatedRead > 0) out.push(`${who}: ${m.duplicatedRead} duplicated samples in the read answer`);
    const sealed = m.afterSeal;
    if (sealed.headWindows > 0)
      out.push(`${who}: ${sealed.headWindows} head windows left after the final maintenance pass`);
    if (sealed.lost !== m.lost || sealed.duplicatedRead > 0 || sealed.phantom > 0) {
      out.push(
        `${who}: after sealing ${sealed.lost} lost (${m.lost} before), ${sealed.duplicatedRead} duplicated, ${sealed.phantom} phantom`,
      );
    }
    if (m.phantom > 0) out.push(`${who}: ${m.phantom} phantom samples, e.g. ${m.phantomExamples.join('; ')}`);
    const bad = badStatuses(m);
    if (Object.keys(bad).length > 0)
      out.push(`${who}: answers that must never be given: ${JSON.stringify(bad)}`);
  }
  if (Number(r.notes.finalSealFailures) > 0)
    out.push(`${r.scenario}: the final maintenance pass failed ${r.notes.finalSealFailures} times`);
  if (r.server.exitCode !== 0) out.push(`${r.scenario}: the server exited ${r.server.exitCode} on SIGTERM`);
  const durable = r.modes.find((m) => m.ack === 'durable');
  const spooled = durable?.stored.spool ?? 0;
  if (r.scenario !== 'kill9' && spooled === 0)
    out.push(`${r.scenario}: no durable write went to the spool: the fault did not show`);
  if (r.scenario === 'redis-oom' && !(Number(r.notes.oomErrors) > 0))
    out.push('redis-oom: Redis refused nothing with OOM');
  if (r.scenario === 'kill9' && !r.modes.some((m) => (m.statuses.network ?? 0) > 0)) {
    out.push('kill9: no request lost its connection: the kills did not happen under load');
  }
  return out;
}
