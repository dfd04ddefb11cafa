import { type FailureKind, VitalsError } from '../../contract/index.ts';
import type { Alert, AlertStatus, Transition } from '../contract.ts';

/** History and resolved alerts are kept this long (ms), then trimmed. */
export const HISTORY_MS = 30 * 86_400_000;

/** Flapping when a rule sets none: more than 6 changes within an hour. */
export const DEFAULT_FLAPPING = { maxChanges: 6, windowMs: 3_600_000 } as const;

/** Statuses of an alert that is still open (pending, firing or acknowledged). */
export const OPEN_STATUSES: readonly AlertStatus[] = ['pending', 'firing', 'acknowledged'];

/**
 * An alert as stored: the public `Alert` plus bookkeeping the API never shows. `seq` is the last
 * transition's number; `notified` says whether a firing notification of it went out (a resolution is
 * then always told, so that no receiver keeps a firing alert that ended).
 */
export interface StoredAlert extends Alert {
  readonly _: { readonly seq: number; readonly notified: boolean };
}

/**
 * What is kept per rule instance across its alerts: the open alert (if any), whether the instance was
 * last up (firing) or down, and the times of its recent up/down changes (for flapping).
 */
export interface InstanceRecord {
  readonly id: string | null;
  readonly up: boolean;
  readonly changes: readonly number[];
}

/** One transition as history keeps it: with the alert's host and rule, for filtering. */
export interface HistoryEntry extends Transition {
  readonly host: string;
  readonly ruleId: string;
}

/** A label matcher as Alertmanager has it: `isRegex` matches an anchored regex, `isEqual: false` negates. */
export interface SilenceMatcher {
  readonly name: string;
  readonly value: string;
  readonly isRegex: boolean;
  readonly isEqual: boolean;
}

export interface Silence {
  readonly id: string;
  readonly org: string;
  readonly matchers: readonly SilenceMatcher[];
  readonly startsAt: number;
  readonly endsAt: number;
  readonly createdBy: string;
  readonly comment: string;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export type SilenceState = 'pending' | 'active' | 'expired';

export type AlertActionName = 'ack' | 'unack' | 'resolve';

export interface AlertAction {
  readonly action: AlertActionName;
  readonly by: string;
  readonly note?: string;
  /** Only for `ack`: after this many ms it returns to firing if still open. */
  readonly expiresInMs?: number;
}

/** Why a lifecycle operation failed: unknown alert (or another org's), a bad input, a change not allowed now. */
export class AlertStateError extends VitalsError {
  override name = 'AlertStateError';
  readonly kind: FailureKind;

  constructor(kind: 'invalid' | 'not_found' | 'conflict', message: string) {
    super(message);
    this.kind = kind;
  }
}

/** The public alert: the stored one without its bookkeeping. */
export function publicAlert(stored: StoredAlert): Alert {
  const { _: _hidden, ...alert } = stored;
  return alert;
}
