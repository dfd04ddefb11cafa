import { createHash } from 'node:crypto';
import type { AlertRule, Notification, Observation } from '../contract.ts';
import { renderAnnotations } from '../rules/template.ts';
import { Draft } from './draft.ts';
import { silencing } from './silence-match.ts';
import {
  DEFAULT_FLAPPING,
  type HistoryEntry,
  type InstanceRecord,
  type Silence,
  type StoredAlert,
} from './types.ts';

/** What one step did to one rule instance: the records to write and what to tell. */
export interface StepResult {
  /** The instance record to keep (null: drop it). */
  readonly inst: InstanceRecord | null;
  /** The alert to store (open, or just resolved). */
  readonly alert?: StoredAlert;
  /** An alert to delete (a pending one discarded). */
  readonly discard?: string;
  readonly transitions: readonly HistoryEntry[];
  readonly notifications: readonly Notification[];
}

export interface StepContext {
  readonly rule: AlertRule;
  readonly obs: Observation;
  readonly now: number;
  readonly silences: readonly Silence[];
}

/** `<ruleId>:<instance hash>:<startedAt>`: stable, URL-safe, unique per instance and start. */
export function alertId(ruleId: string, instance: string, startedAt: number): string {
  const hash = createHash('sha256').update(instance).digest('hex').slice(0, 12);
  return `${ruleId}:${hash}:${startedAt}`;
}

function labelsOf(rule: AlertRule, obs: Observation): Record<string, string> {
  return {
    ...obs.labels,
    ...rule.labels,
    alertname: rule.name,
    rule: rule.id,
    severity: rule.severity,
    host: obs.host,
  };
}

function newAlert(ctx: StepContext): StoredAlert {
  const { rule, obs } = ctx;
  const labels = labelsOf(rule, obs);
  return {
    id: alertId(rule.id, obs.instance, obs.at),
    org: rule.org,
    ruleId: rule.id,
    instance: obs.instance,
    host: obs.host,
    ...(obs.series !== undefined && { series: obs.series }),
    status: 'pending',
    severity: rule.severity,
    labels,
    annotations: renderAnnotations(rule, obs),
    value: obs.value,
    threshold: rule.threshold,
    startedAt: obs.at,
    flapping: false,
    stale: false,
    silencedBy: silencing(ctx.silences, labels, ctx.now),
    updatedAt: ctx.now,
    _: { seq: 0, notified: false },
  };
}

/** Mutable state of one step over one instance. */
class Step {
  readonly flap: { readonly maxChanges: number; readonly windowMs: number };
  rec: { id: string | null; up: boolean; changes: number[] };
  discard: string | undefined;

  constructor(
    readonly ctx: StepContext,
    inst: InstanceRecord | undefined,
    readonly draft: Draft | undefined,
  ) {
    this.flap = ctx.rule.flapping ?? DEFAULT_FLAPPING;
    const since = ctx.now - this.flap.windowMs;
    this.rec = {
      id: draft?.alert.id ?? null,
      up: inst?.up ?? false,
      changes: (inst?.changes ?? []).filter((t) => t > since),
    };
  }

  /** Records an up/down change; true when it makes the instance flap. */
  change(up: boolean): boolean {
    if (this.rec.up === up) return false;
    this.rec.up = up;
    this.rec.changes.push(this.ctx.now);
    return this.rec.changes.length > this.flap.maxChanges;
  }

  fire(draft: Draft): void {
    const { now } = this.ctx;
    const flapping = this.change(true);
    const fired = draft.move('firing', 'firing', now, { firedAt: now });
    if (flapping) draft.move('flapping', 'firing', now, { flapping: true });
    else draft.tell(fired);
  }

  resolve(draft: Draft): void {
    const { now } = this.ctx;
    if (this.change(false)) {
      draft.move('flapping', draft.alert.status, now, { flapping: true });
      return;
    }
    draft.tell(draft.move('resolved', 'resolved', now, { resolvedAt: now }));
    this.rec.id = null;
  }

  /** A flapping alert follows its observations silently and settles after a quiet window. */
  flapping(draft: Draft): void {
    const { obs, now } = this.ctx;
    const up = obs.state === 'breaching' ? true : obs.state === 'ok' ? false : this.rec.up;
    this.change(up);
    const last = this.rec.changes.at(-1);
    if (last !== undefined && now - last < this.flap.windowMs) return;
    if (!up) {
      draft.tell(draft.move('settled', 'resolved', now, { flapping: false, resolvedAt: now }), {
        force: true,
      });
      this.rec.id = null;
      return;
    }
    const status = draft.alert.status;
    const settled = draft.move('settled', status, now, { flapping: false });
    if (status === 'firing') draft.tell(settled);
  }

  lifecycle(draft: Draft): void {
    const { obs, rule } = this.ctx;
    if (draft.alert.flapping) {
      this.flapping(draft);
      return;
    }
    if (draft.alert.status === 'pending') {
      if (obs.state === 'breaching' && obs.at - draft.alert.startedAt >= rule.forMs) this.fire(draft);
      else if (obs.state === 'ok' || obs.state === 'between') {
        draft.move(
          'resolved',
          'resolved',
          this.ctx.now,
          {},
          { note: 'discarded: cleared before its for duration' },
        );
        this.discard = draft.alert.id;
        this.rec.id = null;
      }
      return;
    }
    if (obs.state === 'ok') this.resolve(draft);
  }
}

/** Refreshes what the newest observation says: value and annotations, or `stale` when it had no data. */
function observe(draft: Draft, ctx: StepContext): void {
  if (ctx.obs.state === 'nodata') {
    if (!draft.alert.stale) draft.patch({ stale: true }, ctx.now);
    return;
  }
  draft.patch(
    { value: ctx.obs.value, stale: false, annotations: renderAnnotations(ctx.rule, ctx.obs) },
    ctx.now,
  );
}

/** Ack expiry and silence changes: what time alone changes (also run by `tick`). */
export function timeStep(draft: Draft, silences: readonly Silence[], now: number): void {
  const { alert } = draft;
  if (alert.status === 'acknowledged' && alert.ack?.expiresAt !== undefined && alert.ack.expiresAt <= now) {
    draft.tell(draft.move('ack-expired', 'firing', now, { ack: undefined }));
  }
  const ids = silencing(silences, draft.alert.labels, now);
  const before = draft.alert.silencedBy;
  if (ids.join(',') === before.join(',')) return;
  if (before.length === 0) {
    draft.move('silenced', draft.alert.status, now, { silencedBy: ids });
  } else if (ids.length === 0) {
    const released = draft.move('unsilenced', draft.alert.status, now, { silencedBy: [] });
    if (draft.alert.status === 'firing') draft.tell(released);
  } else {
    draft.patch({ silencedBy: ids }, now);
  }
}

/**
 * One observation applied to one instance: `breaching` opens a pending alert that fires after the
 * rule's `for`; `between` keeps an open alert (discards a pending one); `ok` resolves (discards a
 * pending one); `nodata` keeps the state and marks it stale. See docs/alerts.md, "Lifecycle".
 */
export function step(
  ctx: StepContext,
  inst: InstanceRecord | undefined,
  open: StoredAlert | undefined,
): StepResult {
  if (!open) {
    const s = new Step(ctx, inst, undefined);
    if (ctx.obs.state !== 'breaching') return { inst: keep(s.rec), transitions: [], notifications: [] };
    const draft = new Draft(newAlert(ctx));
    draft.move('pending', 'pending', ctx.now, {}, { from: null });
    if (draft.alert.silencedBy.length > 0) draft.move('silenced', 'pending', ctx.now);
    s.rec.id = draft.alert.id;
    if (ctx.rule.forMs <= 0) s.fire(draft);
    return finish(s, draft);
  }
  const draft = new Draft(open);
  const s = new Step(ctx, inst, draft);
  observe(draft, ctx);
  timeStep(draft, ctx.silences, ctx.now);
  s.lifecycle(draft);
  return finish(s, draft);
}

function keep(rec: InstanceRecord): InstanceRecord | null {
  return rec.id === null && rec.changes.length === 0 ? null : rec;
}

function finish(s: Step, draft: Draft): StepResult {
  return {
    inst: keep(s.rec),
    ...(s.discard === undefined ? { alert: draft.alert } : { discard: s.discard }),
    transitions: draft.transitions,
    notifications: draft.notifications,
  };
}
