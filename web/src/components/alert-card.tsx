import { useState } from 'preact/hooks';
import { type Alert, type AlertAction, alertAction, alertSummary } from '../api/alerts.ts';
import { messageOf } from '../api/client.ts';
import { formatAgo, formatDateTime } from '../lib/format.ts';
import { AlertStatusBadge, SeverityBadge } from './alert-badges.tsx';
import { AlertHistory } from './alert-history.tsx';
import { formatValue } from './alert-text.ts';
import { Link } from './link.tsx';
import { Notice } from './notice.tsx';

/** Expiry choices for an acknowledgement (empty: until resolved or unacknowledged). */
const EXPIRIES: ReadonlyArray<[string, string]> = [
  ['', 'No expiry'],
  ['1800000', '30 min'],
  ['3600000', '1 h'],
  ['14400000', '4 h'],
  ['86400000', '24 h'],
];

type Form = 'ack' | 'resolve' | undefined;

export interface AlertCardProps {
  readonly alert: Alert;
  readonly now: number;
  /** After an action: the list reloads. */
  readonly onChanged: (message: string) => void;
}

/** One alert: what, how bad, since when, its labels and state, the actions it allows, its history. */
export function AlertCard({ alert, now, onChanged }: AlertCardProps) {
  const [form, setForm] = useState<Form>(undefined);
  const [history, setHistory] = useState(false);
  const [version, setVersion] = useState(0);
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);

  const act = async (body: AlertAction, done: string) => {
    setBusy(true);
    try {
      await alertAction(alert.id, body);
      setForm(undefined);
      setError(undefined);
      setVersion((v) => v + 1);
      alertSummary.refresh();
      onChanged(done);
    } catch (err: unknown) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };
  const open = alert.status !== 'resolved';
  const title = alert.annotations.summary || alert.labels.alertname || alert.ruleId;

  return (
    <article
      class={`alert-card sev-border-${alert.severity}`}
      data-alert={alert.id}
      data-status={alert.status}
      aria-label={title}
    >
      <header class="alert-head">
        <SeverityBadge severity={alert.severity} />
        <AlertStatusBadge status={alert.status} />
        {alert.silencedBy.length > 0 && (
          <span
            class="badge alert-flag"
            data-flag="silenced"
            title={`Silence ${alert.silencedBy.join(', ')}`}
          >
            Silenced
          </span>
        )}
        {alert.flapping && (
          <span class="badge alert-flag" data-flag="flapping">
            Flapping
          </span>
        )}
        {alert.stale && (
          <span class="badge alert-flag" data-flag="stale" title="Its newest evaluation found no data">
            No data
          </span>
        )}
        <h3 class="alert-title">{title}</h3>
      </header>
      {alert.annotations.description && <p class="alert-description">{alert.annotations.description}</p>}
      <dl class="alert-facts">
        <div>
          <dt>Value</dt>
          <dd class="alert-value">
            {formatValue(alert.value)} <span class="muted">threshold {formatValue(alert.threshold)}</span>
          </dd>
        </div>
        <div>
          <dt>Host</dt>
          <dd>
            <Link href={`/hosts/${encodeURIComponent(alert.host)}`}>{alert.host}</Link>
            {alert.series && <span class="muted small block">{alert.series}</span>}
          </dd>
        </div>
        <div>
          <dt>Since</dt>
          <dd>
            <time title={formatDateTime(alert.startedAt)}>{formatAgo(alert.startedAt, now)}</time>
            {alert.firedAt !== undefined && (
              <span class="muted small block">fired {formatDateTime(alert.firedAt)}</span>
            )}
          </dd>
        </div>
        <div>
          <dt>Rule</dt>
          <dd>
            <Link href={`/alerts/rules/${encodeURIComponent(alert.ruleId)}`}>{alert.ruleId}</Link>
          </dd>
        </div>
      </dl>
      <AlertLabels labels={alert.labels} />
      {alert.ack && (
        <p class="alert-ack">
          Acknowledged by <strong>{alert.ack.by}</strong> {formatAgo(alert.ack.at, now)}
          {alert.ack.expiresAt !== undefined && <> until {formatDateTime(alert.ack.expiresAt)}</>}
          {alert.ack.note && <q class="note">{alert.ack.note}</q>}
        </p>
      )}
      {alert.resolvedAt !== undefined && (
        <p class="alert-resolution">
          Resolved {formatDateTime(alert.resolvedAt)}
          {alert.resolvedBy ? (
            <>
              {' '}
              by <strong>{alert.resolvedBy.by}</strong>
              {alert.resolvedBy.note && <q class="note">{alert.resolvedBy.note}</q>}
            </>
          ) : (
            ' (the condition cleared)'
          )}
        </p>
      )}
      {error && <Notice kind="error">{error}</Notice>}
      <div class="toolbar plain alert-actions">
        {(alert.status === 'firing' || alert.status === 'pending') && (
          <button type="button" class="button small" disabled={busy} onClick={() => setForm('ack')}>
            Acknowledge…
          </button>
        )}
        {alert.status === 'acknowledged' && (
          <button
            type="button"
            class="button small"
            disabled={busy}
            onClick={() => act({ action: 'unack' }, 'Unacknowledged.')}
          >
            Unacknowledge
          </button>
        )}
        {open && (
          <button type="button" class="button small" disabled={busy} onClick={() => setForm('resolve')}>
            Resolve…
          </button>
        )}
        <button
          type="button"
          class="button small"
          aria-expanded={history}
          onClick={() => setHistory((h) => !h)}
        >
          History
        </button>
      </div>
      {form && (
        <ActionForm
          kind={form}
          busy={busy}
          onCancel={() => setForm(undefined)}
          onSubmit={(note, expiresInMs) =>
            form === 'ack'
              ? act({ action: 'ack', note, expiresInMs }, 'Acknowledged.')
              : act({ action: 'resolve', note }, 'Resolved.')
          }
        />
      )}
      {history && <AlertHistory id={alert.id} version={version} />}
    </article>
  );
}

function AlertLabels({ labels }: { readonly labels: Readonly<Record<string, string>> }) {
  const entries = Object.entries(labels).filter(([k]) => k !== 'alertname');
  if (entries.length === 0) return null;
  return (
    <ul class="labels alert-labels" aria-label="Labels">
      {entries.map(([k, v]) => (
        <li key={k} class="label">
          {k}={v}
        </li>
      ))}
    </ul>
  );
}

function ActionForm(props: {
  readonly kind: 'ack' | 'resolve';
  readonly busy: boolean;
  readonly onSubmit: (note: string | undefined, expiresInMs: number | undefined) => void;
  readonly onCancel: () => void;
}) {
  const [note, setNote] = useState('');
  const [expiry, setExpiry] = useState('');
  const ack = props.kind === 'ack';
  const id = `alert-${props.kind}`;
  const submit = (e: Event) => {
    e.preventDefault();
    props.onSubmit(note.trim() || undefined, expiry ? Number(expiry) : undefined);
  };
  return (
    <form class="alert-form" onSubmit={submit} aria-label={ack ? 'Acknowledge' : 'Resolve'}>
      <div class="field">
        <label for={`${id}-note`}>Note</label>
        <textarea
          id={`${id}-note`}
          rows={2}
          maxLength={1000}
          value={note}
          placeholder={ack ? 'Looking into it' : 'What fixed it'}
          onInput={(e) => setNote(e.currentTarget.value)}
        />
      </div>
      {ack && (
        <div class="field">
          <label for={`${id}-expiry`}>Expires</label>
          <select id={`${id}-expiry`} value={expiry} onChange={(e) => setExpiry(e.currentTarget.value)}>
            {EXPIRIES.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </div>
      )}
      <div class="actions">
        <button type="submit" class="button primary small" disabled={props.busy}>
          {ack ? 'Acknowledge' : 'Resolve'}
        </button>
        <button type="button" class="button small" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
