import type { OverviewHost } from '../api/types.ts';
import { formatAgo, formatDateTime } from '../lib/format.ts';
import { displayNames } from '../lib/host-names.ts';
import type { Sparks } from '../lib/sparks.ts';
import { HostAlertBadges } from './alert-badges.tsx';
import { Link } from './link.tsx';
import { Sparkline } from './sparkline.tsx';
import { Meter, StatusBadge } from './status.tsx';

export interface HostTableProps {
  readonly hosts: readonly OverviewHost[];
  readonly sparks: Sparks;
  readonly now: number;
}

/** Every host: status, CPU / RAM / disk against its thresholds, the last hour of CPU and RAM. */
export function HostTable({ hosts, sparks, now }: HostTableProps) {
  const names = displayNames(hosts);
  return (
    <div class="table-wrap">
      <table class="hosts">
        <caption class="sr-only">Hosts, their status and newest values</caption>
        <thead>
          <tr>
            <th scope="col">Host</th>
            <th scope="col">Status</th>
            <th scope="col">CPU</th>
            <th scope="col">RAM</th>
            <th scope="col">Disk /</th>
            <th scope="col">Last seen</th>
          </tr>
        </thead>
        <tbody>
          {hosts.map((host) => {
            const spark = sparks.get(host.id);
            const name = names.get(host.id) ?? host.name;
            return (
              <tr key={host.id} data-host={host.id}>
                <th scope="row">
                  <Link href={`/hosts/${encodeURIComponent(host.id)}`}>{name}</Link>
                  <HostAlertBadges host={host.id} name={name} />
                  {(host.collector === 'redis' || host.id === 'vitals-redis') && (
                    <>
                      {' '}
                      <Link
                        href={`/redis/${encodeURIComponent(host.id)}`}
                        class="small"
                        label={`Redis view of ${name}`}
                      >
                        Redis view
                      </Link>
                    </>
                  )}
                  {name === host.name && host.name !== host.id && (
                    <span class="muted small block">{host.id}</span>
                  )}
                  <Labels labels={host.labels} />
                </th>
                <td>
                  <StatusBadge status={host.status} />
                </td>
                <td>
                  <Meter label="CPU" value={host.latest.cpu} threshold={host.thresholds.cpu} />
                  <Sparkline values={spark?.values.cpu ?? []} max={100} label={`${name} CPU, last hour`} />
                </td>
                <td>
                  <Meter label="RAM" value={host.latest.memory} threshold={host.thresholds.memory} />
                  <Sparkline values={spark?.values.memory ?? []} max={100} label={`${name} RAM, last hour`} />
                </td>
                <td>
                  <Meter label="Disk" value={host.latest.disk} threshold={host.thresholds.disk} />
                </td>
                <td>
                  <time title={formatDateTime(host.lastSeen)}>{formatAgo(host.lastSeen, now)}</time>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function Labels({ labels }: { readonly labels: Readonly<Record<string, string>> }) {
  const entries = Object.entries(labels);
  if (entries.length === 0) return null;
  return (
    <span class="labels">
      {entries.map(([k, v]) => (
        <span key={k} class="label">
          {k}={v}
        </span>
      ))}
    </span>
  );
}
