import { type CheckStatus, firstCheck, type RedisCheck, type RedisHealth } from '../api/redis.ts';
import { formatPct, NA, num } from '../lib/format.ts';
import { formatBytes, formatDuration, formatMs } from './redis-series.ts';

/** The checks in the order the API documents them; other names follow alphabetically. */
const ORDER = ['connectivity', 'memory', 'connections', 'performance', 'persistence', 'configuration'];

const STATUS_TEXT: Readonly<Record<CheckStatus, string>> = { pass: 'Pass', warn: 'Warn', fail: 'Fail' };

function title(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}

/** An observed value with its unit, formatted for the unit the check names. */
export function observedText(value: unknown, unit: string | undefined): string {
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  // A text value (a policy name, a status) stands alone: its "unit" names what it is.
  if (typeof value === 'string') return value;
  const v = num(value);
  if (v === undefined) return NA;
  switch (unit) {
    case '%':
    case 'percent':
      return formatPct(v);
    case 'ms':
      return formatMs(v);
    case 'bytes':
    case 'B':
      return formatBytes(v);
    case 's':
      return formatDuration(v);
    case undefined:
    case '':
      return v.toLocaleString(undefined, { maximumFractionDigits: 2 });
    default:
      return `${v.toLocaleString(undefined, { maximumFractionDigits: 2 })} ${unit}`;
  }
}

/** A threshold (a number, or one per sub-figure `{latencyMs: 100, hitRatePct: 80}`) as text. */
function thresholdText(value: unknown, unit: string | undefined): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'object') {
    const parts = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined && v !== null)
      .map(([k, v]) => `${k} ${typeof v === 'number' ? v.toLocaleString() : String(v)}`);
    return parts.length > 0 ? parts.join(', ') : undefined;
  }
  return observedText(value, unit);
}

function Thresholds({ check }: { readonly check: RedisCheck }) {
  const warn = thresholdText(check.thresholds?.warn, check.observedUnit);
  const fail = thresholdText(check.thresholds?.fail, check.observedUnit);
  if (!warn && !fail) return null;
  return (
    <span class="check-thresholds muted small">
      {[warn && `warn at ${warn}`, fail && `fail at ${fail}`].filter(Boolean).join(' · ')}
    </span>
  );
}

interface SubFigure {
  readonly value?: unknown;
  readonly unit?: string;
  readonly status?: CheckStatus;
}

/** A check's sub-figures (`figures: {latency: {value, unit, status}, hitRate: …}`), each with its status. */
function SubFigures({ figures }: { readonly figures: unknown }) {
  if (typeof figures !== 'object' || figures === null) return null;
  const entries = Object.entries(figures as Record<string, SubFigure>).filter(
    ([, f]) => typeof f === 'object' && f !== null && 'value' in f,
  );
  if (entries.length === 0) return null;
  const words = (name: string) => name.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  return (
    <ul class="check-figures small">
      {entries.map(([name, f]) => (
        <li key={name} data-figure-status={f.status}>
          {words(name)}: {observedText(f.value, f.unit)}
          {f.status && <span class={`check-figure-status check-text-${f.status}`}> ({f.status})</span>}
        </li>
      ))}
    </ul>
  );
}

/** A pass / warn / fail badge, in words as well as colour. */
export function CheckBadge({ status }: { readonly status: CheckStatus }) {
  return <span class={`badge check-status check-${status}`}>{STATUS_TEXT[status] ?? status}</span>;
}

/** The Redis health checks: status badge, observed value and unit, thresholds and the check's sentence. */
export function HealthChecks({ health }: { readonly health: RedisHealth }) {
  const names = Object.keys(health.checks).sort((a, b) => {
    const ia = ORDER.indexOf(a);
    const ib = ORDER.indexOf(b);
    return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib) || a.localeCompare(b);
  });
  if (names.length === 0) return <p class="muted">No health checks reported.</p>;
  return (
    <ul class="checks">
      {names.map((name) => {
        const check = firstCheck(health.checks[name]);
        if (!check) return null;
        return (
          <li key={name} class={`check check-${check.status}`} data-check={name}>
            <div class="check-head">
              <strong>{title(name)}</strong>
              <CheckBadge status={check.status} />
            </div>
            <span class="check-value">{observedText(check.observedValue, check.observedUnit)}</span>
            <Thresholds check={check} />
            <SubFigures figures={check.figures} />
            {check.output && <p class="check-output small">{check.output}</p>}
          </li>
        );
      })}
    </ul>
  );
}
