import { useMemo, useState } from 'preact/hooks';
import type { AlertRule, RuleInput } from '../api/alerts.ts';
import { COMPARISON_TEXT } from './alert-text.ts';
import {
  COMPARISONS,
  initialValues,
  KINDS,
  METRICS,
  REDUCTIONS,
  type RuleValues,
  toRuleInput,
} from './rule-form-model.ts';
import { RulePreview } from './rule-preview.tsx';

export interface RuleFormProps {
  /** The rule to edit; undefined to create one. */
  readonly rule: AlertRule | undefined;
  readonly onSubmit: (input: RuleInput) => Promise<void>;
  readonly onCancel: () => void;
}

type FieldProps = Record<string, unknown>;

/** Create or edit a rule: selector, reduction and window, condition, hysteresis, `for`, severity, kind's fields. */
export function RuleForm({ rule, onSubmit, onCancel }: RuleFormProps) {
  const [values, setValues] = useState<RuleValues>(() => initialValues(rule));
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | undefined>(undefined);
  const set = (k: string, val: string | boolean) => setValues((v) => ({ ...v, [k]: val }));
  const str = (k: string) => (typeof values[k] === 'string' ? String(values[k]) : '');
  const built = useMemo(() => toRuleInput(values, rule === undefined), [values, rule]);
  const kind = str('kind');

  const submit = async (e: Event) => {
    e.preventDefault();
    if (!built.input) {
      setProblem(built.problem);
      return;
    }
    setProblem(undefined);
    setBusy(true);
    await onSubmit(built.input).finally(() => setBusy(false));
  };
  const input = (id: string, label: string, props: FieldProps = {}, wide = false) => (
    <div class={wide ? 'field wide' : 'field'}>
      <label for={`rule-${id}`}>{label}</label>
      <input id={`rule-${id}`} value={str(id)} onInput={(e) => set(id, e.currentTarget.value)} {...props} />
    </div>
  );
  const select = (id: string, label: string, options: ReadonlyArray<readonly [string, string]>) => (
    <div class="field">
      <label for={`rule-${id}`}>{label}</label>
      <select id={`rule-${id}`} value={str(id)} onChange={(e) => set(id, e.currentTarget.value)}>
        {options.map(([value, text]) => (
          <option key={value} value={value}>
            {text}
          </option>
        ))}
      </select>
    </div>
  );

  return (
    <>
      <form
        class="card form-grid rule-form"
        onSubmit={submit}
        aria-label={rule ? `Edit ${rule.name}` : 'New rule'}
      >
        <h2>{rule ? `Edit ${rule.name}` : 'New rule'}</h2>
        {!rule && input('id', 'Id', { pattern: '[A-Za-z0-9._\\-]{1,64}', placeholder: 'from the name' })}
        {input('name', 'Name', { required: true, maxLength: 200, placeholder: 'CPU busy' })}
        {select(
          'kind',
          'Kind',
          KINDS.map((k) => [k.id, k.label] as const),
        )}
        {select('severity', 'Severity', [
          ['warning', 'Warning'],
          ['critical', 'Critical'],
        ])}
        <div class="field checkbox">
          <input
            id="rule-enabled"
            type="checkbox"
            checked={values.enabled === true}
            onChange={(e) => set('enabled', e.currentTarget.checked)}
          />
          <label for="rule-enabled">Enabled</label>
        </div>
        <fieldset class="settings">
          <legend>Series</legend>
          {input('metric', 'Metric', { required: true, list: 'rule-metrics' })}
          <datalist id="rule-metrics">
            {METRICS.map((m) => (
              <option key={m} value={m} />
            ))}
          </datalist>
          {input('seriesLabels', 'Series labels', { placeholder: 'mount=/' })}
          {input('hostIds', 'Hosts (ids; empty: all)', { placeholder: 'web-1, web-2' })}
          {input('hostLabels', 'Host labels', { placeholder: 'env=prod' })}
        </fieldset>
        <fieldset class="settings">
          <legend>Condition</legend>
          {kind !== 'nodata' &&
            select(
              'reduction',
              'Reduction',
              REDUCTIONS.map((r) => [r, r] as const),
            )}
          {kind !== 'predictive' && input('window', 'Window', { required: true, placeholder: '5m' })}
          {kind !== 'nodata' &&
            select(
              'comparison',
              'Comparison',
              COMPARISONS.map((c) => [c, `${c} (${COMPARISON_TEXT[c]})`] as const),
            )}
          {kind !== 'nodata' &&
            input('threshold', 'Threshold', { type: 'number', step: 'any', required: true })}
          {kind === 'threshold' &&
            input('resolveThreshold', 'Resolve threshold', {
              type: 'number',
              step: 'any',
              placeholder: 'the threshold',
            })}
          {input('for', 'For', { required: true, placeholder: '5m (0s: at once)' })}
          {kind === 'nodata' &&
            input('noDataIntervals', 'Missed intervals', { type: 'number', min: 1, required: true })}
          {kind === 'predictive' && input('lookback', 'Lookback', { required: true, placeholder: '6h' })}
          {kind === 'predictive' && input('horizon', 'Horizon', { required: true, placeholder: '24h' })}
        </fieldset>
        <fieldset class="settings">
          <legend>Flapping (optional)</legend>
          {input('flapMax', 'Held after more changes than', { type: 'number', min: 1, placeholder: '6' })}
          {input('flapWindow', 'Within', { placeholder: '1h' })}
        </fieldset>
        <fieldset class="settings">
          <legend>Labels and annotations</legend>
          {input('labels', 'Labels', { placeholder: 'team=ops' })}
          {input('summary', 'Summary', { required: true }, true)}
          {input('description', 'Description', {}, true)}
          <p class="muted small wide">
            Templates: {'{{host}} {{series}} {{value}} {{threshold}} {{rule}} {{severity}} {{labels.<name>}}'}
          </p>
        </fieldset>
        {problem && (
          <p class="error-text wide" role="alert">
            {problem}
          </p>
        )}
        <div class="actions">
          <button type="submit" class="button primary" disabled={busy}>
            {rule ? 'Save' : 'Create rule'}
          </button>
          <button type="button" class="button" onClick={onCancel}>
            Cancel
          </button>
        </div>
      </form>
      <RulePreview input={built.input} problem={built.problem} />
    </>
  );
}
