import { Type } from 'typebox';
import type { Logger } from '../config/index.ts';
import { closeRedis, type Keys, type RedisClient } from '../redis/index.ts';
import { bootstrap } from './bootstrap.ts';
import { TenancyError } from './errors.ts';
import { HostRegistry, type HostRegistryOptions } from './host-registry.ts';
import { RedisHosts } from './redis-hosts.ts';
import { RedisOrgs } from './redis-orgs.ts';
import { RedisTokens } from './redis-tokens.ts';
import {
  type CreatedToken,
  type Host,
  type HostCreate,
  type HostPatch,
  Org,
  type TokenCreate,
  type TokenInfo,
} from './schema.ts';
import { SecretSeal } from './secret-seal.ts';
import { TenancySync } from './sync.ts';
import type {
  AuthContext,
  BootstrapOptions,
  BootstrapResult,
  EnsureHostResult,
  HostChangeListener,
  HostHints,
  Tenancy,
} from './tenancy.ts';
import { type TokenCacheOptions, TokenService } from './token-service.ts';
import { checker } from './validate.ts';

const checkOrg = checker(Type.Omit(Org, ['createdAt'], { additionalProperties: false }));

export interface RedisTenancyOptions {
  /** A `request`-role connection: tenancy calls sit on request paths and must fail fast. */
  readonly redis: RedisClient;
  readonly keys: Keys;
  /** @defaultValue `Date.now` */
  readonly now?: () => number;
  /** Logs listener failures and missed `lastUsedAt` writes (never a token). */
  readonly logger?: Logger;
  readonly tokenCache?: TokenCacheOptions;
  readonly hosts?: HostRegistryOptions;
  /**
   * A `subscriber`-role connection for cache coherence between processes (closed by `close()`).
   * Without it, other processes' changes reach this one's caches only as they expire.
   */
  readonly subscriber?: RedisClient;
  /** `VITALS_ADMIN_TOKEN`: accepted from memory, even while Redis is away. */
  readonly adminToken?: string;
  /**
   * Keys sealing collector secrets at rest (`VITALS_SECRET_KEY`, 32 bytes each): the first seals,
   * every one opens. Without keys secrets are stored as sent: only for tests and tools that keep none.
   */
  readonly secretKeys?: readonly Uint8Array[];
}

/** Tenancy on Redis: every key from `Keys`, all in the `{tenancy}` hash tag, per-org keys named by org. */
export class RedisTenancy implements Tenancy {
  private readonly orgs: RedisOrgs;
  private readonly tokenStore: RedisTokens;
  private readonly tokens: TokenService;
  private readonly hosts: HostRegistry;
  private readonly now: () => number;

  constructor(options: RedisTenancyOptions) {
    this.now = options.now ?? Date.now;
    const { redis, keys, logger } = options;
    this.orgs = new RedisOrgs(redis, keys);
    this.tokenStore = new RedisTokens(redis, keys);
    const now = this.now;
    this.subscriber = options.subscriber;
    const sync = new TenancySync({
      publisher: redis,
      subscriber: options.subscriber,
      channel: keys.tenancyChannel(),
      logger,
    });
    this.tokens = new TokenService(
      {
        tokens: this.tokenStore,
        orgs: this.orgs,
        now,
        logger,
        sync,
        connected: () => redis.status === 'ready',
        adminToken: options.adminToken,
      },
      options.tokenCache,
    );
    const seal = options.secretKeys?.length ? new SecretSeal(options.secretKeys) : undefined;
    const hosts = new RedisHosts(redis, keys, seal);
    this.hosts = new HostRegistry({ hosts, now, logger, sync }, options.hosts);
  }

  private readonly subscriber: RedisClient | undefined;

  /** Checks a push's host hints as registration would (TenancyError `invalid`), storing nothing. */
  checkHostHints(id: string, hints?: HostHints): void {
    this.hosts.checkHints(id, hints);
  }

  /** Registers hosts that first pushed while Redis was unreachable (also retried every 5 s). */
  registerDeferredHosts(): Promise<void> {
    return this.hosts.registerDeferred();
  }

  /** Stops the deferred-registration timer and closes the subscriber. Idempotent. */
  async close(): Promise<void> {
    this.hosts.close();
    if (this.subscriber) await closeRedis(this.subscriber);
  }

  bootstrap(options: BootstrapOptions = {}): Promise<BootstrapResult> {
    return bootstrap({ orgs: this.orgs, tokens: this.tokenStore, now: this.now }, options);
  }

  async createOrg(input: { id: string; name: string }): Promise<Org> {
    const { id, name } = checkOrg(input);
    const org: Org = { id, name, createdAt: this.now() };
    if (!(await this.orgs.insert(org))) throw new TenancyError('conflict', `org "${id}" already exists`);
    return org;
  }

  getOrg(id: string): Promise<Org | undefined> {
    return this.orgs.get(id);
  }

  listOrgs(): Promise<Org[]> {
    return this.orgs.list();
  }

  createToken(org: string, input: TokenCreate): Promise<CreatedToken> {
    return this.tokens.create(org, input);
  }

  listTokens(org: string): Promise<TokenInfo[]> {
    return this.tokens.list(org);
  }

  revokeToken(org: string, id: string): Promise<void> {
    return this.tokens.revoke(org, id);
  }

  authenticate(token: string): Promise<AuthContext | undefined> {
    return this.tokens.authenticate(token);
  }

  listHosts(org: string, options?: { readonly fresh?: boolean }): Promise<Host[]> {
    return this.hosts.list(org, options?.fresh === true);
  }

  getHost(org: string, id: string, options?: { readonly fresh?: boolean }): Promise<Host | undefined> {
    return this.hosts.get(org, id, options?.fresh === true);
  }

  createHost(org: string, input: HostCreate): Promise<Host> {
    return this.hosts.create(org, input);
  }

  updateHost(org: string, id: string, patch: HostPatch): Promise<Host> {
    return this.hosts.update(org, id, patch);
  }

  deleteHost(org: string, id: string): Promise<void> {
    return this.hosts.delete(org, id);
  }

  ensureHost(org: string, id: string, hints?: HostHints): Promise<EnsureHostResult> {
    return this.hosts.ensure(org, id, hints);
  }

  onHostChange(listener: HostChangeListener): () => void {
    return this.hosts.onChange(listener);
  }
}
