import type { Logger } from '../../config/index.ts';
import type { RedisClient } from '../../redis/index.ts';
import type { Notification, NotificationSink } from '../contract.ts';

/**
 * Outbox entries kept per org at most (about 1 KB each). Beyond it the oldest are dropped, with a
 * warning: only a sink that keeps failing for a long time fills it.
 */
export const OUTBOX_MAX = 10_000;

/** An entry is re-sent by `tick` once it is this old (ms): a notify still in flight is not raced. */
export const OUTBOX_GRACE_MS = 5_000;

/** Entries re-sent per `tick` at most, oldest first. */
const RESEND_BATCH = 500;

export interface OutboxDeps {
  readonly redis: RedisClient;
  /** The org's outbox ZSET key. */
  readonly key: (org: string) => string;
  readonly sink: NotificationSink;
  readonly logger?: Logger;
}

function parse(member: string): Notification | undefined {
  try {
    return JSON.parse(member) as Notification;
  } catch {
    return undefined;
  }
}

/**
 * Notifications committed with their transition (`alerts-commit-5.lua` writes them in the same
 * script) and not yet handed to the sink: a ZSET, member the notification's JSON, score the commit
 * time. An entry is removed once `sink.notify` returned; whatever stays (the notify failed, the
 * process died between commit and notify) is sent again by a later `tick`. The sink queues each
 * notification under an idempotent job id, so sending one twice delivers it once.
 */
export class Outbox {
  constructor(private readonly deps: OutboxDeps) {}

  /** The members to commit for these notifications. */
  static members(notifications: readonly Notification[]): string[] {
    return notifications.map((n) => JSON.stringify(n));
  }

  /** Hands committed notifications to the sink and removes their entries; a failure is logged, they stay. */
  async deliver(org: string, notifications: readonly Notification[], members: readonly string[]) {
    if (members.length === 0) return true;
    try {
      await this.deps.sink.notify(org, notifications);
      await this.deps.redis.zrem(this.deps.key(org), ...members);
      return true;
    } catch (err: unknown) {
      this.deps.logger?.warn(
        { err, org, notifications: members.length },
        'notifications not queued; kept in the outbox for the next evaluation round',
      );
      return false;
    }
  }

  /** Sends again the entries committed before `now − OUTBOX_GRACE_MS` (oldest first); how many were sent. */
  async resend(org: string, now: number): Promise<number> {
    const key = this.deps.key(org);
    const due = await this.deps.redis.zrangebyscore(
      key,
      '-inf',
      now - OUTBOX_GRACE_MS,
      'LIMIT',
      0,
      RESEND_BATCH,
    );
    if (due.length === 0) return 0;
    const parsed = due.map(parse);
    const broken = due.filter((_, n) => parsed[n] === undefined);
    if (broken.length > 0) {
      this.deps.logger?.warn({ org, entries: broken.length }, 'unreadable outbox entries dropped');
      await this.deps.redis.zrem(key, ...broken);
    }
    const ok = parsed.filter((n) => n !== undefined);
    const members = due.filter((_, n) => parsed[n] !== undefined);
    return (await this.deliver(org, ok, members)) ? members.length : 0;
  }

  size(org: string): Promise<number> {
    return this.deps.redis.zcard(this.deps.key(org));
  }
}
