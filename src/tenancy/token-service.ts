import type { Logger } from '../config/index.ts';
import { BOOTSTRAP_SCOPES, ENV_ADMIN_TOKEN_ID } from './bootstrap.ts';
import { invalid, TenancyError } from './errors.ts';
import type { RedisOrgs } from './redis-orgs.ts';
import type { RedisTokens, StoredToken } from './redis-tokens.ts';
import { type CreatedToken, TokenCreate, type TokenInfo } from './schema.ts';
import type { TenancySync } from './sync.ts';
import { type AuthContext, DEFAULT_ORG } from './tenancy.ts';
import { generateToken, generateTokenId, hashToken, isTokenShaped, sameHash } from './token-format.ts';
import { TtlCache } from './ttl-cache.ts';
import { checker } from './validate.ts';

const checkCreate = checker(TokenCreate);

/** Who `VITALS_ADMIN_TOKEN` speaks for (bootstrap stores it under the same id). */
const ENV_ADMIN: AuthContext = { org: DEFAULT_ORG, tokenId: ENV_ADMIN_TOKEN_ID, scopes: BOOTSTRAP_SCOPES };

export interface TokenCacheOptions {
  /** How long a verified token is trusted without asking Redis. @defaultValue 10 000 ms */
  readonly ttlMs?: number;
  /** How much longer an expired entry may still be used while Redis is unreachable. @defaultValue 1 day */
  readonly staleMs?: number;
  /** Verified tokens kept per process. @defaultValue 10 000 */
  readonly maxEntries?: number;
}

interface TokenServiceDeps {
  readonly tokens: RedisTokens;
  readonly orgs: RedisOrgs;
  readonly now: () => number;
  readonly sync: TenancySync;
  /** False while the connection cannot take commands: cached tokens answer without waiting for it. */
  readonly connected: () => boolean;
  /** `VITALS_ADMIN_TOKEN`: always valid, checked in memory, so it works even while Redis is away. */
  readonly adminToken?: string;
  readonly logger?: Logger;
}

/**
 * Token lifecycle and verification. Verified tokens are cached by hash (never by the token) for
 * `ttlMs`; a revoke is published so every process drops it at once (and within `ttlMs` if the message
 * was missed). While Redis is unreachable, any token verified within `staleMs` keeps working.
 */
export class TokenService {
  private readonly cache: TtlCache<AuthContext>;

  constructor(
    private readonly deps: TokenServiceDeps,
    cache: TokenCacheOptions = {},
  ) {
    this.cache = new TtlCache({
      ttlMs: cache.ttlMs ?? 10_000,
      staleMs: cache.staleMs ?? 86_400_000,
      maxEntries: cache.maxEntries ?? 10_000,
      now: deps.now,
    });
    if (deps.adminToken !== undefined && isTokenShaped(deps.adminToken)) {
      this.adminHash = hashToken(deps.adminToken);
    }
    deps.sync.onChange((change) => {
      if (change.kind === 'token') this.cache.delete(change.hash);
    });
  }

  private readonly adminHash: string | undefined;

  async create(org: string, input: unknown): Promise<CreatedToken> {
    const { name, scopes } = checkCreate(input);
    if (scopes.includes('operator') && org !== DEFAULT_ORG)
      throw invalid('scopes', `"operator" is only for tokens of the "${DEFAULT_ORG}" org`);
    if (!(await this.deps.orgs.get(org))) throw new TenancyError('not_found', `org "${org}" not found`);
    const { token, record } = this.draft(org, { name, scopes });
    await this.deps.tokens.insert(record);
    return answer(token, record);
  }

  /** A new token and its record, stored by the caller (an org's first token is stored with the org). */
  draft(org: string, input: { name: string; scopes: StoredToken['scopes'] }): NewToken {
    const token = generateToken();
    const record: StoredToken = {
      id: generateTokenId(),
      org,
      name: input.name,
      scopes: input.scopes,
      createdAt: this.deps.now(),
      hash: hashToken(token),
    };
    return { token, record };
  }

  list(org: string): Promise<TokenInfo[]> {
    return this.deps.tokens.list(org);
  }

  async revoke(org: string, id: string): Promise<void> {
    const removed = await this.deps.tokens.remove(org, id);
    if (!removed) throw new TenancyError('not_found', `token "${id}" not found`);
    this.deps.sync.publish({ kind: 'token', hash: removed.hash });
  }

  /** Revokes every token of the org; every process drops them at once (or within `ttlMs`). */
  async revokeAll(org: string): Promise<number> {
    const removed = await this.deps.tokens.removeAll(org);
    for (const token of removed) this.deps.sync.publish({ kind: 'token', hash: token.hash });
    return removed.length;
  }

  async authenticate(token: string): Promise<AuthContext | undefined> {
    if (!isTokenShaped(token)) return undefined;
    const hash = hashToken(token);
    if (this.adminHash !== undefined && sameHash(this.adminHash, hash)) return ENV_ADMIN;
    const hit = this.cache.get(hash);
    if (hit?.fresh || (hit && !this.deps.connected())) return hit.value;
    let stored: Awaited<ReturnType<RedisTokens['findByHash']>>;
    try {
      stored = await this.deps.tokens.findByHash(hash);
    } catch (err: unknown) {
      // Redis away: a token verified recently keeps working (ingest spools meanwhile); others wait.
      if (hit && err instanceof TenancyError && err.retryable) return hit.value;
      throw err;
    }
    if (!stored || !sameHash(stored.hash, hash)) {
      this.cache.delete(hash);
      return undefined;
    }
    const auth: AuthContext = { org: stored.org, tokenId: stored.id, scopes: stored.scopes };
    this.cache.set(hash, auth);
    this.touch(auth);
    return auth;
  }

  /** Best effort, not awaited: a missed `lastUsedAt` must not fail the request. */
  private touch(auth: AuthContext): void {
    this.deps.tokens.touch(auth.org, auth.tokenId, this.deps.now()).catch((err: unknown) => {
      this.deps.logger?.debug(
        { err: err instanceof Error ? err.message : String(err) },
        'token lastUsedAt not saved',
      );
    });
  }
}

/** A token's secret with the record that stores its hash. */
export interface NewToken {
  readonly token: string;
  readonly record: StoredToken;
}

export function answer(token: string, record: StoredToken): CreatedToken {
  const { id, name, scopes, createdAt } = record;
  return { token, id, name, scopes, createdAt };
}
