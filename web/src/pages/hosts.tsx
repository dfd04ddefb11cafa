import { useState } from 'preact/hooks';
import { api, messageOf } from '../api/client.ts';
import type { Host, HostInput } from '../api/types.ts';
import { HostForm } from '../components/host-form.tsx';
import { Link } from '../components/link.tsx';
import { Notice } from '../components/notice.tsx';
import { formatSeconds } from '../lib/format.ts';
import { useAsync } from '../lib/use-async.ts';

type Editing = { mode: 'add' } | { mode: 'edit'; host: Host } | undefined;

/** Hosts: list, add, edit (collector, interval, thresholds), delete. Changes need an admin token. */
export function HostsPage() {
  const hosts = useAsync((signal) => api<{ hosts: Host[] }>('/api/v1/hosts', { signal }), []);
  const [editing, setEditing] = useState<Editing>(undefined);
  const [status, setStatus] = useState<{ kind: 'error' | 'success'; text: string } | undefined>(undefined);

  const save = async (input: HostInput) => {
    try {
      if (editing?.mode === 'edit') {
        await api(`/api/v1/hosts/${encodeURIComponent(editing.host.id)}`, { method: 'PATCH', body: input });
        setStatus({ kind: 'success', text: `Saved ${input.name ?? editing.host.name}.` });
      } else {
        const created = await api<Host>('/api/v1/hosts', { method: 'POST', body: input });
        setStatus({ kind: 'success', text: `Added ${created.name}.` });
      }
      setEditing(undefined);
      hosts.reload();
    } catch (err: unknown) {
      setStatus({ kind: 'error', text: messageOf(err) });
    }
  };
  const remove = async (host: Host) => {
    if (!window.confirm(`Delete ${host.name}? Its stored metrics stay until they age out.`)) return;
    try {
      await api(`/api/v1/hosts/${encodeURIComponent(host.id)}`, { method: 'DELETE' });
      setStatus({ kind: 'success', text: `Deleted ${host.name}.` });
      hosts.reload();
    } catch (err: unknown) {
      setStatus({ kind: 'error', text: messageOf(err) });
    }
  };

  return (
    <>
      <div class="page-head">
        <h1 tabIndex={-1}>Hosts</h1>
        <button
          type="button"
          class="button primary"
          onClick={() => setEditing({ mode: 'add' })}
          disabled={editing?.mode === 'add'}
        >
          Add host
        </button>
      </div>
      {status && <Notice kind={status.kind}>{status.text}</Notice>}
      {hosts.error && <Notice kind="error">Could not load hosts: {hosts.error}</Notice>}
      {editing && (
        <HostForm
          key={editing.mode === 'edit' ? editing.host.id : 'add'}
          host={editing.mode === 'edit' ? editing.host : undefined}
          onSubmit={save}
          onCancel={() => setEditing(undefined)}
        />
      )}
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Host</th>
              <th scope="col">Collector</th>
              <th scope="col">Interval</th>
              <th scope="col">Thresholds CPU / RAM / disk</th>
              <th scope="col">
                <span class="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {(hosts.data?.hosts ?? []).map((host) => (
              <tr key={host.id} data-host={host.id}>
                <th scope="row">
                  <Link href={`/hosts/${encodeURIComponent(host.id)}`}>{host.name}</Link>
                  <span class="muted small block">{host.id}</span>
                </th>
                <td>
                  {host.collector.kind}
                  {host.metricsEnabled ? '' : ' (off)'}
                </td>
                <td>
                  {host.collector.kind === 'push'
                    ? 'pushed by its agent'
                    : `every ${formatSeconds(host.metricsInterval)}`}
                </td>
                <td>
                  {host.thresholds.cpu} / {host.thresholds.memory} / {host.thresholds.disk} %
                </td>
                <td class="row-actions">
                  <button
                    type="button"
                    class="button small"
                    onClick={() => setEditing({ mode: 'edit', host })}
                    aria-label={`Edit ${host.name}`}
                  >
                    Edit
                  </button>
                  <button
                    type="button"
                    class="button small danger"
                    onClick={() => remove(host)}
                    aria-label={`Delete ${host.name}`}
                  >
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
