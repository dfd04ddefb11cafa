import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  AlertRule,
  AlertStateMachine,
  Notification,
  NotificationSink,
  Observation,
} from '../src/alerts/index.ts';
import { type RedisServer, sleep, startRedis, uniquePrefix } from './harness/index.ts';
import { type ApiEnv, apiEnv } from './support/api.ts';

const NOW = Date.now();

function rule(over: Partial<AlertRule> & { id: string; selector: AlertRule['selector'] }): AlertRule {
  return {
    org: 'default',
    name: over.id,
    enabled: true,
    kind: 'threshold',
    reduction: 'avg',
    windowMs: 60_000,
    comparison: '>',
    threshold: 50,
    forMs: 0,
    severity: 'warning',
    labels: {},
    annotations: { summary: '{{host}} {{value}}' },
    createdAt: 0,
    updatedAt: 0,
    ...over,
  };
}

type Metrics = Record<string, number>;

async function push(env: ApiEnv, host: string, snapshots: Array<{ t: number; m: Metrics }>): Promise<void> {
  const res = await env.call('POST', '/api/v1/ingest', {
    payload: { hosts: [{ host, snapshots: snapshots.map((s) => ({ timestamp: s.t, metrics: s.m })) }] },
  });
  expect(res.statusCode, res.body).toBe(200);
}

/** Points `NOW − (n−i)·step` for i in 0..n−1 (the newest `step` before NOW). */
function series(values: readonly number[], stepMs: number, name: string): Array<{ t: number; m: Metrics }> {
  return values.map((v, i) => ({ t: NOW - (values.length - i) * stepMs, m: { [name]: v } }));
}

describe('alert rule evaluation', () => {
  let redis: RedisServer;
  let env: ApiEnv;
  const evaluate = async (r: AlertRule, now = NOW) =>
    (await env.runtime.api.alertRules.evaluator.evaluate('default', [r], now)).get(r.id) ?? [];

  beforeAll(async () => {
    redis = await startRedis();
    env = await apiEnv(redis.url, uniquePrefix('alert-eval'));
    await push(env, 'red-1', series([10, 20, 30, 40, 50], 10_000, 't.v'));
    await push(env, 'red-1', series([100, 110, 5, 15, 25], 10_000, 't.c'));
    for (const [host, v] of [
      ['hy-breach', 95],
      ['hy-between', 87],
      ['hy-ok', 80],
    ] as const)
      await push(env, host, series([v], 5_000, 'hy.v'));
    await push(env, 'quiet', [{ t: NOW - 600_000, m: { 'q.v': 1, 'q.w': 1 } }]);
    await push(env, 'busy', [{ t: NOW - 2_000, m: { 'q.v': 1 } }]);
    await push(env, 'busy', [{ t: NOW - 600_000, m: { 'q.w': 1 } }]);
    const hours = Array.from({ length: 72 }, (_, i) => i);
    await push(
      env,
      'disk-up',
      series(
        hours.map((i) => 50 + (30 * i) / 72),
        300_000,
        'disk.used_pct{mount="/"}',
      ),
    );
    await push(
      env,
      'disk-flat',
      series(
        hours.map(() => 50),
        300_000,
        'disk.used_pct{mount="/"}',
      ),
    );
    for (const [host, role] of [
      ['sel-web', 'web'],
      ['sel-db', 'db'],
    ] as const) {
      expect(
        (await env.call('POST', '/api/v1/hosts', { payload: { id: host, labels: { role } } })).statusCode,
      ).toBe(201);
      await push(env, host, series([70], 5_000, 'disk.used_pct{mount="/"}'));
      await push(env, host, series([60], 5_000, 'disk.used_pct{mount="/data"}'));
    }
  });
  afterAll(async () => {
    await env?.close();
    await redis?.close();
  });

  it('reduces a window by avg, max, min, last, p95 and rate', async () => {
    const values: Record<string, number | null> = {};
    for (const reduction of ['avg', 'max', 'min', 'last', 'p95'] as const) {
      const [obs] = await evaluate(
        rule({ id: `r-${reduction}`, reduction, selector: { hostIds: ['red-1'], metric: 't.v' } }),
      );
      values[reduction] = obs?.value ?? null;
    }
    expect(values).toEqual({ avg: 30, max: 50, min: 10, last: 50, p95: 50 });
    // 100 → 110 (+10) → 5 (a reset: +5) → 15 (+10) → 25 (+10) = 35 over 40 s.
    const [rate] = await evaluate(
      rule({ id: 'r-rate', reduction: 'rate', selector: { hostIds: ['red-1'], metric: 't.c' } }),
    );
    expect(rate?.value).toBeCloseTo(0.875, 6);
  });

  it('breaches above the threshold, stays between down to the resolve threshold, and is ok past it', async () => {
    const obs = await evaluate(
      rule({
        id: 'hyst',
        reduction: 'last',
        threshold: 90,
        resolveThreshold: 85,
        selector: { metric: 'hy.v' },
      }),
    );
    const states = Object.fromEntries(obs.map((o) => [o.host, o.state]));
    expect(states).toEqual({ 'hy-breach': 'breaching', 'hy-between': 'between', 'hy-ok': 'ok' });
    const below = await evaluate(
      rule({
        id: 'hyst-low',
        reduction: 'last',
        comparison: '<',
        threshold: 85,
        resolveThreshold: 90,
        selector: { metric: 'hy.v' },
      }),
    );
    expect(Object.fromEntries(below.map((o) => [o.host, o.state]))).toEqual({
      'hy-breach': 'ok',
      'hy-between': 'between',
      'hy-ok': 'breaching',
    });
  });

  it('raises host-level nodata for a host that stopped reporting, never ok for it', async () => {
    const down = rule({
      id: 'down',
      kind: 'nodata',
      noData: { intervals: 3 },
      selector: { hostIds: ['quiet', 'busy'], metric: '*' },
    });
    const obs = await evaluate(down);
    const byHost = Object.fromEntries(obs.map((o) => [o.host, o]));
    expect(byHost.quiet).toMatchObject({ instance: 'quiet', state: 'breaching' });
    expect(byHost.quiet?.series).toBeUndefined();
    expect(byHost.quiet?.value).toBeGreaterThanOrEqual(600);
    expect(byHost.busy?.state).toBe('ok');
  });

  it('raises series-level nodata, and a threshold rule on a silent series says nodata, not ok', async () => {
    const perSeries = await evaluate(
      rule({
        id: 'nod-series',
        kind: 'nodata',
        noData: { intervals: 3 },
        selector: { hostIds: ['busy'], metric: 'q.w' },
      }),
    );
    expect(perSeries).toHaveLength(1);
    expect(perSeries[0]).toMatchObject({ instance: 'busy|q.w', series: 'q.w', state: 'breaching' });
    const fresh = await evaluate(
      rule({
        id: 'nod-fresh',
        kind: 'nodata',
        noData: { intervals: 3 },
        selector: { hostIds: ['busy'], metric: 'q.v' },
      }),
    );
    expect(fresh[0]?.state).toBe('ok');
    const stale = await evaluate(
      rule({ id: 'stale', threshold: 0.5, selector: { hostIds: ['busy', 'quiet'], metric: 'q.w' } }),
    );
    expect(stale.map((o) => [o.host, o.state, o.value]).sort()).toEqual([
      ['busy', 'nodata', null],
      ['quiet', 'nodata', null],
    ]);
  });

  it('predicts a linearly filling disk full within 24 h, and not a flat one', async () => {
    const predictive = rule({
      id: 'disk-full',
      kind: 'predictive',
      reduction: 'last',
      comparison: '>=',
      threshold: 100,
      windowMs: 6 * 3_600_000,
      predict: { lookbackMs: 6 * 3_600_000, horizonMs: 24 * 3_600_000 },
      selector: { hostIds: ['disk-up', 'disk-flat'], metric: 'disk.used_pct' },
    });
    const byHost = Object.fromEntries((await evaluate(predictive)).map((o) => [o.host, o]));
    expect(byHost['disk-up']?.state).toBe('breaching');
    // 30 points per 6 h = 5 per hour: ≈ 80 now, ≈ 200 a day later.
    expect(byHost['disk-up']?.value).toBeGreaterThan(190);
    expect(byHost['disk-flat']?.state).toBe('ok');
    expect(byHost['disk-flat']?.value).toBeCloseTo(50, 6);
  });

  it('selects hosts by id or label and series by label', async () => {
    const byLabel = await evaluate(
      rule({ id: 'lbl', selector: { hostLabels: { role: 'web' }, metric: 'disk.used_pct' } }),
    );
    expect(byLabel.map((o) => o.instance).sort()).toEqual([
      'sel-web|disk.used_pct{mount="/"}',
      'sel-web|disk.used_pct{mount="/data"}',
    ]);
    const mount = await evaluate(
      rule({
        id: 'mnt',
        selector: { hostIds: ['sel-db', 'sel-web'], metric: 'disk.used_pct', labels: { mount: '/data' } },
      }),
    );
    expect(mount.map((o) => [o.host, o.labels.mount, o.value, o.state]).sort()).toEqual([
      ['sel-db', '/data', 60, 'breaching'],
      ['sel-web', '/data', 60, 'breaching'],
    ]);
    const none = await evaluate(
      rule({ id: 'none', selector: { hostLabels: { role: 'cache' }, metric: 'disk.used_pct' } }),
    );
    expect(none).toEqual([]);
  });
});

/** A state machine that records what it is given (E2's is tested on its own). */
class RecordingStates implements AlertStateMachine {
  readonly applied: Array<{ rule: string; observations: readonly Observation[]; now: number }> = [];
  readonly ticks: Array<{ org: string; now: number }> = [];
  async apply(
    rule: AlertRule,
    observations: readonly Observation[],
    now: number,
  ): Promise<readonly Notification[]> {
    this.applied.push({ rule: rule.id, observations, now });
    return [];
  }
  async tick(org: string, now: number): Promise<readonly Notification[]> {
    this.ticks.push({ org, now });
    return [];
  }
}

const nullSink: NotificationSink = { notify: async () => undefined };

describe('evaluation loop', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.close();
  });

  it('evaluates each interval in one process of two sharing a Redis', async () => {
    const prefix = uniquePrefix('alert-loop');
    const intervalMs = 250;
    const env = { VITALS_ALERTS: 'true', VITALS_ALERTS_INTERVAL: String(intervalMs) };
    const states = [new RecordingStates(), new RecordingStates()];
    const envs = [
      await apiEnv(redis.url, prefix, env, { alerting: { states: states[0], sink: nullSink } }),
      await apiEnv(redis.url, prefix, env, { alerting: { states: states[1], sink: nullSink } }),
    ];
    try {
      await push(envs[0] as ApiEnv, 'loop-host', [{ t: Date.now() - 1000, m: { 'cpu.usage': 12 } }]);
      await sleep(2500);
      const rounds = envs.reduce((n, e) => n + (e.runtime.alertEvaluation?.status().rounds ?? 0), 0);
      const ticks = states.flatMap((s) => s.ticks).filter((t) => t.org === 'default');
      const slots = ticks.map((t) => Math.floor(t.now / intervalMs));
      // Every slot evaluated at most once across both processes, and rounds did happen.
      expect(new Set(slots).size).toBe(slots.length);
      expect(rounds).toBeGreaterThanOrEqual(5);
      expect(ticks.length).toBe(rounds);
      // The host's built-in CPU rule was observed with its value.
      const cpu = states
        .flatMap((s) => s.applied)
        .find((a) => a.rule === 'host-cpu.loop-host' && a.observations.length > 0);
      expect(cpu?.observations[0]).toMatchObject({
        host: 'loop-host',
        series: 'cpu.usage',
        value: 12,
        state: 'ok',
      });
    } finally {
      await Promise.all(envs.map((e) => e.close()));
    }
  });

  it('skips rounds quietly while Redis is stopped', async () => {
    const own = await startRedis();
    const states = new RecordingStates();
    const env = await apiEnv(
      own.url,
      uniquePrefix('alert-skip'),
      { VITALS_ALERTS: 'false' },
      {
        alerting: { states, sink: nullSink },
      },
    );
    try {
      const loop = env.runtime.alertEvaluation;
      expect(loop).toBeDefined();
      expect(await loop?.tick()).toBe('evaluated');
      await own.stop();
      expect(await loop?.tick()).toBe('skipped');
      expect(loop?.status().rounds).toBe(1);
    } finally {
      await env.close();
      await own.close();
    }
  });
});
