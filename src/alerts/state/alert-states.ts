import type { Logger } from '../../config/index.ts';
import type { Keys, RedisClient } from '../../redis/index.ts';
import type {
  AlertRule,
  AlertStateMachine,
  Notification,
  NotificationSink,
  Observation,
} from '../contract.ts';
import { Draft } from './draft.ts';
import { type StepResult, step, timeStep } from './lifecycle.ts';
import { OUTBOX_MAX, Outbox } from './outbox.ts';
import { Silences } from './silences.ts';
import { type Commit, instField, type Read, StateStore } from './store.ts';
import {
  type AlertAction,
  AlertStateError,
  HISTORY_MS,
  type HistoryEntry,
  type InstanceRecord,
  publicAlert,
  type StoredAlert,
} from './types.ts';
import { AlertViews } from './views.ts';

export interface AlertStatesDeps {
  readonly redis: RedisClient;
  readonly keys: Keys;
  /**
   * Where notifications go. With a sink every change records its notifications in the outbox in the
   * same commit and hands them to the sink itself (apply and tick return them as well); a failed
   * notify is logged and sent again by a later `tick`. Without one nothing is recorded: the caller
   * delivers what apply and tick return.
   */
  readonly sink?: NotificationSink;
  readonly logger?: Logger;
  /** Outbox entries kept per org at most. @defaultValue 10000 (`OUTBOX_MAX`) */
  readonly outboxMax?: number;
}

/** A written change: its notifications and their outbox members (none without a sink). */
interface Committed {
  readonly told: Notification[];
  readonly members: string[];
}

const nothing = (): Committed => ({ told: [], members: [] });

/** Attempts of a compare-and-set before giving up with a conflict (each re-reads what changed). */
const ATTEMPTS = 8;

interface Pending {
  instChecks: Array<[string, string | null]>;
  stateChecks: Array<[string, string | null]>;
  instWrites: Array<[string, string | null]>;
  stateWrites: Array<[string, string | null]>;
  resolvedWrites: Array<[string, number | null]>;
  history: HistoryEntry[];
  notifications: Notification[];
}

function pending(): Pending {
  return {
    instChecks: [],
    stateChecks: [],
    instWrites: [],
    stateWrites: [],
    resolvedWrites: [],
    history: [],
    notifications: [],
  };
}

function writeAlert(p: Pending, alert: StoredAlert, raw: string | null): void {
  const json = JSON.stringify(alert);
  if (json !== raw) p.stateWrites.push([alert.id, json]);
  if (alert.status === 'resolved') p.resolvedWrites.push([alert.id, alert.resolvedAt ?? alert.updatedAt]);
}

function collect(
  p: Pending,
  field: string,
  inst: Read<InstanceRecord>,
  open: Read<StoredAlert>,
  r: StepResult,
): void {
  const instJson = r.inst === null ? null : JSON.stringify(r.inst);
  if (instJson !== inst.raw) p.instWrites.push([field, instJson]);
  if (r.alert) writeAlert(p, r.alert, open.raw);
  if (r.discard !== undefined && open.raw !== null) p.stateWrites.push([r.discard, null]);
  p.history.push(...r.transitions);
  p.notifications.push(...r.notifications);
}

function changed(p: Pending): boolean {
  return p.instWrites.length + p.stateWrites.length + p.history.length > 0;
}

/**
 * The alert lifecycle (pending → firing → acknowledged → resolved) in Redis, per org, with history,
 * actions and silences. Every change is computed from records as read and written by one
 * compare-and-set script, retried when another process changed them meanwhile: two processes never
 * both open an alert or both apply a transition.
 */
export class AlertStates implements AlertStateMachine {
  readonly silences: Silences;
  readonly views: AlertViews;
  private readonly store: StateStore;
  private readonly outbox: Outbox | undefined;
  private readonly outboxMax: number;
  private readonly logger: Logger | undefined;

  constructor(deps: AlertStatesDeps) {
    this.store = new StateStore(deps.redis, deps.keys);
    this.silences = new Silences(deps.redis, deps.keys);
    this.views = new AlertViews(this.store);
    this.logger = deps.logger;
    this.outboxMax = deps.outboxMax ?? OUTBOX_MAX;
    this.outbox =
      deps.sink &&
      new Outbox({
        redis: deps.redis,
        key: (org) => this.store.key(org, 'outbox'),
        sink: deps.sink,
        ...(deps.logger && { logger: deps.logger }),
      });
  }

  async apply(
    rule: AlertRule,
    observations: readonly Observation[],
    now: number,
  ): Promise<readonly Notification[]> {
    const byInstance = new Map(observations.map((o) => [o.instance, o]));
    if (byInstance.size === 0) return [];
    const silences = await this.silences.current(rule.org, now);
    const done = await this.retry(async () => {
      const obs = [...byInstance.values()];
      const fields = obs.map((o) => instField(rule.id, o.instance));
      const insts = await this.store.instances(rule.org, fields);
      const ids = insts.map((i) => i.value?.id ?? null);
      const openIds = ids.filter((id) => id !== null);
      const reads = await this.store.alerts(rule.org, openIds);
      const opens = new Map(reads.map((r, n) => [openIds[n] as string, r]));
      const p = pending();
      obs.forEach((o, n) => {
        const field = fields[n] as string;
        const inst = insts[n] as Read<InstanceRecord>;
        const id = ids[n] ?? null;
        const open: Read<StoredAlert> = (id === null ? undefined : opens.get(id)) ?? {
          raw: null,
          value: undefined,
        };
        p.instChecks.push([field, inst.raw]);
        if (id !== null) p.stateChecks.push([id, open.raw]);
        const live = open.value?.status === 'resolved' ? undefined : open.value;
        collect(p, field, inst, open, step({ rule, obs: o, now, silences }, inst.value, live));
      });
      return this.commit(rule.org, p, now);
    });
    await this.outbox?.deliver(rule.org, done.told, done.members);
    return done.told;
  }

  async tick(org: string, now: number): Promise<readonly Notification[]> {
    const silences = await this.silences.current(org, now);
    const done = await this.retry(async () => {
      const ids = await this.store.openIds(org);
      const reads = await this.store.alerts(org, ids);
      const p = pending();
      reads.forEach((read) => {
        if (!read.value || read.value.status === 'resolved') return;
        const draft = new Draft(read.value);
        timeStep(draft, silences, now);
        if (draft.transitions.length === 0 && draft.alert === read.value) return;
        p.stateChecks.push([read.value.id, read.raw]);
        writeAlert(p, draft.alert, read.raw);
        p.history.push(...draft.transitions);
        p.notifications.push(...draft.notifications);
      });
      return this.commit(org, p, now);
    });
    await this.outbox?.deliver(org, done.told, done.members);
    await this.outbox?.resend(org, now);
    await this.store.trim(org, now - HISTORY_MS);
    await this.silences.trim(org, now - HISTORY_MS);
    return done.told;
  }

  /**
   * Ack, unack or resolve by hand; 404 for an unknown alert, 409 when its status does not allow it.
   * Once committed it succeeds: a notification the sink did not take waits in the outbox.
   */
  async act(org: string, id: string, action: AlertAction, now: number) {
    const result = await this.retry(async () => {
      const [read] = await this.store.alerts(org, [id]);
      const alert = read?.value;
      if (!read || !alert) throw new AlertStateError('not_found', `no alert ${id} in your org`);
      const field = instField(alert.ruleId, alert.instance);
      const [inst] = await this.store.instances(org, [field]);
      const draft = new Draft(alert);
      const rec = perform(draft, action, now, inst?.value);
      const p = pending();
      p.stateChecks.push([id, read.raw]);
      p.instChecks.push([field, inst?.raw ?? null]);
      writeAlert(p, draft.alert, read.raw);
      if (rec !== undefined) p.instWrites.push([field, rec === null ? null : JSON.stringify(rec)]);
      p.history.push(...draft.transitions);
      p.notifications.push(...draft.notifications);
      const done = await this.commit(org, p, now);
      return done && { alert: publicAlert(draft.alert), done };
    });
    await this.outbox?.deliver(org, result.done.told, result.done.members);
    return { alert: result.alert, notifications: result.done.told };
  }

  /**
   * Writes a computed change, and with a sink its notifications into the outbox; undefined when a
   * record changed meanwhile (then computed again).
   */
  private async commit(org: string, p: Pending, now: number): Promise<Committed | undefined> {
    if (!changed(p)) return nothing();
    const members = this.outbox ? Outbox.members(p.notifications) : [];
    const c: Commit = {
      ...p,
      trimBefore: p.history.length > 0 ? now - HISTORY_MS : 0,
      outbox: members,
      outboxAt: now,
      outboxMax: this.outboxMax,
    };
    const dropped = await this.store.commit(org, c);
    if (dropped === undefined) return undefined;
    if (dropped > 0)
      this.logger?.warn(
        { org, dropped, max: this.outboxMax },
        'alert outbox full: oldest notifications dropped',
      );
    return { told: p.notifications, members };
  }

  private async retry<T>(attempt: () => Promise<T | undefined>): Promise<T> {
    for (let n = 0; n < ATTEMPTS; n++) {
      const done = await attempt();
      if (done !== undefined) return done;
    }
    throw new AlertStateError('conflict', 'the alert changed concurrently too often; try again');
  }
}

/** Applies an action to a draft; returns the new instance record (undefined: unchanged, null: drop). */
function perform(draft: Draft, action: AlertAction, now: number, inst: InstanceRecord | undefined) {
  const status = draft.alert.status;
  const who = { by: action.by, ...(action.note !== undefined && { note: action.note }) };
  const refuse = (what: string) =>
    new AlertStateError('conflict', `cannot ${what} an alert that is ${status}`);
  switch (action.action) {
    case 'ack': {
      if (status !== 'firing') throw refuse('acknowledge');
      const expiresAt = action.expiresInMs === undefined ? undefined : now + action.expiresInMs;
      const ack = {
        by: action.by,
        at: now,
        ...(action.note !== undefined && { note: action.note }),
        ...(expiresAt !== undefined && { expiresAt }),
      };
      draft.move('acknowledged', 'acknowledged', now, { ack }, who);
      return undefined;
    }
    case 'unack': {
      if (status !== 'acknowledged') throw refuse('unacknowledge');
      draft.tell(draft.move('unacknowledged', 'firing', now, { ack: undefined }, who));
      return undefined;
    }
    case 'resolve': {
      if (status === 'resolved') throw refuse('resolve');
      const resolvedBy = { by: action.by, ...(action.note !== undefined && { note: action.note }) };
      draft.tell(
        draft.move('resolved', 'resolved', now, { resolvedAt: now, resolvedBy, flapping: false }, who),
      );
      if (!inst || inst.id !== draft.alert.id) return undefined;
      const changes = inst.up ? [...inst.changes, now] : [...inst.changes];
      return changes.length === 0 ? null : { id: null, up: false, changes };
    }
  }
}
