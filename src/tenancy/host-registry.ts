import type { Logger } from '../config/index.ts';
import { TenancyError } from './errors.ts';
import { newHost, patchedHost } from './host-input.ts';
import type { RedisHosts } from './redis-hosts.ts';
import type { Host } from './schema.ts';
import type { EnsureHostResult, HostChange, HostChangeListener, HostHints } from './tenancy.ts';
import { TtlCache } from './ttl-cache.ts';

/** Compare-and-set rounds an update makes against concurrent updates before answering `conflict`. */
const UPDATE_ATTEMPTS = 5;

export interface HostRegistryOptions {
  /** A push from an unknown host registers it (`VITALS_AUTO_REGISTER_HOSTS`). @defaultValue true */
  readonly autoRegister?: boolean;
  /** How long `ensureHost` trusts that a host exists without asking Redis. @defaultValue 60 000 ms */
  readonly knownTtlMs?: number;
  /** Known hosts remembered per process. @defaultValue 100 000 */
  readonly knownMaxEntries?: number;
}

interface HostRegistryDeps {
  readonly hosts: RedisHosts;
  readonly now: () => number;
  readonly logger?: Logger;
}

function notFound(id: string): TenancyError {
  return new TenancyError('not_found', `host "${id}" not found`);
}

/** Host CRUD per org, auto-registration for pushes, and change events for other modules. */
export class HostRegistry {
  private readonly listeners = new Set<HostChangeListener>();
  private readonly known: TtlCache<true>;
  private readonly autoRegister: boolean;

  constructor(
    private readonly deps: HostRegistryDeps,
    options: HostRegistryOptions = {},
  ) {
    this.autoRegister = options.autoRegister ?? true;
    const ttlMs = options.knownTtlMs ?? 60_000;
    // Stale for as long again: while Redis is away a host seen lately still counts as existing.
    this.known = new TtlCache({
      ttlMs,
      staleMs: ttlMs,
      maxEntries: options.knownMaxEntries ?? 100_000,
      now: deps.now,
    });
  }

  list(org: string): Promise<Host[]> {
    return this.deps.hosts.list(org);
  }

  async get(org: string, id: string): Promise<Host | undefined> {
    return (await this.deps.hosts.get(org, id))?.host;
  }

  async create(org: string, input: unknown): Promise<Host> {
    const host = newHost(input, this.deps.now());
    if (!(await this.deps.hosts.insert(org, host))) {
      throw new TenancyError('conflict', `host "${host.id}" already exists`);
    }
    this.known.set(`${org}:${host.id}`, true);
    this.emit({ type: 'created', org, host });
    return host;
  }

  async update(org: string, id: string, patch: unknown): Promise<Host> {
    for (let attempt = 0; attempt < UPDATE_ATTEMPTS; attempt++) {
      const stored = await this.deps.hosts.get(org, id);
      if (!stored) throw notFound(id);
      const next = patchedHost(stored.host, patch, this.deps.now());
      if (next === stored.host) return next;
      if (await this.deps.hosts.replace(org, stored.json, next)) {
        this.emit({ type: 'updated', org, host: next, previous: stored.host });
        return next;
      }
    }
    throw new TenancyError('conflict', `host "${id}" kept changing while being updated; retry`);
  }

  async delete(org: string, id: string): Promise<void> {
    const host = await this.deps.hosts.remove(org, id);
    if (!host) throw notFound(id);
    this.known.delete(`${org}:${id}`);
    this.emit({ type: 'deleted', org, host });
  }

  async ensure(org: string, id: string, hints: HostHints = {}): Promise<EnsureHostResult> {
    const key = `${org}:${id}`;
    const hit = this.known.get(key);
    if (hit?.fresh) return 'existing';
    try {
      const result = await this.lookUpOrRegister(org, id, hints);
      if (result !== 'refused') this.known.set(key, true);
      return result;
    } catch (err: unknown) {
      if (hit && err instanceof TenancyError && err.retryable) return 'existing';
      throw err;
    }
  }

  onChange(listener: HostChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private async lookUpOrRegister(org: string, id: string, hints: HostHints): Promise<EnsureHostResult> {
    if (!this.autoRegister) return (await this.deps.hosts.get(org, id)) ? 'existing' : 'refused';
    const input = {
      id,
      ...(hints.name !== undefined && { name: hints.name }),
      ...(hints.labels && { labels: hints.labels }),
    };
    const host = newHost(input, this.deps.now());
    if (!(await this.deps.hosts.insert(org, host))) return 'existing';
    this.emit({ type: 'created', org, host });
    return 'created';
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
