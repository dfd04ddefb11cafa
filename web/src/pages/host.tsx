import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, download, messageOf } from '../api/client.ts';
import { useLiveEvents } from '../api/live.ts';
import type { Host, LatestResponse } from '../api/types.ts';
import { alignedFor } from '../charts/fold.ts';
import { isRangeId, type RangeId, rangeMs, type TimeWindow } from '../charts/ranges.ts';
import { chartSpecs } from '../charts/specs.ts';
import { useHostSeries } from '../charts/use-host-series.ts';
import { HostAlertBadges } from '../components/alert-badges.tsx';
import { Link } from '../components/link.tsx';
import { Notice } from '../components/notice.tsx';
import { RangePicker } from '../components/range-picker.tsx';
import { TimeChart } from '../components/time-chart.tsx';
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

/** One host: its charts over a chosen range with min/max bands, live while the range ends now. */
export function HostPage({ params, query }: PageProps) {
  const id = params.id ?? '';
  const path = `/api/v1/hosts/${encodeURIComponent(id)}`;
  const host = useAsync((signal) => api<Host>(path, { signal }), [id]);
  const latest = useAsync((signal) => api<LatestResponse>(`${path}/metrics/latest`, { signal }), [id]);
  const search = query.toString();
  const { range, window } = useMemo(() => windowOf(query), [search]);
  const grid = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(0);
  const [status, setStatus] = useState<{ kind: 'error' | 'info'; text: string } | undefined>(undefined);

  useEffect(() => {
    const el = grid.current;
    if (!el) return undefined;
    const observer = new ResizeObserver(() => setWidth(chartWidth(el.clientWidth)));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  const specs = useMemo(() => chartSpecs((latest.data?.metrics ?? []).map((m) => m.series)), [latest.data]);
  const keys = useMemo(() => specs.flatMap((s) => s.lines.map((l) => l.key)), [specs]);
  const { series, error } = useHostSeries(id, keys, window, width);
  // A host that had not reported yet gets its charts with its first live sample.
  useLiveEvents(
    (event) => {
      if (event.type === 'samples' && event.host === id && specs.length === 0) latest.reload();
    },
    [id, specs.length],
  );
  const data = useMemo(() => (series ? specs.map((spec) => alignedFor(spec, series)) : []), [series, specs]);

  const setRange = (next: RangeId, custom?: { from: number; to: number }) => {
    const q = custom ? `range=custom&from=${custom.from}&to=${custom.to}` : `range=${next}`;
    navigate(`/hosts/${encodeURIComponent(id)}?${q}`, { replace: true });
  };
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

  const name = host.data?.name ?? id;
  return (
    <>
      <div class="page-head">
        <h1 tabIndex={-1}>{name}</h1>
        <HostAlertBadges host={id} name={name} />
        <p class="muted">
          {host.data ? `${collectorText(host.data)} · ` : ''}
          {formatDateTime(window.from)} – {window.rolling ? 'now (live)' : formatDateTime(window.to)}
          {series ? ` · ${formatSeconds(series.step / 1000)} buckets` : ''}
          {(host.data?.collector.kind === 'redis' || id === 'vitals-redis') && (
            <>
              {' · '}
              <Link href={`/redis/${encodeURIComponent(id)}`}>Redis view</Link>
            </>
          )}
        </p>
      </div>
      <div class="toolbar">
        <RangePicker range={range} from={window.from} to={window.to} onChange={setRange} />
        <button type="button" class="button" onClick={exportCsv}>
          Export CSV
        </button>
      </div>
      {status && <Notice kind={status.kind}>{status.text}</Notice>}
      {(host.error || latest.error || error) && (
        <Notice kind="error">{host.error ?? latest.error ?? error}</Notice>
      )}
      {latest.data && specs.length === 0 && <p class="muted">This host has not reported any metric yet.</p>}
      <div class="charts" ref={grid}>
        {specs.map((spec, i) => {
          const aligned = data[i];
          return aligned ? (
            <TimeChart
              key={spec.id}
              id={spec.id}
              title={spec.title}
              labels={spec.lines.map((l) => l.label)}
              data={aligned}
              format={spec.format}
              range={spec.range}
              window={window}
            />
          ) : null;
        })}
      </div>
    </>
  );
}
