import type { CollectorKind, Host, HostInput } from '../api/types.ts';

/** The host form's fields and their mapping to and from the API's host shape. */
export interface FieldDef {
  readonly name: string;
  readonly label: string;
  readonly kind?: 'number' | 'secret' | 'textarea' | 'checkbox';
  readonly placeholder?: string;
}

/** The settings each collector takes (the server checks them and names a bad field). */
export const SETTINGS: Readonly<Record<CollectorKind, readonly FieldDef[]>> = {
  push: [],
  ssh: [
    { name: 'host', label: 'SSH host', placeholder: 'db-1.example.org' },
    { name: 'port', label: 'Port', kind: 'number', placeholder: '22' },
    { name: 'username', label: 'User' },
    { name: 'password', label: 'Password', kind: 'secret' },
    {
      name: 'privateKey',
      label: 'Private key',
      kind: 'textarea',
      placeholder: '-----BEGIN OPENSSH PRIVATE KEY-----',
    },
    { name: 'hostFingerprint', label: 'Host key fingerprint', placeholder: 'SHA256:…' },
  ],
  prometheus: [
    { name: 'url', label: 'Metrics URL', placeholder: 'http://host:9100/metrics' },
    { name: 'bearerToken', label: 'Bearer token', kind: 'secret' },
  ],
  redis: [
    { name: 'url', label: 'Redis URL', placeholder: 'redis://host:6379' },
    { name: 'password', label: 'Password', kind: 'secret' },
    { name: 'tls', label: 'TLS', kind: 'checkbox' },
  ],
};

export const KINDS: ReadonlyArray<{ id: CollectorKind; label: string }> = [
  { id: 'push', label: 'Agent push' },
  { id: 'ssh', label: 'SSH (/proc)' },
  { id: 'prometheus', label: 'Prometheus endpoint' },
  { id: 'redis', label: 'Redis INFO' },
];

export type Values = Record<string, string | boolean>;

export function initial(host: Host | undefined): Values {
  const v: Values = {
    id: host?.id ?? '',
    name: host?.name ?? '',
    kind: host?.collector.kind ?? 'push',
    interval: String(host?.metricsInterval ?? 900),
    enabled: host?.metricsEnabled ?? true,
    cpu: String(host?.thresholds.cpu ?? 90),
    memory: String(host?.thresholds.memory ?? 95),
    disk: String(host?.thresholds.disk ?? 90),
    labels: Object.entries(host?.labels ?? {})
      .map(([k, val]) => `${k}=${val}`)
      .join(', '),
  };
  for (const [k, val] of Object.entries(host?.collector.settings ?? {})) {
    if (typeof val === 'string' || typeof val === 'boolean') v[`s.${k}`] = val;
    else if (typeof val === 'number') v[`s.${k}`] = String(val);
  }
  return v;
}

export function asKind(value: unknown): CollectorKind {
  return value === 'ssh' || value === 'prometheus' || value === 'redis' ? value : 'push';
}

/**
 * The request body from the form: empty fields are left out, so the server's defaults apply. Settings
 * the form does not show (e.g. `timeoutMs`) are kept as stored, and masked secrets are sent back as
 * the mask, which keeps the stored secret.
 */
export function toInput(v: Values, host: Host | undefined): HostInput {
  const text = (k: string) => (typeof v[k] === 'string' ? String(v[k]).trim() : '');
  const kind = asKind(v.kind);
  const settings: Record<string, unknown> =
    host?.collector.kind === kind ? { ...host.collector.settings } : {};
  for (const f of SETTINGS[kind]) {
    const raw = v[`s.${f.name}`];
    if (f.kind === 'checkbox') settings[f.name] = raw === true;
    else if (typeof raw === 'string' && raw.trim() !== '')
      settings[f.name] = f.kind === 'number' ? Number(raw) : raw.trim();
    else delete settings[f.name];
  }
  const creating = host === undefined;
  const labels: Record<string, string> = {};
  for (const pair of text('labels').split(',')) {
    const [k, ...rest] = pair.split('=');
    if (k?.trim()) labels[k.trim()] = rest.join('=').trim();
  }
  return {
    ...(creating ? { id: text('id') } : {}),
    name: text('name') || undefined,
    labels,
    metricsEnabled: v.enabled === true,
    metricsInterval: Number(text('interval')),
    collector: { kind, settings },
    thresholds: { cpu: Number(text('cpu')), memory: Number(text('memory')), disk: Number(text('disk')) },
  };
}
