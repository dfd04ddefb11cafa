import type { Logger } from '../config/index.ts';
import { closeRedis, type Keys, type RedisClient } from '../redis/index.ts';
import { bootstrap } from './bootstrap.ts';
import { TenancyError } from './errors.ts';
import { HostRegistry, type HostRegistryOptions } from './host-registry.ts';
import { RedisHosts } from './redis-hosts.ts';
import { RedisOrgs } from './redis-orgs.ts';
import { RedisTokens } from './redis-tokens.ts';
import {
  type CreatedOrg,
  type CreatedToken,
  type DeletedOrg,
  type Host,
  type HostCreate,
  type HostPatch,
  type Org,
  OrgCreate,
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
  OrgRemoval,
  Tenancy,
} from './tenancy.ts';
import { DEFAULT_ORG } from './tenancy.ts';
import { answer, type TokenCacheOptions, TokenService } from './token-service.ts';
import { checker } from './validate.ts';

const checkOrg = checker(OrgCreate);

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

  async createOrgWithAdmin(input: { id: string; name: string }): Promise<CreatedOrg> {
    const { id, name } = checkOrg(input);
    const org: Org = { id, name, createdAt: this.now() };
    const { token, record } = this.tokens.draft(id, {
      name: 'admin (created with the org)',
      scopes: ['admin'],
    });
    const outcome = await this.orgs.insertWithToken(org, record);
    if (outcome === 'exists') throw new TenancyError('conflict', `org "${id}" already exists`);
    if (outcome === 'deleted')
      throw new TenancyError('conflict', `id "${id}" belonged to a deleted org: ids are never reused`);
    // 256 random bits colliding: not an input problem, nothing was written.
    if (outcome === 'token_taken') throw new Error('the generated token hash is already stored');
    return { org, token: answer(token, record) };
  }

  getOrg(id: string): Promise<Org | undefined> {
    return this.orgs.get(id);
  }

  listOrgs(): Promise<Org[]> {
    return this.orgs.list();
  }

  async deleteOrg(id: string): Promise<OrgRemoval> {
    if (id === DEFAULT_ORG) {
      throw new TenancyError(
        'conflict',
        `the "${DEFAULT_ORG}" org cannot be deleted: it holds the operator token and Vitals' own series`,
      );
    }
    const deleted = await this.tombstone(id);
    const tokens = await this.tokens.revokeAll(id);
    const hosts = await this.hosts.deleteAll(id);
    return { org: deleted, tokens, hosts };
  }

  listDeletedOrgs(): Promise<DeletedOrg[]> {
    return this.orgs.listDeleted();
  }

  async markOrgPurged(id: string): Promise<void> {
    const deleted = await this.orgs.getDeleted(id);
    if (!deleted) throw new TenancyError('not_found', `org "${id}" not found`);
    await this.orgs.markPurged(deleted, this.now());
  }

  countHosts(org: string): Promise<number> {
    return this.hosts.count(org);
  }

  /** The org moved to the deleted orgs, or its record there when it was deleted before. */
  private async tombstone(id: string): Promise<DeletedOrg> {
    const org = await this.orgs.get(id);
    if (org) return this.orgs.markDeleted(org, this.now());
    const deleted = await this.orgs.getDeleted(id);
    if (!deleted) throw new TenancyError('not_found', `org "${id}" not found`);
    return deleted;
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
