import { useEffect, useState } from 'preact/hooks';
import { fromInputValue, RANGES, type RangeId, toInputValue } from '../charts/ranges.ts';

export interface RangePickerProps {
  readonly range: RangeId;
  readonly from: number;
  readonly to: number;
  readonly onChange: (range: RangeId, custom?: { from: number; to: number }) => void;
}

const CHOICES: ReadonlyArray<{ id: RangeId; label: string }> = [...RANGES, { id: 'custom', label: 'Custom' }];

/**
 * The time range: a radio group (arrow keys move between ranges); "Custom" opens two date-time inputs
 * in the viewer's time zone, applied with a button.
 */
export function RangePicker(props: RangePickerProps) {
  const [choice, setChoice] = useState<RangeId>(props.range);
  const [from, setFrom] = useState(toInputValue(props.from));
  const [to, setTo] = useState(toInputValue(props.to));
  const [error, setError] = useState<string | undefined>(undefined);
  useEffect(() => setChoice(props.range), [props.range]);

  const pick = (id: RangeId) => {
    setChoice(id);
    if (id === 'custom') {
      setFrom(toInputValue(props.from));
      setTo(toInputValue(props.to));
    } else props.onChange(id);
  };
  const apply = (event: Event) => {
    event.preventDefault();
    const f = fromInputValue(from);
    const t = fromInputValue(to);
    if (f === undefined || t === undefined) setError('Enter both times.');
    else if (f >= t) setError('The start must be before the end.');
    else {
      setError(undefined);
      props.onChange('custom', { from: f, to: t });
    }
  };
  return (
    <div class="range-picker">
      <fieldset class="segmented">
        <legend class="sr-only">Time range</legend>
        {CHOICES.map((r) => (
          <label key={r.id} class={choice === r.id ? 'selected' : ''}>
            <input
              type="radio"
              name="range"
              value={r.id}
              checked={choice === r.id}
              onChange={() => pick(r.id)}
            />
            {r.label}
          </label>
        ))}
      </fieldset>
      {choice === 'custom' && (
        <form class="custom-range" onSubmit={apply} aria-label="Custom range">
          <label for="range-from">From</label>
          <input
            id="range-from"
            type="datetime-local"
            value={from}
            onInput={(e) => setFrom(e.currentTarget.value)}
          />
          <label for="range-to">To</label>
          <input
            id="range-to"
            type="datetime-local"
            value={to}
            onInput={(e) => setTo(e.currentTarget.value)}
          />
          <button type="submit" class="button small">
            Apply
          </button>
          {error && (
            <span class="error-text" role="alert">
              {error}
            </span>
          )}
        </form>
      )}
    </div>
  );
}
