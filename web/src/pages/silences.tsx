import { useEffect, useState } from 'preact/hooks';
import {
  alertSummary,
  createSilence,
  expireSilence,
  loadSilences,
  type Matcher,
  type Silence,
  type SilenceInput,
  silenceState,
} from '../api/alerts.ts';
import { messageOf } from '../api/client.ts';
import { Link } from '../components/link.tsx';
import { Notice } from '../components/notice.tsx';
import { SilenceForm } from '../components/silence-form.tsx';
import { formatDateTime } from '../lib/format.ts';
import { useAsync } from '../lib/use-async.ts';
import '../styles/alerts.css';
import type { PageProps } from './registry.ts';

const STATE_TEXT = { active: 'Active', pending: 'Scheduled', expired: 'Expired' } as const;

function matcherText(m: Matcher): string {
  const op = m.isRegex ? (m.isEqual ? '=~' : '!~') : m.isEqual ? '=' : '!=';
  return `${m.name}${op}${m.isRegex ? m.value : JSON.stringify(m.value)}`;
}

/** Matchers to start a new silence with, from the address (`/silences?host=web-1&rule=cpu`). */
function initialMatchers(query: URLSearchParams): Array<{ name: string; value: string }> {
  return [...query.entries()].filter(([k]) => k !== 'tab').map(([name, value]) => ({ name, value }));
}

/** Silences: active and scheduled ones first, then expired; create one; expire one now. */
export function SilencesPage({ query }: PageProps) {
  const silences = useAsync(loadSilences, [], 15_000);
  const [status, setStatus] = useState<{ kind: 'error' | 'success'; text: string } | undefined>(undefined);
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), 5000);
    return () => window.clearInterval(timer);
  }, []);

  const create = async (input: SilenceInput) => {
    try {
      await createSilence(input);
      setStatus({ kind: 'success', text: 'Silence created.' });
      silences.reload();
      alertSummary.refresh();
    } catch (err: unknown) {
      setStatus({ kind: 'error', text: messageOf(err) });
    }
  };
  const expire = async (s: Silence) => {
    try {
      await expireSilence(s.id);
      setStatus({ kind: 'success', text: `Silence "${s.comment}" expired.` });
      silences.reload();
    } catch (err: unknown) {
      setStatus({ kind: 'error', text: messageOf(err) });
    }
  };

  const all = silences.data ?? [];
  const current = all.filter((s) => silenceState(s, now) !== 'expired');
  const expired = all.filter((s) => silenceState(s, now) === 'expired').sort((a, b) => b.endsAt - a.endsAt);

  return (
    <>
      <div class="page-head">
        <h1 tabIndex={-1}>Silences</h1>
        <p class="muted">
          An alert whose labels match every matcher of an active silence is marked silenced and not notified;
          when the silence ends, one still firing is notified once. <Link href="/alerts">Alerts</Link>
        </p>
      </div>
      <SilenceForm initial={initialMatchers(query)} onSubmit={create} />
      {status && <Notice kind={status.kind}>{status.text}</Notice>}
      {silences.error && <Notice kind="error">Could not load silences: {silences.error}</Notice>}
      <h2>Active and scheduled</h2>
      <SilenceTable silences={current} now={now} onExpire={expire} empty="No active silence." />
      <h2>Expired</h2>
      <SilenceTable silences={expired} now={now} empty="None expired yet." />
    </>
  );
}

function SilenceTable(props: {
  readonly silences: readonly Silence[];
  readonly now: number;
  readonly empty: string;
  readonly onExpire?: (s: Silence) => void;
}) {
  if (props.silences.length === 0) return <p class="muted">{props.empty}</p>;
  return (
    <div class="table-wrap">
      <table class="silences">
        <thead>
          <tr>
            <th scope="col">Matchers</th>
            <th scope="col">State</th>
            <th scope="col">Starts</th>
            <th scope="col">Ends</th>
            <th scope="col">By</th>
            <th scope="col">Comment</th>
            {props.onExpire && (
              <th scope="col">
                <span class="sr-only">Actions</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody>
          {props.silences.map((s) => {
            const state = silenceState(s, props.now);
            return (
              <tr key={s.id} data-silence={s.id} data-state={state}>
                <td>
                  <span class="labels">
                    {s.matchers.map((m) => (
                      <code key={matcherText(m)} class="label">
                        {matcherText(m)}
                      </code>
                    ))}
                  </span>
                </td>
                <td>
                  <span class={`badge silence-${state}`}>{STATE_TEXT[state]}</span>
                </td>
                <td>{formatDateTime(s.startsAt)}</td>
                <td>{formatDateTime(s.endsAt)}</td>
                <td>{s.createdBy}</td>
                <td>{s.comment}</td>
                {props.onExpire && (
                  <td class="row-actions">
                    <button
                      type="button"
                      class="button small danger"
                      aria-label={`Expire silence ${s.comment || s.id}`}
                      onClick={() => props.onExpire?.(s)}
                    >
                      Expire
                    </button>
                  </td>
                )}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
