import { useState } from 'preact/hooks';
import { api, messageOf } from '../api/client.ts';
import { collectNow, loadFailedJobs, loadQueue, type QueueFigures, queueAction } from '../api/queue.ts';
import type { Host } from '../api/types.ts';
import { Notice } from '../components/notice.tsx';
import { formatDateTime } from '../lib/format.ts';
import { useAsync } from '../lib/use-async.ts';

function Figures({ queue }: { readonly queue: QueueFigures }) {
  const { counts, throughput } = queue;
  const figures: Array<[string, string, number]> = [
    ['waiting', 'Waiting', counts.waiting],
    ['active', 'Active', counts.active],
    ['delayed', 'Delayed', counts.delayed],
    ['completed', 'Completed', counts.completed],
    ['failed', 'Failed', counts.failed],
    ['schedulers', 'Scheduled hosts', queue.schedulers],
  ];
  return (
    <>
      <dl class="figures">
        {figures.map(([id, label, value]) => (
          <div key={id} class={`figure figure-${id}`}>
            <dt>{label}</dt>
            <dd>{value.toLocaleString()}</dd>
          </div>
        ))}
      </dl>
      <p class="muted small">
        Whole queue, last {throughput.windowMinutes} min: {throughput.completedPerMinute} completed / min,{' '}
        {throughput.failedPerMinute} failed / min ({throughput.completedTotal.toLocaleString()} completed,{' '}
        {throughput.failedTotal.toLocaleString()} failed in all).
      </p>
    </>
  );
}

/** The collection queue: figures, pause / resume / clean, collect now, and the failed jobs with reasons. */
export function QueuePage() {
  const queue = useAsync(loadQueue, [], 5000);
  const failed = useAsync(loadFailedJobs, [queue.data?.counts.failed], undefined);
  const hosts = useAsync((signal) => api<{ hosts: Host[] }>('/api/v1/hosts', { signal }), []);
  const [host, setHost] = useState('');
  const [status, setStatus] = useState<{ kind: 'error' | 'success'; text: string } | undefined>(undefined);
  const [busy, setBusy] = useState(false);

  const run = async (label: string, action: () => Promise<unknown>) => {
    setBusy(true);
    try {
      await action();
      setStatus({ kind: 'success', text: `${label}: done.` });
      queue.reload();
    } catch (err: unknown) {
      setStatus({ kind: 'error', text: `${label} failed: ${messageOf(err)}` });
    } finally {
      setBusy(false);
    }
  };
  const pulled = (hosts.data?.hosts ?? []).filter((h) => h.collector.kind !== 'push');
  const paused = queue.data?.paused === true;

  return (
    <>
      <div class="page-head">
        <h1 tabIndex={-1}>Collection queue</h1>
        <p class="muted" aria-live="polite">
          Scheduled pulls over SSH, Prometheus and Redis.{' '}
          {queue.data
            ? paused
              ? `Paused since ${formatDateTime(queue.data.pausedSince)}.`
              : 'Running.'
            : ''}
        </p>
      </div>
      {queue.error && <Notice kind="error">Could not load the queue: {queue.error}</Notice>}
      {status && <Notice kind={status.kind}>{status.text}</Notice>}
      {queue.data && <Figures queue={queue.data} />}
      <fieldset class="toolbar plain">
        <legend class="sr-only">Queue actions</legend>
        {paused ? (
          <button
            type="button"
            class="button primary"
            disabled={busy}
            onClick={() => run('Resume', () => queueAction('resume'))}
          >
            Resume
          </button>
        ) : (
          <button
            type="button"
            class="button"
            disabled={busy}
            onClick={() => run('Pause', () => queueAction('pause'))}
          >
            Pause
          </button>
        )}
        <button
          type="button"
          class="button"
          disabled={busy}
          onClick={() => run('Clean', () => queueAction('clean'))}
        >
          Clean old jobs
        </button>
        <button
          type="button"
          class="button"
          disabled={busy}
          onClick={() => run('Collect all', () => collectNow())}
        >
          Collect all now
        </button>
        <label for="collect-host">Host</label>
        <select id="collect-host" value={host} onChange={(e) => setHost(e.currentTarget.value)}>
          <option value="">Choose a host…</option>
          {pulled.map((h) => (
            <option key={h.id} value={h.id}>
              {h.name}
            </option>
          ))}
        </select>
        <button
          type="button"
          class="button"
          disabled={busy || !host}
          onClick={() => run(`Collect ${host}`, () => collectNow(host))}
        >
          Collect now
        </button>
      </fieldset>
      <h2>Failed jobs</h2>
      {failed.error && <Notice kind="error">Could not load failed jobs: {failed.error}</Notice>}
      {failed.data && failed.data.length === 0 && <p class="muted">No failed jobs.</p>}
      {failed.data && failed.data.length > 0 && (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Host</th>
                <th scope="col">Failed at</th>
                <th scope="col">Trigger</th>
                <th scope="col">Attempts</th>
                <th scope="col">Reason</th>
              </tr>
            </thead>
            <tbody>
              {failed.data.map((job) => (
                <tr key={job.id}>
                  <td>{job.host}</td>
                  <td>{formatDateTime(job.failedAt)}</td>
                  <td>{job.trigger}</td>
                  <td>{job.attemptsMade}</td>
                  <td class="reason">{job.reason}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
