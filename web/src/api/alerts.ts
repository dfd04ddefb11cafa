import { useEffect, useState } from 'preact/hooks';
import type {
  Alert,
  AlertRule,
  AlertStatus,
  Observation,
  Severity,
  Transition,
} from '../../../src/alerts/contract.ts';
import { api } from './client.ts';

/**
 * The alerting API as the dashboard reads it (src/api/routes/alerts.ts, alert-rules.ts; shapes from
 * src/alerts/contract.ts, which is shared with the server).
 */
export type {
  Alert,
  AlertRule,
  AlertStatus,
  Comparison,
  Observation,
  Reduction,
  RuleKind,
  Severity,
  Transition,
} from '../../../src/alerts/contract.ts';

export const SEVERITIES: readonly Severity[] = ['critical', 'warning'];

/** Which alerts a tab of the Alerts page lists (`status=` of `GET /api/v1/alerts`). */
export type AlertTab = 'active' | 'acknowledged' | 'resolved';
export const TAB_STATUSES: Readonly<Record<AlertTab, string>> = {
  active: 'pending,firing',
  acknowledged: 'acknowledged',
  resolved: 'resolved',
};

export interface AlertFilter {
  readonly severity?: Severity;
  readonly host?: string;
  readonly rule?: string;
}

export interface AlertPage {
  readonly alerts: Alert[];
  readonly nextCursor?: string | null;
}

export async function loadAlerts(
  tab: AlertTab,
  filter: AlertFilter,
  signal: AbortSignal,
  cursor?: string,
): Promise<AlertPage> {
  return api<AlertPage>('/api/v1/alerts', {
    signal,
    query: { status: TAB_STATUSES[tab], ...filter, limit: 100, cursor },
  });
}

/** `GET /api/v1/alerts/:id`: the alert and its transitions, oldest first. */
export interface AlertDetail {
  readonly alert: Alert;
  readonly history: Transition[];
}

export function loadAlert(id: string, signal: AbortSignal): Promise<AlertDetail> {
  return api<AlertDetail>(`/api/v1/alerts/${encodeURIComponent(id)}`, { signal });
}

export type AlertAction =
  | { readonly action: 'ack'; readonly note?: string; readonly expiresInMs?: number }
  | { readonly action: 'unack' }
  | { readonly action: 'resolve'; readonly note?: string };

export function alertAction(id: string, body: AlertAction): Promise<Alert> {
  return api<Alert>(`/api/v1/alerts/${encodeURIComponent(id)}/action`, { method: 'POST', body });
}

/** `GET /api/v1/alerts/summary`: counts for the badges. */
export interface AlertSummary {
  /** Open alerts by status; `resolved`: resolved in the last 24 hours. */
  readonly byStatus: Readonly<Partial<Record<AlertStatus, number>>>;
  /** Firing and acknowledged alerts by severity. */
  readonly bySeverity: Readonly<Partial<Record<Severity, number>>>;
  /** Firing alerts per host, by severity (hosts with none are absent). */
  readonly firingByHost: Readonly<Record<string, Readonly<Partial<Record<Severity, number>>>>>;
  readonly flapping?: number;
  readonly silenced?: number;
}

/**
 * One poll of the summary for every badge on screen (navigation, overview rows, host page): it runs
 * while at least one component uses it, every 15 s, and once more after an action.
 */
class SummaryStore {
  private value: AlertSummary | undefined;
  private readonly listeners = new Set<(s: AlertSummary | undefined) => void>();
  private timer: number | undefined;

  subscribe(listener: (s: AlertSummary | undefined) => void): () => void {
    this.listeners.add(listener);
    // One that arrived between the subscriber's first render and now (effects run after paint).
    if (this.value) listener(this.value);
    if (this.listeners.size === 1) {
      this.refresh();
      this.timer = window.setInterval(() => {
        if (document.visibilityState === 'visible') this.refresh();
      }, 15_000);
    }
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) window.clearInterval(this.timer);
    };
  }

  get current(): AlertSummary | undefined {
    return this.value;
  }

  refresh(): void {
    // A summary that cannot be read leaves the badges as they were: they are a hint, not a page.
    api<AlertSummary>('/api/v1/alerts/summary').then(
      (s) => {
        this.value = s;
        for (const l of this.listeners) l(s);
      },
      () => undefined,
    );
  }
}

export const alertSummary = new SummaryStore();

export function useAlertSummary(): AlertSummary | undefined {
  const [summary, setSummary] = useState(alertSummary.current);
  useEffect(() => alertSummary.subscribe(setSummary), []);
  return summary;
}

/** Label matcher of a silence (Alertmanager's shape): `isEqual: false` negates, `isRegex` matches a regex. */
export interface Matcher {
  readonly name: string;
  readonly value: string;
  readonly isRegex: boolean;
  readonly isEqual: boolean;
}

export interface Silence {
  readonly id: string;
  readonly matchers: Matcher[];
  readonly startsAt: number;
  readonly endsAt: number;
  readonly createdBy: string;
  readonly comment: string;
  readonly createdAt?: number;
}

export interface SilenceInput {
  readonly matchers: Matcher[];
  readonly startsAt?: number;
  readonly endsAt: number;
  readonly comment: string;
}

export function silenceState(s: Silence, now: number): 'active' | 'pending' | 'expired' {
  if (s.endsAt <= now) return 'expired';
  return s.startsAt > now ? 'pending' : 'active';
}

export async function loadSilences(signal: AbortSignal): Promise<Silence[]> {
  return (await api<{ silences: Silence[] }>('/api/v1/alerts/silences', { signal })).silences;
}

export function createSilence(input: SilenceInput): Promise<Silence> {
  return api<Silence>('/api/v1/alerts/silences', { method: 'POST', body: input });
}

export function expireSilence(id: string): Promise<unknown> {
  return api(`/api/v1/alerts/silences/${encodeURIComponent(id)}`, { method: 'DELETE' });
}

/** What a rule is made of when created or changed (the server adds id if missing, org and times). */
export type RuleInput = Omit<AlertRule, 'org' | 'createdAt' | 'updatedAt' | 'builtIn' | 'id'> & {
  readonly id?: string;
};

export async function loadRules(signal: AbortSignal): Promise<AlertRule[]> {
  return (await api<{ rules: AlertRule[] }>('/api/v1/alerts/rules', { signal })).rules;
}

export function loadRule(id: string, signal: AbortSignal): Promise<AlertRule> {
  return api<AlertRule>(`/api/v1/alerts/rules/${encodeURIComponent(id)}`, { signal });
}

export function createRule(input: RuleInput): Promise<AlertRule> {
  return api<AlertRule>('/api/v1/alerts/rules', { method: 'POST', body: input });
}

/** PATCH: fields given replace the stored ones; `null` removes an optional one. */
export type RulePatch = {
  readonly [K in keyof Omit<RuleInput, 'id'>]?: K extends OptionalRuleField
    ? RuleInput[K] | null
    : RuleInput[K];
};
type OptionalRuleField = 'resolveThreshold' | 'noData' | 'predict' | 'flapping';

/** A whole rule from the editor as a PATCH: optional fields it leaves out are removed. */
export function patchOf(input: RuleInput): RulePatch {
  const { id: _id, ...rest } = input;
  return {
    resolveThreshold: null,
    noData: null,
    predict: null,
    flapping: null,
    ...rest,
  };
}

export function updateRule(id: string, input: RulePatch): Promise<AlertRule> {
  return api<AlertRule>(`/api/v1/alerts/rules/${encodeURIComponent(id)}`, { method: 'PATCH', body: input });
}

export function deleteRule(id: string): Promise<unknown> {
  return api(`/api/v1/alerts/rules/${encodeURIComponent(id)}`, { method: 'DELETE' });
}

/**
 * `POST /api/v1/alerts/rules/preview`: every series the rule matches now, as the evaluator would see
 * it (breaching first), and whether any would fire.
 */
export interface Preview {
  readonly rule: AlertRule;
  readonly wouldFire: boolean;
  readonly matches: Observation[];
  /** More series matched than are listed. */
  readonly truncated: boolean;
}

export function previewRule(input: RuleInput, signal: AbortSignal): Promise<Preview> {
  return api<Preview>('/api/v1/alerts/rules/preview', { method: 'POST', body: input, signal });
}
