import { useEffect, useMemo, useState } from 'preact/hooks';
import {
  bucketFor,
  type EventWindow,
  firstTime,
  loadEvents,
  loadSeries,
  loadStats,
  type StatsWire,
  shownTypes,
} from '../api/events.ts';
import { isRangeId, type RangeId, rangeMs } from '../charts/ranges.ts';
import { EventChart, eventData } from '../components/event-chart.tsx';
import { EventErrors } from '../components/event-errors.tsx';
import { EventStatsTable, typeNote } from '../components/event-stats.tsx';
import { CopyBlock, Notice } from '../components/notice.tsx';
import { RangePicker } from '../components/range-picker.tsx';
import { formatDateTime, formatSeconds } from '../lib/format.ts';
import { useAsync } from '../lib/use-async.ts';
import { navigate } from '../router.ts';
import type { PageProps } from './registry.ts';
import '../styles/connections.css';

/** The page polls (stats, series, errors) this often while the tab is visible. */
export const POLL_MS = 5000;
const ERROR_PAGE = 50;
const ERROR_MAX = 500;

interface Picked {
  readonly range: RangeId;
  readonly custom?: { readonly from: number; readonly to: number };
}

function pickedOf(query: URLSearchParams): Picked {
  const raw = query.get('range');
  const range: RangeId = isRangeId(raw) ? raw : '1h';
  const from = Number(query.get('from'));
  const to = Number(query.get('to'));
  if (range === 'custom') return from > 0 && to > from ? { range, custom: { from, to } } : { range: '1h' };
  return { range };
}

/** The shown window: a custom one as given, a rolling one ending now (moved on every poll). */
function windowOf(picked: Picked, now: number): EventWindow & { rolling: boolean } {
  if (picked.custom) return { ...picked.custom, rolling: false };
  return { from: now - (rangeMs(picked.range) ?? 3_600_000), to: now, rolling: true };
}

/** A clock that ticks every `ms` while the tab is visible (and once when it becomes visible again). */
function useTick(ms: number): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    const tick = () => {
      if (document.visibilityState === 'visible') setNow(Date.now());
    };
    const timer = window.setInterval(tick, ms);
    document.addEventListener('visibilitychange', tick);
    return () => {
      window.clearInterval(timer);
      document.removeEventListener('visibilitychange', tick);
    };
  }, [ms]);
  return now;
}

/** One type: its timeline chart (events and errors per minute, latency p50–p95 band). */
function TypeChart(props: { readonly stats: StatsWire; readonly window: EventWindow }) {
  const { type } = props.stats;
  const { from, to } = props.window;
  const bucket = bucketFor(to - from);
  const series = useAsync((signal) => loadSeries(type, { from, to }, bucket, signal), [type, from, to]);
  const data = useMemo(() => eventData(series.data), [series.data]);
  const total = (series.data?.buckets ?? []).reduce(
    (n, b) => n + (Number.isFinite(b.events) ? b.events : 0),
    0,
  );
  const note = typeNote(type);
  return (
    <section id={`events-${type}`} class="event-type" data-type={type} aria-label={`Events of ${type}`}>
      {series.error && (
        <Notice kind="error">
          Could not load the series of {type}: {series.error}
        </Notice>
      )}
      <EventChart
        id={`events-${type}`}
        title={`${type}${note ? ` · ${note}` : ''} · per ${formatSeconds(bucket / 1000)}`}
        data={data}
        range={[from, to]}
        total={total}
      />
    </section>
  );
}

function EmptyState() {
  const example = `curl -X POST ${window.location.origin}/api/v1/events \\
  -H "Authorization: Bearer $VITALS_INGEST_TOKEN" -H 'content-type: application/json' \\
  -d '{"type":"custom.backup","status":"ok","latencyMs":1200,"message":"nightly backup"}'`;
  return (
    <div class="card empty event-empty">
      <h2>No connection events yet</h2>
      <p>
        Vitals records every connection it makes or takes: its own Redis, collections over SSH, HTTP and
        Redis, alert deliveries, agents pushing and live dashboards. They appear here as they happen. Your own
        systems can send events too (an ingest token, a type <code>custom.&lt;name&gt;</code>):
      </p>
      <CopyBlock text={example} label="Example: send an event" />
    </div>
  );
}

/** The recent errors of the window (optionally of one type), with a button for more. */
function RecentErrors(props: {
  readonly types: readonly string[];
  readonly window: EventWindow;
  readonly tick: number;
}) {
  const [type, setType] = useState('');
  const [limit, setLimit] = useState(ERROR_PAGE);
  const { from, to } = props.window;
  const errors = useAsync(
    (signal) => loadEvents({ status: 'error', type: type || undefined, limit }, { from, to }, signal),
    [type, limit, from, to, props.tick],
  );
  const events = errors.data?.events ?? [];
  return (
    <section aria-labelledby="events-errors">
      <h2 id="events-errors">Recent errors</h2>
      <div class="toolbar">
        <label for="events-error-type">Type</label>
        <select
          id="events-error-type"
          value={type}
          onChange={(e) => {
            setType(e.currentTarget.value);
            setLimit(ERROR_PAGE);
          }}
        >
          <option value="">All types</option>
          {props.types.map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </select>
      </div>
      {errors.error && <Notice kind="error">Could not load the errors: {errors.error}</Notice>}
      {errors.data?.partial && (
        <Notice kind="info">Redis is unavailable: older errors are missing until it is back.</Notice>
      )}
      {errors.data && events.length === 0 && <p class="muted event-no-errors">No errors in this range.</p>}
      {events.length > 0 && <EventErrors events={events} />}
      {errors.data?.nextCursor && limit < ERROR_MAX && (
        <p>
          <button type="button" class="button small" onClick={() => setLimit((n) => n + ERROR_PAGE)}>
            Show more
          </button>
        </p>
      )}
    </section>
  );
}

/**
 * Connections: every connection Vitals makes or takes, per type (GET /api/v1/events/stats, /series,
 * /events?status=error), polled every 5 s while the tab is visible.
 */
export function ConnectionsPage({ query }: PageProps) {
  const search = query.toString();
  const picked = useMemo(() => pickedOf(query), [search]);
  const now = useTick(POLL_MS);
  const window = useMemo(() => windowOf(picked, now), [picked, now]);
  const stats = useAsync(loadStats, [now]);
  const types = useMemo(() => shownTypes(stats.data?.stats ?? []), [stats.data]);
  const newest = types.reduce<number | undefined>((m, s) => {
    const t = firstTime(s.lastAt, s.lastTime);
    return t !== undefined && (m === undefined || t > m) ? t : m;
  }, undefined);

  const setRange = (next: RangeId, custom?: { from: number; to: number }) => {
    const q = custom ? `range=custom&from=${custom.from}&to=${custom.to}` : `range=${next}`;
    navigate(`/connections?${q}`, { replace: true });
  };

  return (
    <>
      <div class="page-head">
        <h1 tabIndex={-1}>Connections</h1>
        <p class="muted">
          {formatDateTime(window.from)} – {window.rolling ? 'now' : formatDateTime(window.to)} · updated every{' '}
          {POLL_MS / 1000} s · newest event {formatDateTime(newest)}
        </p>
      </div>
      <div class="toolbar">
        <RangePicker range={picked.range} from={window.from} to={window.to} onChange={setRange} />
      </div>
      {stats.error && <Notice kind="error">Could not load the connection events: {stats.error}</Notice>}
      {stats.data && types.length === 0 && <EmptyState />}
      {types.length > 0 && (
        <>
          <section aria-labelledby="events-types">
            <h2 id="events-types">Per type</h2>
            <EventStatsTable stats={types} now={now} />
          </section>
          <section aria-labelledby="events-timelines">
            <h2 id="events-timelines">Timelines</h2>
            <p class="muted small">
              Events and errors per minute (left axis), latency p50 to p95 as a band (right axis).
            </p>
            <div class="charts event-charts">
              {types.map((s) => (
                <TypeChart key={s.type} stats={s} window={window} />
              ))}
            </div>
          </section>
          <RecentErrors types={types.map((s) => s.type)} window={window} tick={now} />
        </>
      )}
    </>
  );
}
