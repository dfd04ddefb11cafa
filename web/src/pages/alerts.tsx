import { useEffect, useState } from 'preact/hooks';
import {
  type AlertFilter,
  type AlertTab,
  loadAlerts,
  loadRules,
  SEVERITIES,
  type Severity,
  useAlertSummary,
} from '../api/alerts.ts';
import { api } from '../api/client.ts';
import type { Host } from '../api/types.ts';
import { AlertCard } from '../components/alert-card.tsx';
import { SEVERITY_TEXT } from '../components/alert-text.ts';
import { Link } from '../components/link.tsx';
import { Notice } from '../components/notice.tsx';
import { useAsync } from '../lib/use-async.ts';
import { navigate } from '../router.ts';
import '../styles/alerts.css';
import type { PageProps } from './registry.ts';

const TABS: ReadonlyArray<{ id: AlertTab; label: string }> = [
  { id: 'active', label: 'Active' },
  { id: 'acknowledged', label: 'Acknowledged' },
  { id: 'resolved', label: 'Resolved' },
];

function tabOf(query: URLSearchParams): AlertTab {
  const t = query.get('tab');
  return t === 'acknowledged' || t === 'resolved' ? t : 'active';
}

function filterOf(query: URLSearchParams): AlertFilter {
  const severity = query.get('severity');
  return {
    severity: severity === 'critical' || severity === 'warning' ? severity : undefined,
    host: query.get('host') || undefined,
    rule: query.get('rule') || undefined,
  };
}

/** `/alerts?tab=&severity=&host=&rule=`: the page's state lives in its address, so links can filter it. */
function hrefOf(tab: AlertTab, filter: AlertFilter): string {
  const q = new URLSearchParams();
  if (tab !== 'active') q.set('tab', tab);
  for (const [k, v] of Object.entries(filter)) if (v) q.set(k, String(v));
  const s = q.toString();
  return s ? `/alerts?${s}` : '/alerts';
}

/** Alerts: active (pending, firing), acknowledged and resolved ones, filtered; act on each; its history. */
export function AlertsPage({ query }: PageProps) {
  const tab = tabOf(query);
  const filter = filterOf(query);
  const key = hrefOf(tab, filter);
  // Another tab's or filter's list would be wrong under this one: "Loading…" until this one is in.
  const alerts = useAsync((signal) => loadAlerts(tab, filter, signal), [key], 10_000, {
    keepAcrossDeps: false,
  });
  const rules = useAsync(loadRules, []);
  const hosts = useAsync((signal) => api<{ hosts: Host[] }>('/api/v1/hosts', { signal }), []);
  const summary = useAlertSummary();
  const [status, setStatus] = useState<string | undefined>(undefined);
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), 5000);
    return () => window.clearInterval(timer);
  }, []);

  const setFilter = (change: Partial<AlertFilter>) =>
    navigate(hrefOf(tab, { ...filter, ...change }), { replace: true });
  const counts: Record<AlertTab, number | undefined> = {
    active: summary ? (summary.byStatus.pending ?? 0) + (summary.byStatus.firing ?? 0) : undefined,
    acknowledged: summary?.byStatus.acknowledged,
    resolved: undefined,
  };
  const list = alerts.data?.alerts ?? [];

  return (
    <>
      <div class="page-head">
        <h1 tabIndex={-1}>Alerts</h1>
        <p class="muted" aria-live="polite">
          {summary &&
            `${summary.byStatus.firing ?? 0} firing · ${summary.byStatus.pending ?? 0} pending · ${summary.byStatus.acknowledged ?? 0} acknowledged · ${summary.silenced ?? 0} silenced · ${summary.byStatus.resolved ?? 0} resolved in 24 h · `}
          <Link href="/alerts/rules">Rules</Link> · <Link href="/silences">Silences</Link>
        </p>
      </div>
      <nav class="tabs" aria-label="Alert status">
        {TABS.map((t) => (
          <Link key={t.id} href={hrefOf(t.id, filter)} current={t.id === tab}>
            {t.label}
            {counts[t.id] !== undefined && <span class="tab-count">{counts[t.id]}</span>}
          </Link>
        ))}
      </nav>
      <form class="toolbar" aria-label="Filter alerts" onSubmit={(e) => e.preventDefault()}>
        <label for="alert-severity">Severity</label>
        <select
          id="alert-severity"
          value={filter.severity ?? ''}
          onChange={(e) => {
            const v = e.currentTarget.value;
            setFilter({
              severity: (SEVERITIES as readonly string[]).includes(v) ? (v as Severity) : undefined,
            });
          }}
        >
          <option value="">All</option>
          {SEVERITIES.map((s) => (
            <option key={s} value={s}>
              {SEVERITY_TEXT[s]}
            </option>
          ))}
        </select>
        <label for="alert-host">Host</label>
        <select
          id="alert-host"
          value={filter.host ?? ''}
          onChange={(e) => setFilter({ host: e.currentTarget.value || undefined })}
        >
          <option value="">All</option>
          {filter.host && !hosts.data?.hosts.some((h) => h.id === filter.host) && (
            <option value={filter.host}>{filter.host}</option>
          )}
          {(hosts.data?.hosts ?? []).map((h) => (
            <option key={h.id} value={h.id}>
              {h.name}
            </option>
          ))}
        </select>
        <label for="alert-rule">Rule</label>
        <select
          id="alert-rule"
          value={filter.rule ?? ''}
          onChange={(e) => setFilter({ rule: e.currentTarget.value || undefined })}
        >
          <option value="">All</option>
          {filter.rule && !rules.data?.some((r) => r.id === filter.rule) && (
            <option value={filter.rule}>{filter.rule}</option>
          )}
          {(rules.data ?? []).map((r) => (
            <option key={r.id} value={r.id}>
              {r.name}
            </option>
          ))}
        </select>
        <span class="muted" aria-live="polite">
          {alerts.data ? `${list.length} shown` : ''}
        </span>
      </form>
      {status && <Notice kind="success">{status}</Notice>}
      {alerts.error && <Notice kind="error">Could not load alerts: {alerts.error}</Notice>}
      {!alerts.data && !alerts.error && <p class="muted">Loading…</p>}
      {alerts.data && list.length === 0 && (
        <p class="muted empty-alerts">
          {tab === 'active'
            ? 'Nothing is firing or pending.'
            : tab === 'acknowledged'
              ? 'No acknowledged alerts.'
              : 'No resolved alerts in the kept history (30 days).'}
        </p>
      )}
      <div class="alert-list">
        {list.map((a) => (
          <AlertCard
            key={a.id}
            alert={a}
            now={now}
            onChanged={(message) => {
              setStatus(message);
              alerts.reload();
            }}
          />
        ))}
      </div>
    </>
  );
}
