import type { ComponentChildren } from 'preact';
import { useMemo, useState } from 'preact/hooks';
import {
  type ClientCommandFigure,
  firstCheck,
  type Insight,
  type Latest,
  loadHealth,
  loadLatest,
  loadPerformance,
  type RedisCommandFigure,
  type RedisHealth,
  type RedisPerformance,
  slowlogCommand,
  toMs,
} from '../api/redis.ts';
import type { ChartSpec } from '../charts/specs.ts';
import { formatDateTime, formatNumber, formatPct, formatTime, NA, num } from '../lib/format.ts';
import { useAsync } from '../lib/use-async.ts';
import { HealthChecks } from './health-checks.tsx';
import { Notice } from './notice.tsx';
import {
  byLabel,
  formatBytes,
  formatCount,
  formatDuration,
  formatMs,
  keyWith,
  latestValue,
  pick,
} from './redis-series.ts';
import { SeriesCharts } from './series-charts.tsx';
import { Meter } from './status.tsx';
import '../styles/redis.css';

export interface RedisViewProps {
  /** Host whose stored `redis.*` series describe this Redis (`vitals-redis` for Vitals' own). */
  readonly seriesHost: string;
  /** `?host=` of the performance and health calls; undefined for Vitals' own Redis. */
  readonly target: string | undefined;
  /** Collection interval of the series (s): the charts' smallest bucket and their span. */
  readonly intervalSec: number;
  /** Heading level of the sections (2 on the Redis page, 3 inside the System page). */
  readonly level: 2 | 3;
  /** Shown instead of the view when none of its sources may be seen (404: another org's). */
  readonly missingNote: string;
  /** Client-side command timings (Vitals' own Redis only). */
  readonly showClient?: boolean;
  /** Newest series of host `vitals` (`vitals.redis.command.*`): the client timings' fallback. */
  readonly selfSeries?: Latest;
}

const REFRESH_MS = 15_000;
const MS_PER_USEC = 0.001;

function Section(props: {
  readonly level: 2 | 3;
  readonly title: string;
  readonly children: ComponentChildren;
}) {
  const H = props.level === 2 ? 'h2' : 'h3';
  const id = `redis-${props.title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
  return (
    <section class="redis-section" aria-labelledby={id}>
      <H id={id}>{props.title}</H>
      {props.children}
    </section>
  );
}

function Figure(props: {
  readonly id: string;
  readonly label: string;
  readonly value: string;
  readonly detail?: ComponentChildren;
}) {
  return (
    <div class={`figure figure-${props.id}`} data-figure={props.id}>
      <dt>{props.label}</dt>
      <dd>{props.value}</dd>
      {props.detail && <dd class="figure-detail muted small">{props.detail}</dd>}
    </div>
  );
}

/** The newest figures: live answer first (performance), stored series as the fallback. */
function Figures(props: {
  readonly perf: RedisPerformance | undefined;
  readonly latest: Latest | undefined;
  readonly health: RedisHealth | undefined;
}) {
  const { perf, latest } = props;
  const v = (key: string) => latestValue(latest, key);
  const used = pick(perf?.memory?.usedBytes, v('redis.memory.used_memory'));
  const max = pick(perf?.memory?.maxBytes, v('redis.memory.maxmemory'));
  const usedPct = pick(
    perf?.memory?.usedPct,
    v('redis.memory.used_pct'),
    used !== undefined && max ? (100 * used) / max : undefined,
  );
  const memoryFail = num(firstCheck(props.health?.checks.memory)?.thresholds?.fail) ?? 90;
  const clients = v('redis.clients.connected_clients');
  const maxClients = v('redis.clients.maxclients');
  const clientsPct = pick(
    v('redis.clients.connected_pct'),
    clients !== undefined && maxClients ? (100 * clients) / maxClients : undefined,
  );
  const connFail = num(firstCheck(props.health?.checks.connections)?.thresholds?.fail) ?? 95;
  const keys = [...byLabel(latest, 'redis.keyspace.keys', 'db').values()];
  const isMaster = v('redis.replication.is_master');
  const replicas = v('redis.replication.connected_slaves');
  return (
    <dl class="figures redis-figures">
      <Figure
        id="memory"
        label="Memory used"
        value={formatBytes(used)}
        detail={
          <>
            {max === 0 ? 'no maxmemory set' : `of ${formatBytes(max)}`}
            {usedPct !== undefined && <Meter label="Memory used" value={usedPct} threshold={memoryFail} />}
          </>
        }
      />
      <Figure
        id="ops"
        label="Ops/s"
        value={formatCount(pick(perf?.opsPerSec, v('redis.stats.instantaneous_ops_per_sec')), 1)}
      />
      <Figure
        id="hit-rate"
        label="Hit rate"
        value={formatPct(pick(perf?.hitRatePct, v('redis.stats.hit_rate_pct')))}
        detail={`${formatCount(v('redis.stats.keyspace_hits'))} hits, ${formatCount(v('redis.stats.keyspace_misses'))} misses`}
      />
      <Figure
        id="clients"
        label="Clients"
        value={formatCount(clients)}
        detail={
          <>
            {`${formatCount(v('redis.clients.blocked_clients'))} blocked · max ${formatCount(maxClients)}`}
            {clientsPct !== undefined && (
              <Meter label="Clients of maxclients" value={clientsPct} threshold={connFail} />
            )}
          </>
        }
      />
      <Figure
        id="fragmentation"
        label="Fragmentation"
        value={formatNumber(pick(perf?.memory?.fragmentation, v('redis.memory.mem_fragmentation_ratio')))}
        detail={`RSS ${formatBytes(v('redis.memory.used_memory_rss'))} · peak ${formatBytes(v('redis.memory.used_memory_peak'))}`}
      />
      <Figure
        id="keys"
        label="Keys"
        value={keys.length > 0 ? formatCount(keys.reduce((a, b) => a + b, 0)) : NA}
        detail={`evicted ${formatCount(v('redis.stats.evicted_keys'))} · expired ${formatCount(v('redis.stats.expired_keys'))}`}
      />
      <Figure
        id="role"
        label="Role"
        value={isMaster === undefined ? NA : isMaster === 1 ? 'master' : 'replica'}
        detail={`${formatCount(replicas)} replicas · up ${formatDuration(v('redis.server.uptime_in_seconds'))}`}
      />
    </dl>
  );
}

function okText(value: number | undefined): string {
  if (value === undefined) return NA;
  return value === 1 ? 'ok' : 'failing';
}

function Persistence({ latest, now }: { readonly latest: Latest | undefined; readonly now: number }) {
  const v = (key: string) => latestValue(latest, key);
  const lastSave = toMs(v('redis.persistence.rdb_last_save_time'));
  const age = pick(v('redis.persistence.last_save_age_sec'), lastSave ? (now - lastSave) / 1000 : undefined);
  const aof = v('redis.persistence.aof_enabled');
  const rows: Array<[string, string, string]> = [
    ['rdb-bgsave', 'Last RDB save (bgsave)', okText(v('redis.persistence.rdb_last_bgsave_ok'))],
    ['last-save', 'Last save', lastSave ? `${formatDateTime(lastSave)} (${formatDuration(age)} ago)` : NA],
    ['changes', 'Changes since last save', formatCount(v('redis.persistence.rdb_changes_since_last_save'))],
    ['aof', 'AOF', aof === undefined ? NA : aof === 1 ? 'on' : 'off'],
    ['aof-rewrite', 'Last AOF rewrite', okText(v('redis.persistence.aof_last_bgrewrite_ok'))],
    ['aof-write', 'Last AOF write', okText(v('redis.persistence.aof_last_write_ok'))],
  ];
  return (
    <dl class="pairs">
      {rows.map(([id, label, value]) => (
        <div key={id} data-persistence={id} class={value === 'failing' ? 'pair-bad' : undefined}>
          <dt>{label}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

const INSIGHT_TEXT: Readonly<Record<Insight['level'], string>> = {
  info: 'Info',
  warn: 'Warning',
  critical: 'Critical',
};

function Insights({ insights }: { readonly insights: readonly Insight[] | undefined }) {
  if (insights === undefined) return <p class="muted">N/A: the performance answer is not available.</p>;
  if (insights.length === 0) return <p class="muted empty-insights">Nothing unusual in the last hour.</p>;
  return (
    <ul class="insights">
      {insights.map((insight, i) => (
        <li key={i} class={`insight insight-${insight.level}`}>
          <span class={`badge insight-level insight-${insight.level}`}>
            {INSIGHT_TEXT[insight.level] ?? insight.level}
          </span>{' '}
          {insight.text}
        </li>
      ))}
    </ul>
  );
}

/** Per-command figures from the answer, or from the stored latencystats / commandstats series. */
function commandRows(perf: RedisPerformance | undefined, latest: Latest | undefined): RedisCommandFigure[] {
  if (perf?.commands && perf.commands.length > 0) {
    return [...perf.commands].sort((a, b) => (num(b.calls) ?? 0) - (num(a.calls) ?? 0));
  }
  const calls = byLabel(latest, 'redis.commandstats.calls', 'command');
  const p50 = byLabel(latest, 'redis.latencystats.p50_usec', 'command');
  const p99 = byLabel(latest, 'redis.latencystats.p99_usec', 'command');
  const p999 = byLabel(latest, 'redis.latencystats.p99_9_usec', 'command');
  const perCall = byLabel(latest, 'redis.commandstats.usec_per_call', 'command');
  const names = new Set([...calls.keys(), ...p50.keys()]);
  const ms = (m: Map<string, number>, c: string) => {
    const x = m.get(c);
    return x === undefined ? undefined : x * MS_PER_USEC;
  };
  return [...names]
    .map((command) => ({
      command,
      calls: calls.get(command),
      p50Ms: ms(p50, command),
      p99Ms: ms(p99, command),
      p999Ms: ms(p999, command),
      usecPerCall: perCall.get(command),
    }))
    .sort((a, b) => (b.calls ?? 0) - (a.calls ?? 0));
}

const FIRST_ROWS = 12;

/** The first rows of a long table, and a button for the rest (at most 50). */
function useShown<T>(rows: readonly T[]): { shown: readonly T[]; more: ComponentChildren } {
  const [all, setAll] = useState(false);
  const limit = all ? 50 : FIRST_ROWS;
  const more =
    rows.length > FIRST_ROWS ? (
      <button type="button" class="button small more" aria-expanded={all} onClick={() => setAll(!all)}>
        {all ? `Show the first ${FIRST_ROWS}` : `Show all ${Math.min(rows.length, 50)}`}
      </button>
    ) : null;
  return { shown: rows.slice(0, limit), more };
}

function CommandTable({ rows }: { readonly rows: readonly RedisCommandFigure[] }) {
  const { shown, more } = useShown(rows);
  if (rows.length === 0) return <p class="muted">No per-command figures yet.</p>;
  return (
    <>
      <div class="table-wrap">
        <table class="numeric commands">
          <caption class="sr-only">Server-side latency percentiles per command</caption>
          <thead>
            <tr>
              <th scope="col">Command</th>
              <th scope="col">Calls</th>
              <th scope="col">Ops/s</th>
              <th scope="col">p50</th>
              <th scope="col">p99</th>
              <th scope="col">p99.9</th>
              <th scope="col">µs / call</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((row) => (
              <tr key={row.command} data-command={row.command}>
                <th scope="row">
                  <code>{row.command}</code>
                </th>
                <td>{formatCount(row.calls)}</td>
                <td>{formatCount(row.opsPerSec, 1)}</td>
                <td>{formatMs(row.p50Ms)}</td>
                <td>{formatMs(row.p99Ms)}</td>
                <td>{formatMs(row.p999Ms)}</td>
                <td>{formatCount(row.usecPerCall, 2)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {more}
    </>
  );
}

/** Client-side timings from the answer, or from the `vitals.redis.command.*` series. */
function clientRows(perf: RedisPerformance | undefined, self: Latest | undefined): ClientCommandFigure[] {
  const listed = perf?.client?.commands;
  if (listed && listed.length > 0) return [...listed].sort((a, b) => (b.count ?? 0) - (a.count ?? 0));
  const count = byLabel(self, 'vitals.redis.command.calls', 'command');
  const get = (name: string, c: string) => byLabel(self, `vitals.redis.command.${name}`, 'command').get(c);
  return [...count.keys()]
    .map((command) => ({
      command,
      count: count.get(command),
      errors: get('errors', command),
      slow: get('slow', command),
      p50Ms: get('p50_ms', command),
      p95Ms: get('p95_ms', command),
      p99Ms: get('p99_ms', command),
      maxMs: get('max_ms', command),
    }))
    .sort((a, b) => (b.count ?? 0) - (a.count ?? 0));
}

export function ClientTable({ rows }: { readonly rows: readonly ClientCommandFigure[] }) {
  const { shown, more } = useShown(rows);
  if (rows.length === 0) return <p class="muted">No client-side command timings yet.</p>;
  return (
    <>
      <div class="table-wrap">
        <table class="numeric client-commands">
          <caption class="sr-only">Commands Vitals sent, timed by the client</caption>
          <thead>
            <tr>
              <th scope="col">Command</th>
              <th scope="col">Kind</th>
              <th scope="col">Calls</th>
              <th scope="col">Errors</th>
              <th scope="col">Slow</th>
              <th scope="col">p50</th>
              <th scope="col">p95</th>
              <th scope="col">p99</th>
              <th scope="col">Max</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((row) => (
              <tr key={row.command} data-client-command={row.command}>
                <th scope="row">
                  <code>{row.command}</code>
                </th>
                <td>{row.kind ?? NA}</td>
                <td>{formatCount(row.count)}</td>
                <td class={num(row.errors) ? 'bad' : undefined}>{formatCount(row.errors)}</td>
                <td class={num(row.slow) ? 'bad' : undefined}>{formatCount(row.slow)}</td>
                <td>{formatMs(row.p50Ms)}</td>
                <td>{formatMs(row.p95Ms)}</td>
                <td>{formatMs(row.p99Ms)}</td>
                <td>{formatMs(row.maxMs)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {more}
    </>
  );
}

function Slowlog({ perf }: { readonly perf: RedisPerformance | undefined }) {
  if (!perf?.slowlog) return <p class="muted">N/A: the slow log could not be read.</p>;
  if (perf.slowlog.length === 0) return <p class="muted">The slow log is empty.</p>;
  return (
    <div class="table-wrap">
      <table class="slowlog">
        <caption class="sr-only">Slow log, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Id</th>
            <th scope="col">When</th>
            <th scope="col">Duration</th>
            <th scope="col">Command</th>
          </tr>
        </thead>
        <tbody>
          {perf.slowlog.map((entry) => (
            <tr key={entry.id}>
              <td>{entry.id}</td>
              <td>{formatTime(toMs(entry.timestamp))}</td>
              <td>
                {formatMs(
                  num(entry.durationMicros) === undefined ? undefined : entry.durationMicros * MS_PER_USEC,
                )}
              </td>
              <td>
                <code>{slowlogCommand(entry)}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function LatencyEvents({ perf }: { readonly perf: RedisPerformance | undefined }) {
  if (!perf?.latencyLatest) return <p class="muted">N/A: LATENCY LATEST could not be read.</p>;
  if (perf.latencyLatest.length === 0)
    return (
      <p class="muted">No latency events (the latency monitor is off or nothing passed its threshold).</p>
    );
  return (
    <div class="table-wrap">
      <table class="latency-events">
        <caption class="sr-only">Latency monitor events</caption>
        <thead>
          <tr>
            <th scope="col">Event</th>
            <th scope="col">Last seen</th>
            <th scope="col">Latest</th>
            <th scope="col">Max</th>
          </tr>
        </thead>
        <tbody>
          {perf.latencyLatest.map((e) => (
            <tr key={e.event}>
              <td>
                <code>{e.event}</code>
              </td>
              <td>{formatTime(toMs(e.timestamp))}</td>
              <td>{formatMs(e.latestMs)}</td>
              <td>{formatMs(e.maxMs)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The charts the stored series allow: memory, ops/s, hit rate, clients, the busiest command's latency. */
function chartSpecsFor(latest: Latest | undefined, busiest: string | undefined): ChartSpec[] {
  const has = (key: string) => latest?.has(key) === true;
  const lines = (list: Array<{ key: string; label: string }>) => list.filter((l) => has(l.key));
  const max = latestValue(latest, 'redis.memory.maxmemory');
  const specs: ChartSpec[] = [
    {
      id: 'redis-memory',
      title: 'Memory used',
      format: formatBytes,
      lines: lines([
        { key: 'redis.memory.used_memory', label: 'used' },
        { key: 'redis.memory.used_memory_rss', label: 'RSS' },
        ...(max ? [{ key: 'redis.memory.maxmemory', label: 'maxmemory' }] : []),
      ]),
    },
    {
      id: 'redis-ops',
      title: 'Operations per second',
      format: (x) => formatCount(x, 1),
      lines: lines([{ key: 'redis.stats.instantaneous_ops_per_sec', label: 'ops/s' }]),
    },
    {
      id: 'redis-hit-rate',
      title: 'Hit rate',
      format: formatPct,
      range: [0, 100],
      lines: lines([{ key: 'redis.stats.hit_rate_pct', label: 'hit rate' }]),
    },
    {
      id: 'redis-clients',
      title: 'Clients',
      format: (x) => formatCount(x),
      lines: lines([
        { key: 'redis.clients.connected_clients', label: 'connected' },
        { key: 'redis.clients.blocked_clients', label: 'blocked' },
      ]),
    },
  ];
  if (busiest) {
    const line = (field: string, label: string) => {
      const key = keyWith(latest, `redis.latencystats.${field}`, 'command', busiest);
      return key ? [{ key, label }] : [];
    };
    specs.push({
      id: 'redis-latency',
      title: `Latency of ${busiest} (server side, µs)`,
      format: (x) => formatCount(x, 1),
      lines: [...line('p50_usec', 'p50'), ...line('p99_usec', 'p99'), ...line('p99_9_usec', 'p99.9')],
    });
  }
  return specs.filter((s) => s.lines.length > 0);
}

/**
 * One Redis: figures, health checks, insights, charts of the stored series, per-command latency,
 * persistence, slow log and latency events. Used by the Redis page (a monitored host) and the System
 * page (Vitals' own Redis).
 */
export function RedisView(props: RedisViewProps) {
  const { seriesHost, target, level } = props;
  const perf = useAsync((signal) => loadPerformance(target, signal), [target], REFRESH_MS);
  const health = useAsync((signal) => loadHealth(target, signal), [target], REFRESH_MS);
  const latest = useAsync((signal) => loadLatest(seriesHost, signal), [seriesHost], REFRESH_MS);

  const perfData = perf.data?.kind === 'data' ? perf.data.data : undefined;
  const healthData = health.data?.kind === 'data' ? health.data.data : undefined;
  const latestData = latest.data?.kind === 'data' ? latest.data.data : undefined;
  const rows = useMemo(() => commandRows(perfData, latestData), [perfData, latestData]);
  const busiest = rows.find((r) =>
    keyWith(latestData, 'redis.latencystats.p50_usec', 'command', r.command),
  )?.command;
  const specs = useMemo(() => chartSpecsFor(latestData, busiest), [latestData, busiest]);

  const allMissing =
    perf.data?.kind === 'missing' && health.data?.kind === 'missing' && latest.data?.kind === 'missing';
  if (allMissing) return <Notice kind="info">{props.missingNote}</Notice>;
  const loading = !perf.data && !health.data && !latest.data && !perf.error && !health.error && !latest.error;
  const spanMs = Math.min(24 * 3_600_000, Math.max(3_600_000, props.intervalSec * 60_000));
  const newest =
    latestData && latestData.size > 0
      ? Math.max(...[...latestData.values()].map((p) => p.timestamp))
      : undefined;

  return (
    <div class="redis-view" data-redis={target ?? 'self'}>
      {loading && <p class="muted">Loading…</p>}
      {perfData?.partial && (
        <Notice kind="info">
          Partial answer: Redis did not answer every read, so some figures are missing.
        </Notice>
      )}
      {latest.error && <Notice kind="error">Could not load the stored figures: {latest.error}</Notice>}
      <p class="muted small">
        Newest stored figures: {formatDateTime(newest)}
        {latestData && latestData.size === 0 ? ' (nothing collected yet)' : ''}
      </p>
      <Figures perf={perfData} latest={latestData} health={healthData} />

      <Section level={level} title="Health checks">
        {health.error && <Notice kind="error">Could not load the health checks: {health.error}</Notice>}
        {health.data?.kind === 'missing' && <p class="muted">N/A: no health checks for this Redis.</p>}
        {healthData && <HealthChecks health={healthData} />}
      </Section>

      <Section level={level} title="Insights">
        {perf.error && <Notice kind="error">Could not load the performance figures: {perf.error}</Notice>}
        {(perfData || perf.data?.kind === 'missing') && <Insights insights={perfData?.insights} />}
      </Section>

      {specs.length > 0 && (
        <Section level={level} title="History">
          <SeriesCharts
            host={seriesHost}
            specs={specs}
            spanMs={spanMs}
            minStepMs={props.intervalSec * 1000}
          />
        </Section>
      )}

      <Section level={level} title="Latency per command">
        <p class="muted small">
          Server-side percentiles from <code>INFO latencystats</code> (Redis 7 and later), calls from{' '}
          <code>commandstats</code>; busiest first.
        </p>
        <CommandTable rows={rows} />
      </Section>

      {props.showClient && (
        <Section level={level} title="Client-side command timings">
          <p class="muted small">
            Every command this server sends, timed by the client (queueing and network included).
          </p>
          <ClientTable rows={clientRows(perfData, props.selfSeries)} />
        </Section>
      )}

      <Section level={level} title="Persistence">
        <Persistence latest={latestData} now={Date.now()} />
      </Section>

      <Section level={level} title="Slow log">
        <Slowlog perf={perfData} />
      </Section>

      <Section level={level} title="Latency events">
        <LatencyEvents perf={perfData} />
      </Section>
    </div>
  );
}
