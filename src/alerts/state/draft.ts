import type { Alert, AlertStatus, Notification, Transition, TransitionAction } from '../contract.ts';
import { type HistoryEntry, publicAlert, type StoredAlert } from './types.ts';

/**
 * One alert being changed: each `move` is a transition (numbered, kept for history); `tell` decides
 * whether a transition is worth a notification. Held: news of trouble while the alert is silenced or
 * flapping. Always told: a resolution of an alert whose firing was told (no receiver keeps a firing
 * alert that ended), and (`force`) the one notification of a flapping alert's settled state.
 */
export class Draft {
  readonly transitions: HistoryEntry[] = [];
  readonly notifications: Notification[] = [];

  constructor(public alert: StoredAlert) {}

  move(
    action: TransitionAction,
    to: AlertStatus,
    at: number,
    patch: Partial<Alert> = {},
    who: { readonly by?: string; readonly note?: string; readonly from?: null } = {},
  ): Transition {
    const before = this.alert;
    const seq = before._.seq + 1;
    this.alert = { ...before, ...patch, status: to, updatedAt: at, _: { ...before._, seq } };
    const transition: Transition = {
      alertId: before.id,
      org: before.org,
      seq,
      action,
      from: who.from === null ? null : before.status,
      to,
      at,
      ...(who.by !== undefined && { by: who.by }),
      ...(who.note !== undefined && { note: who.note }),
    };
    this.transitions.push({ ...transition, host: before.host, ruleId: before.ruleId });
    return transition;
  }

  /** Changes the alert without a transition (value, staleness, annotations). */
  patch(patch: Partial<Alert>, at: number): void {
    this.alert = { ...this.alert, ...patch, updatedAt: at };
  }

  tell(transition: Transition, options: { readonly force?: boolean } = {}): void {
    const alert = this.alert;
    if (!options.force) {
      if (transition.to === 'resolved' && !alert._.notified) return;
      if (transition.to !== 'resolved' && (alert.silencedBy.length > 0 || alert.flapping)) return;
    }
    if (transition.to !== 'resolved') this.alert = { ...alert, _: { ...alert._, notified: true } };
    this.notifications.push({ alert: publicAlert(this.alert), transition });
  }
}
