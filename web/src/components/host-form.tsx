import { useState } from 'preact/hooks';
import type { Host, HostInput } from '../api/types.ts';
import { asKind, type FieldDef, initial, KINDS, SETTINGS, toInput, type Values } from './host-form-model.ts';

export interface HostFormProps {
  /** The host to edit; undefined to add one. */
  readonly host: Host | undefined;
  readonly onSubmit: (input: HostInput) => Promise<void>;
  readonly onCancel: () => void;
}

/** Add or edit a host: name, labels, collector and its settings, interval, thresholds. */
export function HostForm({ host, onSubmit, onCancel }: HostFormProps) {
  const [values, setValues] = useState<Values>(() => initial(host));
  const [busy, setBusy] = useState(false);
  const set = (k: string, val: string | boolean) => setValues((v) => ({ ...v, [k]: val }));
  const str = (k: string) => (typeof values[k] === 'string' ? String(values[k]) : '');
  const kind = asKind(values.kind);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    await onSubmit(toInput(values, host)).finally(() => setBusy(false));
  };
  const field = (id: string, label: string, props: Record<string, unknown> = {}) => (
    <div class="field">
      <label for={`host-${id}`}>{label}</label>
      <input id={`host-${id}`} value={str(id)} onInput={(e) => set(id, e.currentTarget.value)} {...props} />
    </div>
  );
  return (
    <form class="card form-grid" onSubmit={submit} aria-label={host ? `Edit ${host.name}` : 'Add a host'}>
      <h2>{host ? `Edit ${host.name}` : 'Add a host'}</h2>
      {!host &&
        field('id', 'Id', { required: true, pattern: '[A-Za-z0-9._\\-]{1,128}', placeholder: 'web-1' })}
      {field('name', 'Name', { placeholder: host ? '' : 'defaults to the id' })}
      {field('labels', 'Labels', { placeholder: 'env=prod, role=db' })}
      <div class="field">
        <label for="host-kind">Collector</label>
        <select id="host-kind" value={kind} onChange={(e) => set('kind', e.currentTarget.value)}>
          {KINDS.map((k) => (
            <option key={k.id} value={k.id}>
              {k.label}
            </option>
          ))}
        </select>
      </div>
      {field('interval', 'Interval (s)', { type: 'number', min: 10, max: 86400, required: true })}
      <div class="field checkbox">
        <input
          id="host-enabled"
          type="checkbox"
          checked={values.enabled === true}
          onChange={(e) => set('enabled', e.currentTarget.checked)}
        />
        <label for="host-enabled">Collect metrics</label>
      </div>
      <fieldset class="thresholds">
        <legend>Thresholds (%)</legend>
        {field('cpu', 'CPU', { type: 'number', min: 0, max: 100, step: 'any' })}
        {field('memory', 'RAM', { type: 'number', min: 0, max: 100, step: 'any' })}
        {field('disk', 'Disk', { type: 'number', min: 0, max: 100, step: 'any' })}
      </fieldset>
      {SETTINGS[kind].length > 0 && (
        <fieldset class="settings">
          <legend>{KINDS.find((k) => k.id === kind)?.label} settings</legend>
          {SETTINGS[kind].map((f) => (
            <SettingField
              key={f.name}
              def={f}
              value={values[`s.${f.name}`]}
              onChange={(val) => set(`s.${f.name}`, val)}
            />
          ))}
        </fieldset>
      )}
      <div class="actions">
        <button type="submit" class="button primary" disabled={busy}>
          {host ? 'Save' : 'Add host'}
        </button>
        <button type="button" class="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function SettingField(props: {
  def: FieldDef;
  value: string | boolean | undefined;
  onChange: (v: string | boolean) => void;
}) {
  const { def } = props;
  const id = `setting-${def.name}`;
  const text = typeof props.value === 'string' ? props.value : '';
  if (def.kind === 'checkbox') {
    return (
      <div class="field checkbox">
        <input
          id={id}
          type="checkbox"
          checked={props.value === true}
          onChange={(e) => props.onChange(e.currentTarget.checked)}
        />
        <label for={id}>{def.label}</label>
      </div>
    );
  }
  return (
    <div class="field">
      <label for={id}>{def.label}</label>
      {def.kind === 'textarea' ? (
        <textarea
          id={id}
          rows={3}
          value={text}
          placeholder={def.placeholder}
          onInput={(e) => props.onChange(e.currentTarget.value)}
        />
      ) : def.kind === 'secret' ? (
        <input
          id={id}
          type="password"
          autocomplete="off"
          value={text}
          onInput={(e) => props.onChange(e.currentTarget.value)}
        />
      ) : def.kind === 'number' ? (
        <input
          id={id}
          type="number"
          value={text}
          placeholder={def.placeholder}
          onInput={(e) => props.onChange(e.currentTarget.value)}
        />
      ) : (
        <input
          id={id}
          type="text"
          value={text}
          placeholder={def.placeholder}
          onInput={(e) => props.onChange(e.currentTarget.value)}
        />
      )}
    </div>
  );
}
