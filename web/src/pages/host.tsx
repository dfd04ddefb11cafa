import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, download, messageOf } from '../api/client.ts';
import { useLiveEvents } from '../api/live.ts';
import type { Host, SeriesListResponse } from '../api/types.ts';
import { type Selection, selectionOf, withSelection } from '../charts/picked.ts';
import { isRangeId, type RangeId, rangeMs, type TimeWindow } from '../charts/ranges.ts';
import { chartSpecs } from '../charts/specs.ts';
import { useChartData } from '../charts/use-chart-data.ts';
import { HostAlertBadges } from '../components/alert-badges.tsx';
import { AllSeries } from '../components/all-series.tsx';
import { ChartGrid } from '../components/chart-grid.tsx';
import { HostMeters } from '../components/host-meters.tsx';
import { Link } from '../components/link.tsx';
import { Notice } from '../components/notice.tsx';
import { RangePicker } from '../components/range-picker.tsx';
import { formatDateTime, formatSeconds } from '../lib/format.ts';
import { useAsync } from '../lib/use-async.ts';
import { navigate } from '../router.ts';
import type { PageProps } from './registry.ts';

function collectorText(host: Host): string {
  return host.collector.kind === 'push'
    ? 'agent push'
    : `${host.collector.kind} every ${formatSeconds(host.metricsInterval)}`;
}

/** Chart width in the grid (`.charts`: columns of at least 520 px, 16 px apart). */
function chartWidth(gridWidth: number): number {
  const columns = Math.max(1, Math.floor((gridWidth + 16) / (520 + 16)));
  return (gridWidth - (columns - 1) * 16) / columns;
}

function windowOf(query: URLSearchParams): { range: RangeId; window: TimeWindow } {
  const raw = query.get('range');
  const range: RangeId = isRangeId(raw) ? raw : '1h';
  const from = Number(query.get('from'));
  const to = Number(query.get('to'));
  if (range === 'custom' && from > 0 && to > from) return { range, window: { from, to, rolling: false } };
  const now = Date.now();
  return {
    range: range === 'custom' ? '1h' : range,
    window: { from: now - (rangeMs(range) ?? 3_600_000), to: now, rolling: true },
  };
}

/** Name, alert badges, collector, the shown window and its bucket width, a link to the Redis view. */
function HostHead(props: {
  readonly id: string;
  readonly host: Host | undefined;
  readonly window: TimeWindow;
  readonly step: number | undefined;
}) {
  const { id, host, window, step } = props;
  const name = host?.name ?? id;
  return (
    <div class="page-head">
      <h1 tabIndex={-1}>{name}</h1>
      <HostAlertBadges host={id} name={name} />
      <p class="muted">
        {host ? `${collectorText(host)} · ` : ''}
        {formatDateTime(window.from)} – {window.rolling ? 'now (live)' : formatDateTime(window.to)}
        {step ? ` · ${formatSeconds(step / 1000)} buckets` : ''}
        {(host?.collector.kind === 'redis' || id === 'vitals-redis') && (
          <>
            {' · '}
            <Link href={`/redis/${encodeURIComponent(id)}`}>Redis view</Link>
          </>
        )}
      </p>
    </div>
  );
}

/** `range` (and a custom range's bounds) first, then the rest of `query` (the picked series) as it was. */
function rangeQuery(query: URLSearchParams, range: RangeId, custom?: { from: number; to: number }): string {
  const q = new URLSearchParams(
    custom ? { range: 'custom', from: String(custom.from), to: String(custom.to) } : { range },
  );
  for (const [k, v] of query) if (k !== 'range' && k !== 'from' && k !== 'to') q.append(k, v);
  return q.toString();
}

/** Series the page lists for the picker at most (as many as a host may have by default). */
const SERIES_LISTED = 10_000;

/**
 * One host: its standard charts (CPU, memory, disk from whichever names the host uses) with its
 * thresholds, then every series it has with a picker; over a chosen range, live while it ends now.
 */
export function HostPage({ params, query }: PageProps) {
  const id = params.id ?? '';
  const path = `/api/v1/hosts/${encodeURIComponent(id)}`;
  const host = useAsync((signal) => api<Host>(path, { signal }), [id]);
  const list = useAsync(
    (signal) => api<SeriesListResponse>(`${path}/series`, { query: { limit: SERIES_LISTED }, signal }),
    [id],
  );
  const search = query.toString();
  const { range, window } = useMemo(() => windowOf(query), [search]);
  const selection = useMemo(() => selectionOf(query), [search]);
  const content = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(0);
  const [status, setStatus] = useState<{ kind: 'error' | 'info'; text: string } | undefined>(undefined);

  useEffect(() => {
    const el = content.current;
    if (!el) return undefined;
    const observer = new ResizeObserver(() => setWidth(chartWidth(el.clientWidth)));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  const entries = list.data?.series ?? [];
  const specs = useMemo(() => chartSpecs(entries.map((e) => e.key)), [list.data]);
  // A pulled host's samples come once per interval: buckets no finer, so its lines stay lines.
  const pulled = host.data && host.data.collector.kind !== 'push' ? host.data.metricsInterval * 1000 : 0;
  const chartsWidth = host.data || host.error ? width : 0;
  const standard = useChartData(id, specs, window, chartsWidth, pulled);
  const total = list.data?.total ?? 0;
  // A host that had not reported yet gets its charts and series with its first live sample.
  useLiveEvents(
    (event) => {
      if (event.type === 'samples' && event.host === id && list.data && total === 0) list.reload();
    },
    [id, list.data, total],
  );

  const go = (q: string) => navigate(`/hosts/${encodeURIComponent(id)}?${q}`, { replace: true });
  const setRange = (next: RangeId, custom?: { from: number; to: number }) =>
    go(rangeQuery(query, next, custom));
  const pick = (next: Selection) => go(withSelection(query, next));
  const exportCsv = () => {
    setStatus({ kind: 'info', text: 'Preparing the CSV…' });
    const name = `${id}-${new Date(window.from).toISOString().slice(0, 16)}.csv`.replace(/:/g, '');
    download(
      `${path}/export`,
      { format: 'csv', startTime: Math.floor(window.from), endTime: Math.floor(window.to) },
      name,
    ).then(
      () => setStatus({ kind: 'info', text: 'CSV downloaded.' }),
      (err: unknown) => setStatus({ kind: 'error', text: `Export failed: ${messageOf(err)}` }),
    );
  };

  const error = host.error ?? list.error ?? standard.error;
  return (
    <>
      <HostHead id={id} host={host.data} window={window} step={standard.series?.step} />
      <div class="toolbar">
        <RangePicker range={range} from={window.from} to={window.to} onChange={setRange} />
        <button type="button" class="button" onClick={exportCsv}>
          Export CSV
        </button>
      </div>
      {status && <Notice kind={status.kind}>{status.text}</Notice>}
      {error && <Notice kind="error">{error}</Notice>}
      {list.data && total === 0 && <p class="muted">This host has not reported any metric yet.</p>}
      <div ref={content}>
        <HostMeters specs={specs} series={standard.series} thresholds={host.data?.thresholds} />
        <ChartGrid charts={standard.charts} window={window} thresholds={host.data?.thresholds} />
        {total > 0 && (
          <AllSeries
            host={id}
            entries={entries}
            total={total}
            selection={selection}
            onChange={pick}
            window={window}
            width={chartsWidth}
            minStepMs={pulled}
            alone={specs.length === 0}
          />
        )}
      </div>
    </>
  );
}
