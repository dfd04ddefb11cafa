import type { ShownEvent } from '../api/events.ts';
import { formatDateTime } from '../lib/format.ts';
import { formatMs } from './redis-series.ts';

function metaText(meta: ShownEvent['meta']): string {
  if (!meta) return '';
  return Object.entries(meta)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ');
}

/** The recent errors, newest first: when (date and time), type, message, latency and details. */
export function EventErrors(props: { readonly events: readonly ShownEvent[] }) {
  return (
    <div class="table-wrap">
      <table class="event-errors">
        <caption class="sr-only">Recent connection errors, newest first</caption>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Type</th>
            <th scope="col">Message</th>
            <th scope="col">Latency</th>
            <th scope="col">Details</th>
          </tr>
        </thead>
        <tbody>
          {props.events.map((e) => (
            <tr key={e.id} data-event={e.id} data-type={e.type}>
              <td class="nowrap">
                {e.atMs === undefined ? (
                  <span class="muted">N/A</span>
                ) : (
                  <time dateTime={new Date(e.atMs).toISOString()}>{formatDateTime(e.atMs)}</time>
                )}
              </td>
              <td>
                <a href={`#events-${e.type}`}>{e.type}</a>
              </td>
              <td class="event-message">{e.message ?? <span class="muted">no message</span>}</td>
              <td class="num">{formatMs(e.latencyMs)}</td>
              <td class="muted small event-meta">{metaText(e.meta)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
