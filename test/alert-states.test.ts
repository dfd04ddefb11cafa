import { describe, expect, it } from 'vitest';
import type {
  AlertRule,
  Notification,
  NotificationSink,
  Observation,
  ObservationState,
} from '../src/alerts/contract.ts';
import { AlertStates } from '../src/alerts/state/index.ts';
import { Keys } from '../src/redis/index.ts';
import { uniquePrefix, useRedis } from './harness/index.ts';

const T0 = Date.UTC(2030, 0, 1);
const MIN = 60_000;
const ORG = 'default';

function rule(over: Partial<AlertRule> = {}): AlertRule {
  return {
    id: 'cpu-high',
    org: ORG,
    name: 'CPU high',
    enabled: true,
    kind: 'threshold',
    selector: { metric: 'cpu.usage' },
    reduction: 'avg',
    windowMs: 5 * MIN,
    comparison: '>',
    threshold: 90,
    resolveThreshold: 85,
    forMs: 2 * MIN,
    severity: 'critical',
    labels: { team: 'ops' },
    annotations: { summary: 'CPU {{value}} on {{host}}' },
    createdAt: T0,
    updatedAt: T0,
    ...over,
  };
}

function obs(state: ObservationState, at: number, host = 'web-1', value: number | null = 95): Observation {
  return {
    ruleId: 'cpu-high',
    instance: `${host}|cpu.usage`,
    host,
    series: 'cpu.usage',
    labels: { host },
    value: state === 'nodata' ? null : value,
    state,
    at,
  };
}

const redis = useRedis();

function states(): AlertStates {
  return new AlertStates({ redis: redis(), keys: new Keys(uniquePrefix('alert-states')) });
}

/** Applies one observation of web-1 at T0 + `min` minutes. */
async function at(
  s: AlertStates,
  r: AlertRule,
  min: number,
  state: ObservationState,
): Promise<Notification[]> {
  return [...(await s.apply(r, [obs(state, T0 + min * MIN)], T0 + min * MIN))];
}

const actions = (n: readonly Notification[]) => n.map((x) => `${x.transition.action}:${x.alert.status}`);

async function open(s: AlertStates) {
  return (await s.views.list(ORG, {})).alerts;
}

describe('the alert lifecycle on a real Redis', () => {
  it('fires only after the for duration, notifying once', async () => {
    const s = states();
    const r = rule();
    expect(await at(s, r, 0, 'breaching')).toEqual([]);
    expect((await open(s))[0]).toMatchObject({
      status: 'pending',
      startedAt: T0,
      labels: { alertname: 'CPU high', team: 'ops', severity: 'critical' },
    });
    expect(await at(s, r, 1, 'breaching')).toEqual([]);
    const fired = await at(s, r, 2, 'breaching');
    expect(actions(fired)).toEqual(['firing:firing']);
    expect(fired[0]?.alert).toMatchObject({
      firedAt: T0 + 2 * MIN,
      annotations: { summary: 'CPU 95 on web-1' },
    });
    expect(await at(s, r, 3, 'breaching')).toEqual([]);
    expect((await open(s)).map((a) => a.status)).toEqual(['firing']);
  });

  it('fires at once with for 0, and discards a pending alert that clears before its for', async () => {
    const s = states();
    expect(actions(await at(s, rule({ forMs: 0 }), 0, 'breaching'))).toEqual(['firing:firing']);
    const t = states();
    await at(t, rule(), 0, 'breaching');
    const [pendingAlert] = await open(t);
    expect(await at(t, rule(), 1, 'between')).toEqual([]);
    expect(await open(t)).toEqual([]);
    const page = await t.views.history(ORG, { from: T0 - MIN, to: T0 + 10 * MIN });
    expect(page.transitions.map((x) => `${x.action}:${x.to}`)).toEqual([
      'pending:pending',
      'resolved:resolved',
    ]);
    expect(page.transitions[1]).toMatchObject({
      alertId: pendingAlert?.id,
      note: expect.stringContaining('discarded'),
    });
  });

  it('stays firing while between and resolves only on ok', async () => {
    const s = states();
    const r = rule({ forMs: 0 });
    await at(s, r, 0, 'breaching');
    expect(await at(s, r, 1, 'between')).toEqual([]);
    expect((await open(s))[0]?.status).toBe('firing');
    const resolved = await at(s, r, 2, 'ok');
    expect(actions(resolved)).toEqual(['resolved:resolved']);
    expect(resolved[0]?.alert.resolvedAt).toBe(T0 + 2 * MIN);
    expect(await open(s)).toEqual([]);
    expect((await s.views.list(ORG, { statuses: ['resolved'] })).alerts).toHaveLength(1);
  });

  it('keeps the state on nodata and marks the alert stale, never a stale ok', async () => {
    const s = states();
    const r = rule({ forMs: 0 });
    await at(s, r, 0, 'breaching');
    expect(await at(s, r, 1, 'nodata')).toEqual([]);
    expect((await open(s))[0]).toMatchObject({ status: 'firing', stale: true, value: 95 });
    await at(s, r, 2, 'breaching');
    expect((await open(s))[0]).toMatchObject({ status: 'firing', stale: false });
  });

  it('stops notifying once acknowledged, and notifies once when the ack expires while still open', async () => {
    const s = states();
    const r = rule({ forMs: 0 });
    await at(s, r, 0, 'breaching');
    const [alert] = await open(s);
    const id = alert?.id ?? '';
    const acked = await s.act(
      ORG,
      id,
      { action: 'ack', by: 'ops', note: 'looking', expiresInMs: 10 * MIN },
      T0 + MIN,
    );
    expect(acked.alert).toMatchObject({
      status: 'acknowledged',
      ack: { by: 'ops', note: 'looking', expiresAt: T0 + 11 * MIN },
    });
    for (const min of [2, 3, 4]) expect(await at(s, r, min, 'breaching')).toEqual([]);
    expect(await s.tick(ORG, T0 + 5 * MIN)).toEqual([]);
    const expired = await s.tick(ORG, T0 + 11 * MIN);
    expect(actions(expired)).toEqual(['ack-expired:firing']);
    expect(await s.tick(ORG, T0 + 12 * MIN)).toEqual([]);
    expect(await at(s, r, 13, 'breaching')).toEqual([]);
  });

  it('unacknowledges back to firing with a notification, and refuses actions its status does not allow', async () => {
    const s = states();
    await at(s, rule({ forMs: 0 }), 0, 'breaching');
    const id = (await open(s))[0]?.id ?? '';
    await expect(s.act(ORG, id, { action: 'unack', by: 'ops' }, T0 + MIN)).rejects.toMatchObject({
      kind: 'conflict',
    });
    await s.act(ORG, id, { action: 'ack', by: 'ops' }, T0 + MIN);
    await expect(s.act(ORG, id, { action: 'ack', by: 'ops' }, T0 + MIN)).rejects.toMatchObject({
      kind: 'conflict',
    });
    const back = await s.act(ORG, id, { action: 'unack', by: 'ops' }, T0 + 2 * MIN);
    expect(actions(back.notifications)).toEqual(['unacknowledged:firing']);
    await expect(s.act(ORG, 'nope', { action: 'ack', by: 'ops' }, T0)).rejects.toMatchObject({
      kind: 'not_found',
    });
  });

  it('resolves by hand with a note, and a breach on the next evaluation starts a new alert', async () => {
    const s = states();
    const r = rule({ forMs: 0 });
    await at(s, r, 0, 'breaching');
    const first = (await open(s))[0]?.id ?? '';
    const done = await s.act(ORG, first, { action: 'resolve', by: 'ops', note: 'fixed' }, T0 + MIN);
    expect(done.alert).toMatchObject({ status: 'resolved', resolvedBy: { by: 'ops', note: 'fixed' } });
    expect(actions(done.notifications)).toEqual(['resolved:resolved']);
    await expect(s.act(ORG, first, { action: 'resolve', by: 'ops' }, T0 + MIN)).rejects.toMatchObject({
      kind: 'conflict',
    });
    expect(actions(await at(s, r, 2, 'breaching'))).toEqual(['firing:firing']);
    const [second] = await open(s);
    expect(second?.id).not.toBe(first);
    const detail = await s.views.get(ORG, first);
    expect(detail.history.map((x) => x.action)).toEqual(['pending', 'firing', 'resolved']);
    expect(detail.history[2]).toMatchObject({ by: 'ops', note: 'fixed', seq: 3 });
  });

  it('holds a flapping alert and sends one notification when it settles', async () => {
    const s = states();
    const r = rule({ forMs: 0, flapping: { maxChanges: 3, windowMs: 10 * MIN } });
    const told: string[] = [];
    // fire, resolve, fire: 3 changes, each told; the 4th change (a resolve) is held as flapping.
    for (const [min, state] of [
      [0, 'breaching'],
      [1, 'ok'],
      [2, 'breaching'],
      [3, 'ok'],
      [4, 'breaching'],
      [5, 'ok'],
    ] as const)
      told.push(...actions(await at(s, r, min, state)));
    expect(told).toEqual(['firing:firing', 'resolved:resolved', 'firing:firing']);
    expect((await open(s))[0]).toMatchObject({ status: 'firing', flapping: true });
    expect(await at(s, r, 10, 'ok')).toEqual([]);
    const settled = await at(s, r, 15, 'ok');
    expect(actions(settled)).toEqual(['settled:resolved']);
    expect(await open(s)).toEqual([]);
  });

  it('holds notifications while silenced and releases exactly one when the silence ends', async () => {
    const s = states();
    const r = rule({ forMs: 0 });
    const silence = await s.silences.create(
      ORG,
      {
        matchers: [{ name: 'host', value: 'web-.*', isRegex: true, isEqual: true }],
        endsAt: T0 + 30 * MIN,
        comment: 'maintenance',
      },
      'ops',
      T0 - MIN,
    );
    expect(await at(s, r, 0, 'breaching')).toEqual([]);
    expect((await open(s))[0]).toMatchObject({ status: 'firing', silencedBy: [silence.id] });
    expect(await s.tick(ORG, T0 + MIN)).toEqual([]);
    // Another host is not matched: it notifies.
    const other = await s.apply(r, [obs('breaching', T0 + MIN, 'db-1')], T0 + MIN);
    expect(actions(other)).toEqual(['firing:firing']);
    await s.silences.expire(ORG, silence.id, T0 + 2 * MIN);
    const released = await s.tick(ORG, T0 + 2 * MIN);
    expect(actions(released)).toEqual(['unsilenced:firing']);
    expect(released[0]?.alert.host).toBe('web-1');
    expect(await s.tick(ORG, T0 + 3 * MIN)).toEqual([]);
    expect(await at(s, r, 4, 'breaching')).toEqual([]);
  });

  it('ends a silence by its endsAt on tick as well', async () => {
    const s = states();
    const r = rule({ forMs: 0 });
    await s.silences.create(
      ORG,
      {
        matchers: [{ name: 'team', value: 'ops', isRegex: false, isEqual: true }],
        endsAt: T0 + 5 * MIN,
        comment: 'deploy',
      },
      'ops',
      T0,
    );
    expect(await at(s, r, 1, 'breaching')).toEqual([]);
    expect(actions(await s.tick(ORG, T0 + 5 * MIN))).toEqual(['unsilenced:firing']);
  });

  it('creates one alert when two processes apply the same breach at once', async () => {
    const prefix = uniquePrefix('race');
    const server = redis();
    const second = server.duplicate();
    try {
      const a = new AlertStates({ redis: server, keys: new Keys(prefix) });
      const b = new AlertStates({ redis: second, keys: new Keys(prefix) });
      const r = rule({ forMs: 0 });
      const runs = await Promise.all(
        Array.from({ length: 8 }, (_, i) => (i % 2 ? a : b).apply(r, [obs('breaching', T0)], T0)),
      );
      expect(runs.flat().map((n) => n.transition.action)).toEqual(['firing']);
      expect(await open(a)).toHaveLength(1);
      const detail = await a.views.get(ORG, (await open(a))[0]?.id ?? '');
      expect(detail.history.map((x) => x.seq)).toEqual([1, 2]);
    } finally {
      second.disconnect();
    }
  });

  it('trims history and resolved alerts past 30 days', async () => {
    const s = states();
    const r = rule({ forMs: 0 });
    await at(s, r, 0, 'breaching');
    await at(s, r, 1, 'ok');
    const id = (await s.views.list(ORG, { statuses: ['resolved'] })).alerts[0]?.id ?? '';
    await s.tick(ORG, T0 + 29 * 86_400_000);
    expect((await s.views.get(ORG, id)).history).toHaveLength(3);
    await s.tick(ORG, T0 + 31 * 86_400_000);
    await expect(s.views.get(ORG, id)).rejects.toMatchObject({ kind: 'not_found' });
    expect((await s.views.history(ORG, { from: 0, to: T0 + 40 * 86_400_000 })).transitions).toEqual([]);
  });

  it('lists with filters and pages, and sums up by status, severity and host', async () => {
    const s = states();
    const crit = rule({ forMs: 0 });
    const warn = rule({ id: 'cpu-warn', severity: 'warning', threshold: 80, forMs: 0 });
    await s.apply(
      crit,
      ['web-1', 'web-2', 'web-3'].map((h) => obs('breaching', T0, h)),
      T0,
    );
    await s.apply(warn, [{ ...obs('breaching', T0, 'web-1'), ruleId: 'cpu-warn' }], T0);
    await s.apply(
      rule({ id: 'slow', forMs: 10 * MIN }),
      [{ ...obs('breaching', T0, 'db-1'), ruleId: 'slow' }],
      T0,
    );
    expect((await open(s)).length).toBe(5);
    expect((await s.views.list(ORG, { host: 'web-1' })).alerts.map((a) => a.ruleId).sort()).toEqual([
      'cpu-high',
      'cpu-warn',
    ]);
    expect((await s.views.list(ORG, { severity: 'warning' })).alerts).toHaveLength(1);
    expect((await s.views.list(ORG, { statuses: ['pending'] })).alerts.map((a) => a.host)).toEqual(['db-1']);
    const first = await s.views.list(ORG, { rule: 'cpu-high', limit: 2 });
    const rest = await s.views.list(ORG, { rule: 'cpu-high', limit: 2, cursor: first.nextCursor ?? '' });
    expect([...first.alerts, ...rest.alerts].map((a) => a.host).sort()).toEqual(['web-1', 'web-2', 'web-3']);
    expect(rest.nextCursor).toBeNull();
    const summary = await s.views.summary(ORG, T0);
    expect(summary).toMatchObject({
      byStatus: { pending: 1, firing: 4, acknowledged: 0, resolved: 0 },
      bySeverity: { critical: 3, warning: 1 },
      firingByHost: { 'web-1': { critical: 1, warning: 1 }, 'web-2': { critical: 1 } },
    });
    const page = await s.views.history(ORG, { from: T0, to: T0, host: 'web-1', limit: 2 });
    expect(page.transitions.map((x) => x.host)).toEqual(['web-1', 'web-1']);
    const next = await s.views.history(ORG, {
      from: T0,
      to: T0,
      host: 'web-1',
      limit: 2,
      cursor: page.nextCursor ?? '',
    });
    expect(next.transitions.map((x) => `${x.ruleId}:${x.action}`)).toEqual([
      'cpu-warn:pending',
      'cpu-warn:firing',
    ]);
  });
});

/** A sink that throws for its first `failures` calls (and `failNext(n)` more), then records what it is given. */
function flakySink(failures = 1) {
  const state = { failures, calls: 0 };
  const queued: Notification[] = [];
  const sink: NotificationSink = {
    async notify(_org, notifications) {
      state.calls++;
      if (state.failures > 0) {
        state.failures--;
        throw new Error('queue unreachable');
      }
      queued.push(...notifications);
    },
  };
  return {
    sink,
    queued,
    calls: () => state.calls,
    failNext: (n: number) => {
      state.failures = n;
    },
  };
}

function withSink(sink: NotificationSink, outboxMax?: number) {
  const keys = new Keys(uniquePrefix('alert-outbox'));
  const s = new AlertStates({ redis: redis(), keys, sink, ...(outboxMax !== undefined && { outboxMax }) });
  const outbox = () => redis().zcard(`${keys.alerts(ORG)}outbox`);
  return { s, outbox };
}

describe('the notification outbox', () => {
  it('delivers a notification whose notify failed on a later tick, once', async () => {
    const flaky = flakySink();
    const { s, outbox } = withSink(flaky.sink);
    const fired = await at(s, rule({ forMs: 0 }), 0, 'breaching');
    expect(actions(fired)).toEqual(['firing:firing']);
    expect(flaky.calls()).toBe(1);
    expect(flaky.queued).toEqual([]);
    expect(await outbox()).toBe(1);
    // Within the grace period a notify may still be in flight: not sent again yet.
    await s.tick(ORG, T0 + 1_000);
    expect(flaky.queued).toEqual([]);
    await s.tick(ORG, T0 + MIN);
    expect(actions(flaky.queued)).toEqual(['firing:firing']);
    expect(flaky.queued[0]).toEqual(fired[0]);
    expect(await outbox()).toBe(0);
    await s.tick(ORG, T0 + 2 * MIN);
    expect(flaky.queued).toHaveLength(1);
  });

  it('leaves the outbox empty after a successful notify, for evaluations and actions', async () => {
    const ok = flakySink(0);
    const { s, outbox } = withSink(ok.sink);
    await at(s, rule({ forMs: 0 }), 0, 'breaching');
    expect(await outbox()).toBe(0);
    const id = (await open(s))[0]?.id ?? '';
    await s.act(ORG, id, { action: 'resolve', by: 'ops' }, T0 + MIN);
    expect(actions(ok.queued)).toEqual(['firing:firing', 'resolved:resolved']);
    expect(await outbox()).toBe(0);
  });

  it('answers an action whose notify failed, and a later tick delivers its notification', async () => {
    const flaky = flakySink(0);
    const { s, outbox } = withSink(flaky.sink);
    await at(s, rule({ forMs: 0 }), 0, 'breaching');
    const id = (await open(s))[0]?.id ?? '';
    flaky.failNext(1);
    const done = await s.act(ORG, id, { action: 'resolve', by: 'ops' }, T0 + MIN);
    expect(done.alert).toMatchObject({ status: 'resolved' });
    expect(actions(done.notifications)).toEqual(['resolved:resolved']);
    expect(actions(flaky.queued)).toEqual(['firing:firing']);
    expect(await outbox()).toBe(1);
    await s.tick(ORG, T0 + 2 * MIN);
    expect(actions(flaky.queued)).toEqual(['firing:firing', 'resolved:resolved']);
    expect(await outbox()).toBe(0);
  });

  it('keeps at most outboxMax entries, dropping the oldest', async () => {
    const flaky = flakySink(5);
    const { s, outbox } = withSink(flaky.sink, 3);
    const r = rule({ forMs: 0 });
    for (const [n, host] of ['web-1', 'web-2', 'web-3', 'web-4', 'web-5'].entries())
      await s.apply(r, [obs('breaching', T0 + n * MIN, host)], T0 + n * MIN);
    expect(flaky.calls()).toBe(5);
    expect(await outbox()).toBe(3);
    await s.tick(ORG, T0 + 10 * MIN);
    expect(flaky.queued.map((n) => n.alert.host)).toEqual(['web-3', 'web-4', 'web-5']);
    expect(await outbox()).toBe(0);
  });
});
