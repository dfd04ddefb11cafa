import { loadAlert } from '../api/alerts.ts';
import { formatDateTime } from '../lib/format.ts';
import { useAsync } from '../lib/use-async.ts';
import { ACTION_TEXT } from './alert-text.ts';
import { Notice } from './notice.tsx';

/** One alert's transitions, oldest first: when, what, who, with the note given. */
export function AlertHistory({ id, version }: { readonly id: string; readonly version: number }) {
  const detail = useAsync((signal) => loadAlert(id, signal), [id, version]);
  if (detail.error) return <Notice kind="error">Could not load the history: {detail.error}</Notice>;
  const history = detail.data?.history;
  if (!history) return <p class="muted small">Loading the history…</p>;
  if (history.length === 0) return <p class="muted small">No transitions recorded.</p>;
  return (
    <ol class="alert-history" aria-label="History">
      {[...history]
        .sort((a, b) => a.seq - b.seq)
        .map((t) => (
          <li key={t.seq} data-action={t.action}>
            <time>{formatDateTime(t.at)}</time> <strong>{ACTION_TEXT[t.action] ?? t.action}</strong>
            {t.by && <> by {t.by}</>}
            {t.note && <q class="note">{t.note}</q>}
          </li>
        ))}
    </ol>
  );
}
