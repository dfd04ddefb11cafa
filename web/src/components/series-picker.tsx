import { useMemo, useState } from 'preact/hooks';
import { groupSeries, type Selection, type SeriesEntry, type SeriesGroup, toggle } from '../charts/picked.ts';
import { parseKey } from '../charts/specs.ts';
import { formatAgo, formatDateTime } from '../lib/format.ts';
import '../styles/host.css';

export interface SeriesPickerProps {
  readonly entries: readonly SeriesEntry[];
  /** Series the host has in all (more than `entries` when the list was cut). */
  readonly total: number;
  readonly selection: Selection;
  readonly onChange: (selection: Selection) => void;
}

/** Metrics listed at once; a search narrows the rest down. */
const GROUPS_SHOWN = 200;
/** Label sets listed under an open metric at once. */
const KEYS_SHOWN = 200;

const NO_LABELS = '(no labels)';

function labelsText(key: string): string {
  const { labels } = parseKey(key);
  const text = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(', ');
  return text || NO_LABELS;
}

function newestOf(group: SeriesGroup): number | null {
  const times = group.entries.flatMap((e) => (e.lastTimestamp === null ? [] : [e.lastTimestamp]));
  return times.length === 0 ? null : Math.max(...times);
}

interface GroupRowProps {
  readonly group: SeriesGroup;
  readonly selection: Selection;
  readonly onChange: (selection: Selection) => void;
  readonly expanded: boolean;
  readonly onExpand: () => void;
}

/** One metric: its checkbox (every label set), how many series and how fresh, and its label sets. */
function GroupRow({ group, selection, onChange, expanded, onExpand }: GroupRowProps) {
  const whole = selection.metrics.includes(group.name);
  const newest = newestOf(group);
  const labelled = group.entries.length > 1 || labelsText(group.entries[0]?.key ?? '') !== NO_LABELS;
  return (
    <li class="series-group" data-metric={group.name}>
      <label class="series-metric">
        <input
          type="checkbox"
          checked={whole}
          onChange={() => onChange(toggle(selection, 'metric', group.name))}
        />
        <code>{group.name}</code>
      </label>
      <span class="muted small">
        {group.entries.length === 1 ? '1 series' : `${group.entries.length} series`} ·{' '}
        <time title={formatDateTime(newest)}>{formatAgo(newest)}</time>
      </span>
      {labelled && (
        <button
          type="button"
          class="button small"
          aria-expanded={expanded}
          aria-label={`Label sets of ${group.name}`}
          onClick={onExpand}
        >
          {expanded ? 'Hide' : 'Label sets'}
        </button>
      )}
      {labelled && expanded && (
        <ul class="series-keys">
          {group.entries.slice(0, KEYS_SHOWN).map((entry) => (
            <li key={entry.key}>
              <label>
                <input
                  type="checkbox"
                  checked={whole || selection.series.includes(entry.key)}
                  disabled={whole}
                  onChange={() => onChange(toggle(selection, 'series', entry.key))}
                />
                <code>{labelsText(entry.key)}</code>
              </label>
            </li>
          ))}
          {group.entries.length > KEYS_SHOWN && (
            <li class="muted small">{group.entries.length - KEYS_SHOWN} more: narrow the search</li>
          )}
        </ul>
      )}
    </li>
  );
}

/**
 * Every series of a host: a search over the keys, grouped by metric name; a metric is picked whole
 * (every label set, one chart) or series by series under it.
 */
export function SeriesPicker({ entries, total, selection, onChange }: SeriesPickerProps) {
  const [text, setText] = useState('');
  const [open, setOpen] = useState<ReadonlySet<string>>(new Set());
  const groups = useMemo(() => groupSeries(entries, text), [entries, text]);
  const matching = groups.reduce((n, g) => n + g.entries.length, 0);
  const picked = selection.metrics.length + selection.series.length;
  const flip = (name: string) =>
    setOpen((o) => {
      const next = new Set(o);
      if (!next.delete(name)) next.add(name);
      return next;
    });

  return (
    <div class="series-picker">
      <form class="toolbar" aria-label="Find series" onSubmit={(e) => e.preventDefault()}>
        <label for="series-search">Search series</label>
        <input
          id="series-search"
          type="search"
          placeholder="name or label, e.g. memory"
          value={text}
          onInput={(e) => setText(e.currentTarget.value)}
        />
        <span class="muted" aria-live="polite">
          {matching} of {total} series · {groups.length} metrics
          {entries.length < total ? ` (the first ${entries.length} listed)` : ''}
        </span>
        {picked > 0 && (
          <button type="button" class="button small" onClick={() => onChange({ metrics: [], series: [] })}>
            Clear the {picked} picked
          </button>
        )}
      </form>
      <ul class="series-groups">
        {groups.slice(0, GROUPS_SHOWN).map((group) => (
          <GroupRow
            key={group.name}
            group={group}
            selection={selection}
            onChange={onChange}
            // Open by default when a search leaves few series; the button flips it either way.
            expanded={(text.trim() !== '' && matching <= 50) !== open.has(group.name)}
            onExpand={() => flip(group.name)}
          />
        ))}
      </ul>
      {groups.length > GROUPS_SHOWN && (
        <p class="muted small">
          {groups.length - GROUPS_SHOWN} more metrics: narrow the search to list them.
        </p>
      )}
      {groups.length === 0 && <p class="muted">No series matches “{text}”.</p>}
    </div>
  );
}
