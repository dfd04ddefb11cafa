/**
 * The shapes the alerting modules share: rules (what to watch), observations (what one evaluation
 * saw), alerts and their transitions (the lifecycle), and what a notification carries. The evaluator
 * (`evaluate/`) turns rules into observations; the state machine (`state/`) turns observations into
 * alerts and transitions; the notifier (`notify/`) turns transitions into deliveries, once each.
 */

export type Severity = 'warning' | 'critical';

/** How a window of samples becomes one value. `rate`: per second, from first to last (counter resets count from 0). */
export type Reduction = 'avg' | 'max' | 'min' | 'last' | 'rate' | 'p95';

export type Comparison = '>' | '>=' | '<' | '<=';

/**
 * Which series a rule watches: hosts of the rule's org (by id, or by label; neither = every host),
 * one metric name, and label matchers on the series (exact values; a label not named matches any).
 * Redis, queue and event figures are series too (`redis.memory.used_pct` of a `redis` host or of
 * `vitals-redis`, `vitals.queue.failure_rate_pct` of host `vitals`, `events.<type>.error_rate_pct`…).
 */
export interface RuleSelector {
  readonly hostIds?: readonly string[];
  readonly hostLabels?: Readonly<Record<string, string>>;
  readonly metric: string;
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * `threshold`: the window's reduction compared with `threshold`. `nodata`: fires when a matched
 * host or series has no sample for `noData.intervals` × the host's interval (push hosts: 5 s ×
 * intervals... at least `windowMs`), "host down" / "no data". `predictive`: a least-squares line over
 * `predict.lookbackMs`, fires when it crosses `threshold` within `predict.horizonMs` ("disk full within
 * 24 h").
 */
export type RuleKind = 'threshold' | 'nodata' | 'predictive';

export interface AlertRule {
  readonly id: string;
  readonly org: string;
  readonly name: string;
  readonly enabled: boolean;
  readonly kind: RuleKind;
  readonly selector: RuleSelector;
  readonly reduction: Reduction;
  /** The window the reduction runs over, ms. */
  readonly windowMs: number;
  readonly comparison: Comparison;
  readonly threshold: number;
  /**
   * Hysteresis: once firing, the alert resolves only when the value is past this on the good side
   * (e.g. fires at > 90, resolves at < 85). Unset: the threshold itself.
   */
  readonly resolveThreshold?: number;
  /** How long the condition must hold before pending turns firing, ms (0: at once). */
  readonly forMs: number;
  readonly severity: Severity;
  readonly noData?: { readonly intervals: number };
  readonly predict?: { readonly lookbackMs: number; readonly horizonMs: number };
  /** More than `maxChanges` state changes within `windowMs` → held as flapping, not notified per change. */
  readonly flapping?: { readonly maxChanges: number; readonly windowMs: number };
  /** Added to every alert of the rule (and so to its notifications and silence matching). */
  readonly labels: Readonly<Record<string, string>>;
  /**
   * Templates: `{{host}}`, `{{series}}`, `{{value}}`, `{{threshold}}`, `{{rule}}`, `{{severity}}`,
   * `{{labels.<name>}}` (series and rule labels).
   */
  readonly annotations: { readonly summary: string; readonly description?: string };
  /** Set on built-in default rules (`host-cpu`, `redis-memory`…): they can be changed or disabled, not deleted. */
  readonly builtIn?: string;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/**
 * What one evaluation saw for one instance of a rule (one host × series it matched).
 * `breaching`: the condition holds; `ok`: it does not (and, once firing, is past the resolve
 * threshold); `between`: not breaching but not past the resolve threshold either (a firing alert stays
 * firing, a pending one goes back to ok); `nodata`: no sample in the window (a threshold rule keeps its
 * state and is marked stale: never a stale "ok"; a `nodata` rule reports `breaching` instead).
 */
export type ObservationState = 'breaching' | 'ok' | 'between' | 'nodata';

export interface Observation {
  readonly ruleId: string;
  /** Stable per rule: `<host>|<series key>` (a nodata rule on a host: `<host>`). */
  readonly instance: string;
  readonly host: string;
  /** The series key (`name{labels}`), absent for a host-level nodata observation. */
  readonly series?: string;
  /** Labels of the series, plus `host`. */
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number | null;
  readonly state: ObservationState;
  readonly at: number;
}

export type AlertStatus = 'pending' | 'firing' | 'acknowledged' | 'resolved';

export interface Acknowledgement {
  readonly by: string;
  readonly at: number;
  readonly note?: string;
  /** After this the alert returns to firing if it still breaches. */
  readonly expiresAt?: number;
}

/** One alert: one instance of one rule, from pending to resolved. A new breach after resolution is a new alert. */
export interface Alert {
  /** Unique and stable: `<ruleId>:<instance hash>:<startedAt>`. */
  readonly id: string;
  readonly org: string;
  readonly ruleId: string;
  readonly instance: string;
  readonly host: string;
  readonly series?: string;
  readonly status: AlertStatus;
  readonly severity: Severity;
  /** `alertname` (rule name), `rule` (rule id), `severity`, `host`, series labels, rule labels. */
  readonly labels: Readonly<Record<string, string>>;
  /** Rendered from the rule's templates. */
  readonly annotations: { readonly summary: string; readonly description?: string };
  readonly value: number | null;
  readonly threshold: number;
  /** First breaching observation. */
  readonly startedAt: number;
  readonly firedAt?: number;
  readonly ack?: Acknowledgement;
  readonly resolvedAt?: number;
  /** Who resolved it by hand (absent: resolved by evaluation). */
  readonly resolvedBy?: { readonly by: string; readonly note?: string };
  /** Held: changed state more than the rule allows; not notified per change until it settles. */
  readonly flapping: boolean;
  /** Its newest observation was `nodata`. */
  readonly stale: boolean;
  /** Silenced by these silence ids right now (notifications held). */
  readonly silencedBy: readonly string[];
  readonly updatedAt: number;
}

export type TransitionAction =
  | 'pending'
  | 'firing'
  | 'acknowledged'
  | 'unacknowledged'
  | 'ack-expired'
  | 'resolved'
  | 'flapping'
  | 'settled'
  | 'silenced'
  | 'unsilenced';

/** One change of an alert, kept 30 days as history. `seq` grows per alert, from 1. */
export interface Transition {
  readonly alertId: string;
  readonly org: string;
  readonly seq: number;
  readonly action: TransitionAction;
  readonly from: AlertStatus | null;
  readonly to: AlertStatus;
  readonly at: number;
  readonly by?: string;
  readonly note?: string;
}

/**
 * What the state machine hands the notifier: a transition worth telling (firing, resolved, and firing
 * again after an acknowledgement expired or a silence ended) with the alert as it now is. The notifier
 * delivers it to each matching channel once: idempotency key `<alertId>:<seq>:<channelId>`.
 */
export interface Notification {
  readonly alert: Alert;
  readonly transition: Transition;
}

/** Where notifications go. The notifier (`notify/`) implements it; the state machine calls it. */
export interface NotificationSink {
  /** Queues the deliveries durably (BullMQ) and returns; never throws for a channel's trouble. */
  notify(org: string, notifications: readonly Notification[]): Promise<void>;
}

/**
 * The lifecycle's entry point for the evaluator: applies one evaluation of one rule (every instance it
 * observed) and returns what is worth notifying. Instances of the rule not in `observations` are left
 * as they are. Implemented by `state/`.
 */
export interface AlertStateMachine {
  apply(rule: AlertRule, observations: readonly Observation[], now: number): Promise<readonly Notification[]>;
  /** Time-driven changes outside evaluation (acknowledgements expiring, silences ending); returns what to notify. */
  tick(org: string, now: number): Promise<readonly Notification[]>;
}
