import { firstTime, type StatsWire } from '../api/events.ts';
import { formatAgo, formatDateTime, formatPct } from '../lib/format.ts';
import { formatCount, formatMs } from './redis-series.ts';

/** What a type is, in words, for the built-in ones; custom types are named by whoever sends them. */
export const TYPE_NOTES: Readonly<Record<string, string>> = {
  redis: "Vitals' own Redis connections",
  ssh: 'SSH collections',
  'http-target': 'Prometheus / HTTP collections',
  'redis-target': 'monitored Redis collections',
  webhook: 'webhook, Slack, Discord and Alertmanager deliveries',
  smtp: 'mail deliveries',
  'agent-push': 'agents pushing samples',
  'live-client': 'live dashboard streams',
};

export function typeNote(type: string): string {
  return TYPE_NOTES[type] ?? (type.startsWith('custom.') ? 'sent to POST /api/v1/events' : '');
}

function rateClass(s: StatsWire): string {
  if (s.errors === 0) return 'rate-ok';
  return s.errorRatePct >= 20 ? 'rate-crit' : 'rate-warn';
}

/** When it happened: relative, with the date and time as the tooltip and machine-readable value. */
export function When(props: { readonly at: unknown; readonly iso?: unknown; readonly now: number }) {
  const t = firstTime(props.at, props.iso);
  if (t === undefined) return <span class="muted">N/A</span>;
  return (
    <time dateTime={new Date(t).toISOString()} title={formatDateTime(t)}>
      {formatAgo(t, props.now)}
    </time>
  );
}

/** Per type: events, errors, error rate, the last error with its message, latency percentiles. */
export function EventStatsTable(props: { readonly stats: readonly StatsWire[]; readonly now: number }) {
  return (
    <div class="table-wrap">
      <table class="event-stats">
        <caption class="sr-only">Connection events per type over the kept events</caption>
        <thead>
          <tr>
            <th scope="col">Type</th>
            <th scope="col">Events</th>
            <th scope="col">Errors</th>
            <th scope="col">Error rate</th>
            <th scope="col">Last event</th>
            <th scope="col">Last error</th>
            <th scope="col">p50</th>
            <th scope="col">p95</th>
            <th scope="col">p99</th>
          </tr>
        </thead>
        <tbody>
          {props.stats.map((s) => (
            <tr key={s.type} data-type={s.type}>
              <th scope="row">
                <a href={`#events-${s.type}`}>{s.type}</a>
                <span class="block muted small">{typeNote(s.type)}</span>
              </th>
              <td class="num" data-stat="count">
                {formatCount(s.count)}
              </td>
              <td class="num" data-stat="errors">
                {formatCount(s.errors)}
              </td>
              <td class={`num ${rateClass(s)}`} data-stat="error-rate">
                {formatPct(s.errorRatePct)}
              </td>
              <td data-stat="last">
                <When at={s.lastAt} iso={s.lastTime} now={props.now} />
              </td>
              <td data-stat="last-error">
                {s.lastError ? (
                  <>
                    <When at={s.lastError.at} iso={s.lastError.time} now={props.now} />
                    {s.lastError.message && <span class="block event-message">{s.lastError.message}</span>}
                  </>
                ) : (
                  <span class="muted">none</span>
                )}
              </td>
              <td class="num" data-stat="p50">
                {formatMs(s.latency.p50)}
              </td>
              <td class="num" data-stat="p95">
                {formatMs(s.latency.p95)}
              </td>
              <td class="num" data-stat="p99">
                {formatMs(s.latency.p99)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
