import type { Alert, AlertStatus, Severity } from '../contract.ts';
import type { StateStore } from './store.ts';
import { AlertStateError, type HistoryEntry, OPEN_STATUSES, publicAlert } from './types.ts';

export interface AlertFilter {
  /** @defaultValue the open ones: pending, firing, acknowledged */
  readonly statuses?: readonly AlertStatus[];
  readonly severity?: Severity;
  readonly host?: string;
  readonly hosts?: ReadonlySet<string>;
  readonly rule?: string;
  /** @defaultValue 100 */
  readonly limit?: number;
  /** Where the previous page ended (opaque). */
  readonly cursor?: string;
}

export interface AlertPage {
  readonly alerts: Alert[];
  /** Pass as `cursor` for the next page; null at the end. */
  readonly nextCursor: string | null;
}

export interface AlertSummary {
  /** Open alerts by status; `resolved`: resolved in the last 24 hours. */
  readonly byStatus: Record<AlertStatus, number>;
  /** Firing and acknowledged alerts by severity. */
  readonly bySeverity: Record<Severity, number>;
  /** Firing alerts per host, by severity (hosts with none are absent). */
  readonly firingByHost: Record<string, Partial<Record<Severity, number>>>;
  readonly flapping: number;
  readonly silenced: number;
}

export interface HistoryQuery {
  readonly from: number;
  readonly to: number;
  readonly host?: string;
  readonly rule?: string;
  /** @defaultValue 100 */
  readonly limit?: number;
  readonly cursor?: string;
}

/** Stream entries read per round when scanning history (a filter may keep few of them). */
const SCAN = 1000;
/** Rounds one history request may scan before it answers with a cursor. */
const SCAN_ROUNDS = 20;
const DAY_MS = 86_400_000;
const CURSOR = /^\(?\d+-\d+$/;

function newestFirst(a: Alert, b: Alert): number {
  return (b.resolvedAt ?? b.startedAt) - (a.resolvedAt ?? a.startedAt) || (a.id < b.id ? -1 : 1);
}

/** Reading alerts: lists, one with its history, the summary for badges, history by time. */
export class AlertViews {
  constructor(private readonly store: StateStore) {}

  async list(org: string, filter: AlertFilter): Promise<AlertPage> {
    const statuses = new Set(filter.statuses ?? OPEN_STATUSES);
    const ids = [
      ...(OPEN_STATUSES.some((s) => statuses.has(s)) ? await this.store.openIds(org) : []),
      ...(statuses.has('resolved') ? await this.store.resolvedIds(org) : []),
    ];
    const keep = (a: Alert) =>
      statuses.has(a.status) &&
      (filter.severity === undefined || a.severity === filter.severity) &&
      (filter.host === undefined || a.host === filter.host) &&
      (filter.hosts === undefined || filter.hosts.has(a.host)) &&
      (filter.rule === undefined || a.ruleId === filter.rule);
    const alerts = (await this.store.alerts(org, ids))
      .flatMap((r) => (r.value ? [publicAlert(r.value)] : []))
      .filter(keep)
      .sort(newestFirst);
    const offset = filter.cursor === undefined ? 0 : Number(filter.cursor);
    if (!Number.isSafeInteger(offset) || offset < 0)
      throw new AlertStateError('invalid', 'query.cursor: is not a cursor this route gave');
    const limit = filter.limit ?? 100;
    const page = alerts.slice(offset, offset + limit);
    return { alerts: page, nextCursor: offset + limit < alerts.length ? String(offset + limit) : null };
  }

  /** One alert and its transitions, oldest first; 404 for an unknown one or another org's. */
  async get(org: string, id: string): Promise<{ alert: Alert; history: HistoryEntry[] }> {
    const [read] = await this.store.alerts(org, [id]);
    if (!read?.value) throw new AlertStateError('not_found', `no alert ${id} in your org`);
    const alert = read.value;
    const history: HistoryEntry[] = [];
    // Entry ids never precede their transition's time, and its first transition is at its start.
    let from = String(Math.max(0, alert.startedAt - 60_000));
    for (let round = 0; round < SCAN_ROUNDS; round++) {
      const page = await this.store.history(org, { from, to: Number.MAX_SAFE_INTEGER, count: SCAN });
      history.push(...page.entries.filter((e) => e.alertId === id));
      if (page.next === undefined || history.at(-1)?.seq === alert._.seq) break;
      from = page.next;
    }
    return { alert: publicAlert(alert), history };
  }

  async summary(org: string, now: number): Promise<AlertSummary> {
    const open = (await this.store.alerts(org, await this.store.openIds(org))).flatMap((r) =>
      r.value && r.value.status !== 'resolved' ? [r.value] : [],
    );
    const byStatus: Record<AlertStatus, number> = { pending: 0, firing: 0, acknowledged: 0, resolved: 0 };
    const bySeverity: Record<Severity, number> = { warning: 0, critical: 0 };
    const firingByHost: Record<string, Partial<Record<Severity, number>>> = {};
    for (const a of open) {
      byStatus[a.status]++;
      if (a.status === 'pending') continue;
      bySeverity[a.severity]++;
      if (a.status !== 'firing') continue;
      const host = firingByHost[a.host] ?? {};
      host[a.severity] = (host[a.severity] ?? 0) + 1;
      firingByHost[a.host] = host;
    }
    byStatus.resolved = await this.store.resolvedSince(org, now - DAY_MS);
    return {
      byStatus,
      bySeverity,
      firingByHost,
      flapping: open.filter((a) => a.flapping).length,
      silenced: open.filter((a) => a.silencedBy.length > 0).length,
    };
  }

  /** Transitions in [from, to], oldest first, filtered by host and rule, a page at a time. */
  async history(
    org: string,
    q: HistoryQuery,
  ): Promise<{ transitions: HistoryEntry[]; nextCursor: string | null }> {
    if (q.cursor !== undefined && !CURSOR.test(q.cursor))
      throw new AlertStateError('invalid', 'query.cursor: is not a cursor this route gave');
    const limit = q.limit ?? 100;
    const out: HistoryEntry[] = [];
    let from: string | undefined = q.cursor ?? String(q.from);
    for (let round = 0; round < SCAN_ROUNDS && from !== undefined && out.length < limit; round++) {
      const page = await this.store.history(org, { from, to: q.to, count: SCAN });
      for (const [n, e] of page.entries.entries()) {
        if ((q.host !== undefined && e.host !== q.host) || (q.rule !== undefined && e.ruleId !== q.rule))
          continue;
        out.push(e);
        if (out.length === limit) {
          const more = n < page.entries.length - 1 || page.next !== undefined;
          return { transitions: out, nextCursor: more ? `(${page.ids[n]}` : null };
        }
      }
      from = page.next;
    }
    return { transitions: out, nextCursor: from ?? null };
  }
}
