import { useState } from 'preact/hooks';
import type { Matcher, SilenceInput } from '../api/alerts.ts';
import { parseDuration } from './alert-text.ts';

type Op = '=' | '!=' | '=~' | '!~';
const OPS: readonly Op[] = ['=', '!=', '=~', '!~'];

interface Row {
  /** A stable key for the row while others are added and removed. */
  readonly key: number;
  readonly name: string;
  readonly op: Op;
  readonly value: string;
}

let nextKey = 0;
function newRow(name = '', value = ''): Row {
  nextKey += 1;
  return { key: nextKey, name, op: '=', value };
}

function toMatcher(row: Row): Matcher {
  return {
    name: row.name.trim(),
    value: row.value,
    isRegex: row.op === '=~' || row.op === '!~',
    isEqual: row.op === '=' || row.op === '=~',
  };
}

/** A `datetime-local` value in the viewer's time zone. */
function localInput(ms: number): string {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
}

export interface SilenceFormProps {
  /** Matchers to start with (`?host=web-1&rule=cpu` on the Silences page fills them). */
  readonly initial: ReadonlyArray<{ name: string; value: string }>;
  readonly onSubmit: (input: SilenceInput) => Promise<void>;
}

/** Create a silence: label matchers (Alertmanager's operators), start now or later, an end or a duration, why. */
export function SilenceForm({ initial, onSubmit }: SilenceFormProps) {
  const [rows, setRows] = useState<Row[]>(
    initial.length > 0 ? initial.map((m) => newRow(m.name, m.value)) : [newRow()],
  );
  const [start, setStart] = useState('');
  const [mode, setMode] = useState<'duration' | 'end'>('duration');
  const [duration, setDuration] = useState('2h');
  const [end, setEnd] = useState(() => localInput(Date.now() + 2 * 3_600_000));
  const [comment, setComment] = useState('');
  const [problem, setProblem] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);

  const setRow = (i: number, change: Partial<Row>) =>
    setRows((r) => r.map((row, j) => (j === i ? { ...row, ...change } : row)));
  const submit = async (e: Event) => {
    e.preventDefault();
    const startsAt = start ? new Date(start).getTime() : Date.now();
    const length = parseDuration(duration);
    const endsAt =
      mode === 'end' ? new Date(end).getTime() : length === undefined ? Number.NaN : startsAt + length;
    if (!Number.isFinite(endsAt) || endsAt <= startsAt) {
      setProblem(
        mode === 'end' ? 'The end must be after the start.' : 'The duration reads like 30m, 2h or 1d.',
      );
      return;
    }
    setProblem(undefined);
    setBusy(true);
    const input: SilenceInput = {
      matchers: rows.filter((r) => r.name.trim()).map(toMatcher),
      ...(start ? { startsAt } : {}),
      endsAt,
      comment: comment.trim(),
    };
    await onSubmit(input).finally(() => setBusy(false));
  };

  return (
    <form class="card form-grid" onSubmit={submit} aria-label="Create a silence">
      <h2>New silence</h2>
      <fieldset class="matchers">
        <legend>Matchers (every one must match an alert's labels)</legend>
        {rows.map((row, i) => (
          <div class="matcher" key={row.key}>
            <input
              aria-label={`Label name ${i + 1}`}
              required
              value={row.name}
              placeholder="host"
              onInput={(e) => setRow(i, { name: e.currentTarget.value })}
            />
            <select
              aria-label={`Operator ${i + 1}`}
              value={row.op}
              onChange={(e) => setRow(i, { op: e.currentTarget.value as Op })}
            >
              {OPS.map((op) => (
                <option key={op} value={op}>
                  {op}
                </option>
              ))}
            </select>
            <input
              aria-label={`Label value ${i + 1}`}
              value={row.value}
              placeholder="web-1"
              onInput={(e) => setRow(i, { value: e.currentTarget.value })}
            />
            <button
              type="button"
              class="button small"
              aria-label={`Remove matcher ${i + 1}`}
              disabled={rows.length === 1}
              onClick={() => setRows((r) => r.filter((_, j) => j !== i))}
            >
              Remove
            </button>
          </div>
        ))}
        <button type="button" class="button small" onClick={() => setRows((r) => [...r, newRow()])}>
          Add matcher
        </button>
      </fieldset>
      <div class="field">
        <label for="silence-start">Starts (empty: now)</label>
        <input
          id="silence-start"
          type="datetime-local"
          value={start}
          onInput={(e) => setStart(e.currentTarget.value)}
        />
      </div>
      <div class="field">
        <label for="silence-mode">Ends</label>
        <select
          id="silence-mode"
          value={mode}
          onChange={(e) => setMode(e.currentTarget.value === 'end' ? 'end' : 'duration')}
        >
          <option value="duration">after a duration</option>
          <option value="end">at a time</option>
        </select>
      </div>
      {mode === 'duration' ? (
        <div class="field">
          <label for="silence-duration">Duration</label>
          <input
            id="silence-duration"
            required
            value={duration}
            placeholder="2h"
            onInput={(e) => setDuration(e.currentTarget.value)}
          />
        </div>
      ) : (
        <div class="field">
          <label for="silence-end">End</label>
          <input
            id="silence-end"
            type="datetime-local"
            required
            value={end}
            onInput={(e) => setEnd(e.currentTarget.value)}
          />
        </div>
      )}
      <div class="field wide">
        <label for="silence-comment">Comment</label>
        <input
          id="silence-comment"
          required
          maxLength={1000}
          value={comment}
          placeholder="Maintenance of the database"
          onInput={(e) => setComment(e.currentTarget.value)}
        />
      </div>
      {problem && (
        <p class="error-text wide" role="alert">
          {problem}
        </p>
      )}
      <div class="actions">
        <button type="submit" class="button primary" disabled={busy}>
          Create silence
        </button>
      </div>
    </form>
  );
}
