import type { Scope } from '../contract/index.ts';
import type {
  CreatedOrg,
  CreatedToken,
  DeletedOrg,
  Host,
  HostCreate,
  HostPatch,
  Org,
  TokenCreate,
  TokenInfo,
} from './schema.ts';

/** Who a verified token speaks for. The org comes from the token only, never from the request. */
export interface AuthContext {
  readonly org: string;
  readonly tokenId: string;
  readonly scopes: readonly Scope[];
}

/**
 * A change to a host, told to listeners after it is stored. `host` is the stored state (the deleted one
 * for `deleted`) with its secrets: listeners must not copy collector settings into job data or logs.
 */
export type HostChange =
  | { readonly type: 'created'; readonly org: string; readonly host: Host }
  | { readonly type: 'updated'; readonly org: string; readonly host: Host; readonly previous: Host }
  | { readonly type: 'deleted'; readonly org: string; readonly host: Host };

export type HostChangeListener = (change: HostChange) => void;

/** Display name and labels a push may carry when it registers its host. */
export interface HostHints {
  readonly name?: string;
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * `existing`: known; `created`: registered now; `refused`: unknown and auto-registration is off;
 * `deferred`: Redis unreachable, registered once it answers.
 */
export type EnsureHostResult = 'existing' | 'created' | 'refused' | 'deferred';

export interface BootstrapOptions {
  /** `VITALS_ADMIN_TOKEN`: registered (hashed) as the default org's admin token; replaces an earlier one. */
  readonly adminToken?: string;
}

/** What `deleteOrg` removed from tenancy. */
export interface OrgRemoval {
  readonly org: DeletedOrg;
  /** Tokens revoked now (0 when repeated). */
  readonly tokens: number;
  /** Ids of the hosts deleted now. */
  readonly hosts: readonly string[];
}

export interface BootstrapResult {
  /** Set only when a first admin token was generated now: the caller prints it once, never logs it. */
  readonly generatedAdminToken?: string;
}

/** The id of the default org, which exists after bootstrap. */
export const DEFAULT_ORG = 'default';

/**
 * Orgs, tokens and hosts. Every method that takes an org touches that org's data only. Failures are
 * `TenancyError`s: `invalid` (naming the field), `conflict`, `not_found`, `unavailable` (retry later).
 */
export interface Tenancy {
  bootstrap(options?: BootstrapOptions): Promise<BootstrapResult>;

  createOrg(org: { id: string; name: string }): Promise<Org>;
  /**
   * A new org with its first admin token (secret answered once), stored together or not at all.
   * `conflict` when the id is taken, by a live org or a deleted one (ids are never reused).
   */
  createOrgWithAdmin(org: { id: string; name: string }): Promise<CreatedOrg>;
  getOrg(id: string): Promise<Org | undefined>;
  listOrgs(): Promise<Org[]>;
  /**
   * Removes an org from tenancy: it moves to the deleted orgs first (so nothing new can be made in
   * it), then its tokens are revoked (every process drops them at once, or within the token cache
   * TTL if it missed the message) and its hosts deleted (listeners hear of each). Its stored data is
   * left to the caller (`src/orgs`). On an org already deleted it does the same again, for anything
   * made meanwhile. `conflict` for the default org, `not_found` for an id never used.
   */
  deleteOrg(id: string): Promise<OrgRemoval>;
  listDeletedOrgs(): Promise<DeletedOrg[]>;
  /** Records that a deleted org's data is gone. */
  markOrgPurged(id: string): Promise<void>;
  /** How many hosts the org has (one Redis call, no cache). */
  countHosts(org: string): Promise<number>;

  /** The new token with its secret: the only time the secret leaves the service. */
  createToken(org: string, input: TokenCreate): Promise<CreatedToken>;
  listTokens(org: string): Promise<TokenInfo[]>;
  /** Throws `not_found` for an unknown id or another org's. Effective at once in this process. */
  revokeToken(org: string, id: string): Promise<void>;
  /** Undefined for a missing, malformed, unknown or revoked token (the caller cannot tell which). */
  authenticate(token: string): Promise<AuthContext | undefined>;

  /** From the in-process cache when fresh; `fresh: true` always reads Redis (and refreshes the cache). */
  listHosts(org: string, options?: { readonly fresh?: boolean }): Promise<Host[]>;
  getHost(org: string, id: string, options?: { readonly fresh?: boolean }): Promise<Host | undefined>;
  createHost(org: string, input: HostCreate): Promise<Host>;
  updateHost(org: string, id: string, patch: HostPatch): Promise<Host>;
  deleteHost(org: string, id: string): Promise<void>;
  /** For pushes: registers an unknown host (if allowed); answered from memory for known hosts. */
  ensureHost(org: string, id: string, hints?: HostHints): Promise<EnsureHostResult>;

  /** Registers a listener for host changes made through this process; returns its remover. */
  onHostChange(listener: HostChangeListener): () => void;
}
