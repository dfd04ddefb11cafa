import type { Logger } from '../config/index.ts';
import { TenancyError } from './errors.ts';
import { newHost, patchedHost } from './host-input.ts';
import type { RedisHosts } from './redis-hosts.ts';
import type { Host } from './schema.ts';
import type { TenancySync } from './sync.ts';
import type { EnsureHostResult, HostChange, HostChangeListener, HostHints } from './tenancy.ts';
import { TtlCache } from './ttl-cache.ts';

/** Compare-and-set rounds an update makes against concurrent updates before answering `conflict`. */
const UPDATE_ATTEMPTS = 5;
/** Hosts first seen during an outage, remembered for registration once Redis answers. */
const MAX_DEFERRED = 10_000;
/** How often deferred registrations are retried while any wait. */
const DEFERRED_RETRY_MS = 5000;
/** Entries past their freshness are kept this long as a fallback while Redis is unreachable. */
const STALE_MS = 7 * 24 * 3600_000;

export interface HostRegistryOptions {
  /** A push from an unknown host registers it (`VITALS_AUTO_REGISTER_HOSTS`). @defaultValue true */
  readonly autoRegister?: boolean;
  /**
   * How long a cached host or host list is used without asking Redis. Changes reach other processes
   * at once through pub/sub; this bounds how stale a missed message can leave them. @defaultValue 30 000 ms
   */
  readonly cacheTtlMs?: number;
  /** Hosts and host lists kept per process. @defaultValue 100 000 */
  readonly cacheMaxEntries?: number;
}

interface HostRegistryDeps {
  readonly hosts: RedisHosts;
  readonly now: () => number;
  readonly sync: TenancySync;
  readonly logger?: Logger;
}

function notFound(id: string): TenancyError {
  return new TenancyError('not_found', `host "${id}" not found`);
}

function unreachable(err: unknown): boolean {
  return err instanceof TenancyError && err.retryable;
}

/**
 * Host CRUD per org, auto-registration for pushes, and change events for other modules. Reads go
 * through a bounded in-process cache (fresh for `cacheTtlMs`, dropped on any change in any process),
 * which also answers while Redis is unreachable; a host first seen then is registered when Redis is back.
 */
export class HostRegistry {
  private readonly listeners = new Set<HostChangeListener>();
  private readonly lists: TtlCache<readonly Host[]>;
  private readonly byId: TtlCache<Host | null>;
  private readonly deferred = new Map<string, { org: string; id: string; hints: HostHints }>();
  private readonly autoRegister: boolean;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly deps: HostRegistryDeps,
    options: HostRegistryOptions = {},
  ) {
    this.autoRegister = options.autoRegister ?? true;
    const cache = {
      ttlMs: options.cacheTtlMs ?? 30_000,
      staleMs: STALE_MS,
      maxEntries: options.cacheMaxEntries ?? 100_000,
      now: deps.now,
    };
    this.lists = new TtlCache(cache);
    this.byId = new TtlCache(cache);
    deps.sync.onChange((change) => {
      if (change.kind === 'hosts') this.forget(change.org);
    });
    // Messages may have been missed while the subscriber was away: ask Redis next time, but keep the
    // entries as the fallback for the next outage.
    deps.sync.onResync(() => {
      this.lists.expireWhere();
      this.byId.expireWhere();
      void this.registerDeferred();
    });
  }

  async list(org: string, fresh = false): Promise<Host[]> {
    const hit = this.lists.get(org);
    if (hit?.fresh && !fresh) return [...hit.value];
    try {
      const hosts = await this.deps.hosts.list(org);
      this.lists.set(org, hosts);
      return hosts;
    } catch (err: unknown) {
      if (hit && unreachable(err)) return [...hit.value];
      throw err;
    }
  }

  async get(org: string, id: string, fresh = false): Promise<Host | undefined> {
    const key = `${org}:${id}`;
    const hit = this.byId.get(key);
    if (hit?.fresh && !fresh) return hit.value ?? undefined;
    try {
      const host = (await this.deps.hosts.get(org, id))?.host;
      this.byId.set(key, host ?? null);
      return host;
    } catch (err: unknown) {
      if (!unreachable(err)) throw err;
      if (hit) return hit.value ?? undefined;
      const listed = this.lists.get(org);
      if (listed) return listed.value.find((h) => h.id === id);
      throw err;
    }
  }

  async create(org: string, input: unknown): Promise<Host> {
    const host = newHost(input, this.deps.now());
    if (!(await this.deps.hosts.insert(org, host))) {
      throw new TenancyError('conflict', `host "${host.id}" already exists`);
    }
    this.changed({ type: 'created', org, host });
    this.byId.set(`${org}:${host.id}`, host);
    return host;
  }

  async update(org: string, id: string, patch: unknown): Promise<Host> {
    for (let attempt = 0; attempt < UPDATE_ATTEMPTS; attempt++) {
      const stored = await this.deps.hosts.get(org, id);
      if (!stored) throw notFound(id);
      const next = patchedHost(stored.host, patch, this.deps.now());
      if (next === stored.host && !stored.stale) return next;
      if (await this.deps.hosts.replace(org, stored.json, next)) {
        // A record only sealed anew (plaintext or old-key secrets) did not change for anyone.
        if (next !== stored.host) this.changed({ type: 'updated', org, host: next, previous: stored.host });
        return next;
      }
    }
    throw new TenancyError('conflict', `host "${id}" kept changing while being updated; retry`);
  }

  async delete(org: string, id: string): Promise<void> {
    const host = await this.deps.hosts.remove(org, id);
    if (!host) throw notFound(id);
    this.changed({ type: 'deleted', org, host });
  }

  /**
   * Deletes every host of the org, one by one so listeners hear of each (collection drops its
   * schedules); answers their ids.
   */
  async deleteAll(org: string): Promise<string[]> {
    const hosts = await this.deps.hosts.list(org);
    for (const host of hosts) {
      const removed = await this.deps.hosts.remove(org, host.id);
      if (removed) this.changed({ type: 'deleted', org, host: removed });
    }
    await this.deps.hosts.removeAll(org);
    this.deps.sync.publish({ kind: 'hosts', org });
    return hosts.map((h) => h.id);
  }

  count(org: string): Promise<number> {
    return this.deps.hosts.count(org);
  }

  /**
   * For pushes: `existing` (known), `created` (registered now), `refused` (unknown, auto-registration
   * off) or `deferred` (Redis unreachable and the host not cached: registered once Redis answers).
   */
  async ensure(org: string, id: string, hints: HostHints = {}): Promise<EnsureHostResult> {
    const key = `${org}:${id}`;
    const hit = this.byId.get(key);
    if (hit?.fresh && hit.value) return 'existing';
    try {
      return await this.lookUpOrRegister(org, id, hints);
    } catch (err: unknown) {
      if (!unreachable(err)) throw err;
      if (hit?.value) return 'existing';
      this.defer(org, id, hints);
      return 'deferred';
    }
  }

  /** Checks a push's host hints as registration would, without storing anything. */
  checkHints(id: string, hints: HostHints = {}): void {
    newHost(hostInput(id, hints), this.deps.now());
  }

  /** Hosts waiting for registration because Redis was unreachable when they first pushed. */
  get deferredCount(): number {
    return this.deferred.size;
  }

  /** Registers the hosts deferred during an outage; those Redis still refuses stay for the next try. */
  async registerDeferred(): Promise<void> {
    for (const [key, entry] of [...this.deferred]) {
      try {
        const result = await this.lookUpOrRegister(entry.org, entry.id, entry.hints);
        this.deferred.delete(key);
        if (result === 'refused') {
          this.deps.logger?.warn(
            { org: entry.org, host: entry.id },
            'a host that pushed during the outage is unknown and VITALS_AUTO_REGISTER_HOSTS is off; its data is stored but not shown until the host is created',
          );
        }
      } catch (err: unknown) {
        if (!unreachable(err)) {
          this.deferred.delete(key);
          this.deps.logger?.warn({ err, host: entry.id }, 'deferred host registration refused');
        }
        return;
      }
    }
    if (this.deferred.size === 0 && this.retryTimer) {
      clearInterval(this.retryTimer);
      this.retryTimer = undefined;
    }
  }

  onChange(listener: HostChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    if (this.retryTimer) clearInterval(this.retryTimer);
    this.retryTimer = undefined;
  }

  private defer(org: string, id: string, hints: HostHints): void {
    if (this.deferred.size < MAX_DEFERRED) this.deferred.set(`${org}:${id}`, { org, id, hints });
    this.retryTimer ??= setInterval(() => void this.registerDeferred(), DEFERRED_RETRY_MS);
    this.retryTimer.unref();
  }

  /** After a change: the org's hosts are asked from Redis next time, and kept as the outage fallback. */
  private forget(org: string): void {
    this.lists.expireWhere((key) => key === org);
    this.byId.expireWhere((key) => key.startsWith(`${org}:`));
  }

  private async lookUpOrRegister(org: string, id: string, hints: HostHints): Promise<EnsureHostResult> {
    if (!this.autoRegister) return (await this.get(org, id)) ? 'existing' : 'refused';
    const host = newHost(hostInput(id, hints), this.deps.now());
    if (!(await this.deps.hosts.insert(org, host))) {
      this.byId.set(`${org}:${id}`, (await this.deps.hosts.get(org, id))?.host ?? null);
      return 'existing';
    }
    this.changed({ type: 'created', org, host });
    this.byId.set(`${org}:${id}`, host);
    return 'created';
  }

  /** After a stored change: every process drops the org's cached hosts, then listeners are told. */
  private changed(change: HostChange): void {
    this.deps.sync.publish({ kind: 'hosts', org: change.org });
    this.emit(change);
  }

  /** Listeners run after the write; one that throws is logged and cannot fail the change. */
  private emit(change: HostChange): void {
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch (err: unknown) {
        this.deps.logger?.error(
          { err, change: change.type, host: change.host.id },
          'host change listener failed',
        );
      }
    }
  }
}

function hostInput(id: string, hints: HostHints) {
  return {
    id,
    ...(hints.name !== undefined && { name: hints.name }),
    ...(hints.labels && { labels: hints.labels }),
  };
}
