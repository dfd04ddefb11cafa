import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api } from '../api/client.ts';
import { useLiveEvents } from '../api/live.ts';
import type { HostStatus, Overview, OverviewHost, SampleValue } from '../api/types.ts';
import { fieldOf } from '../charts/series.ts';
import { AgentHelp } from '../components/agent-help.tsx';
import { HostTable } from '../components/host-table.tsx';
import { Notice } from '../components/notice.tsx';
import { foldSpark, loadSparks, SPARK_FIELDS, type Sparks } from '../lib/sparks.ts';
import { useAsync } from '../lib/use-async.ts';

type Filter = 'all' | HostStatus;

function matches(host: OverviewHost, text: string, filter: Filter): boolean {
  if (filter !== 'all' && host.status !== filter) return false;
  if (!text) return true;
  const hay = [
    host.id,
    host.name,
    host.collector,
    ...Object.entries(host.labels).map(([k, v]) => `${k}=${v}`),
  ];
  return hay.some((s) => s.toLowerCase().includes(text));
}

function asFilter(value: string): Filter {
  return value === 'up' || value === 'stale' || value === 'down' ? value : 'all';
}

/** New values from the live stream: fields as the overview names them, newest timestamp. */
function applySamples(host: OverviewHost, samples: Record<string, [number, SampleValue]>): OverviewHost {
  const latest: Record<string, SampleValue> = { ...host.latest };
  let lastSeen = host.lastSeen ?? 0;
  for (const [key, [t, v]] of Object.entries(samples)) {
    latest[fieldOf(key)] = v;
    lastSeen = Math.max(lastSeen, t);
  }
  return { ...host, latest, lastSeen, status: 'up' };
}

/** Every host at a glance, kept current by the live stream (and a full reload every 30 s). */
export function OverviewPage() {
  const overview = useAsync((signal) => api<Overview>('/api/v1/overview', { signal }), [], 30_000);
  const [sparks, setSparks] = useState<Sparks>(new Map());
  const [text, setText] = useState('');
  const [filter, setFilter] = useState<Filter>('all');
  const [now, setNow] = useState(Date.now());
  const search = useRef<HTMLInputElement>(null);
  const hostIds = (overview.data?.hosts ?? []).map((h) => h.id).join(',');

  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), 5000);
    return () => window.clearInterval(timer);
  }, []);
  useEffect(() => {
    if (!hostIds) return undefined;
    const controller = new AbortController();
    loadSparks(hostIds.split(','), controller.signal).then(setSparks, () => undefined);
    return () => controller.abort();
  }, [hostIds]);
  useEffect(() => {
    if (overview.data) performance.mark('vitals:overview-ready');
  }, [overview.data]);
  useEffect(() => {
    // "/" jumps to the search box, as in many dashboards.
    const onKey = (e: KeyboardEvent) => {
      const typing = e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement;
      if (e.key === '/' && !typing) {
        e.preventDefault();
        search.current?.focus();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  useLiveEvents((event) => {
    if (event.type === 'host') {
      overview.reload();
      return;
    }
    overview.set(
      (o) =>
        o && { ...o, hosts: o.hosts.map((h) => (h.id === event.host ? applySamples(h, event.samples) : h)) },
    );
    const points = new Map(Object.entries(event.samples).map(([key, p]) => [fieldOf(key), p]));
    const spark = new Map(
      [...points].filter(([field]) => (SPARK_FIELDS as readonly string[]).includes(field)),
    );
    if (spark.size > 0) setSparks((s) => foldSpark(s, event.host, spark));
  }, []);

  const hosts = overview.data?.hosts ?? [];
  const shown = useMemo(
    () => hosts.filter((h) => matches(h, text.trim().toLowerCase(), filter)),
    [hosts, text, filter],
  );
  const counts = { up: 0, stale: 0, down: 0 };
  for (const h of hosts) counts[h.status]++;

  return (
    <>
      <div class="page-head">
        <h1 tabIndex={-1}>Overview</h1>
        <p class="muted" aria-live="polite">
          {hosts.length} hosts · {counts.up} up · {counts.stale} stale · {counts.down} down
        </p>
      </div>
      {overview.error && <Notice kind="error">Could not load the overview: {overview.error}</Notice>}
      {overview.data && hosts.length === 0 && <AgentHelp />}
      {hosts.length > 0 && (
        <>
          <form class="toolbar" aria-label="Filter hosts" onSubmit={(e) => e.preventDefault()}>
            <label for="host-search">Search hosts</label>
            <input
              id="host-search"
              ref={search}
              type="search"
              placeholder="name, id or label (press /)"
              value={text}
              onInput={(e) => setText(e.currentTarget.value)}
            />
            <label for="status-filter">Status</label>
            <select
              id="status-filter"
              value={filter}
              onChange={(e) => setFilter(asFilter(e.currentTarget.value))}
            >
              <option value="all">All</option>
              <option value="up">Up</option>
              <option value="stale">Stale</option>
              <option value="down">Down</option>
            </select>
            <span class="muted" aria-live="polite">
              {shown.length} shown
            </span>
          </form>
          <HostTable hosts={shown} sparks={sparks} now={now} />
        </>
      )}
      {!overview.data && !overview.error && <p class="muted">Loading…</p>}
    </>
  );
}
