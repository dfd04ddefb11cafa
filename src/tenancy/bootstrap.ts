import { randomBytes } from 'node:crypto';
import type { Scope } from '../contract/index.ts';
import { TenancyError } from './errors.ts';
import type { RedisOrgs } from './redis-orgs.ts';
import type { RedisTokens, StoredToken } from './redis-tokens.ts';
import { type BootstrapOptions, type BootstrapResult, DEFAULT_ORG } from './tenancy.ts';
import {
  generateToken,
  generateTokenId,
  hashToken,
  isTokenShaped,
  TOKEN_FORMAT_HINT,
} from './token-format.ts';

/** The record id of the token registered from `VITALS_ADMIN_TOKEN` (one at a time). */
export const ENV_ADMIN_TOKEN_ID = 'env-admin';
/** The name of the admin token generated at first start (how the upgrade below recognises it). */
const GENERATED_NAME = 'admin (generated at first start)';
/** The bootstrap admin token's scopes: its org's admin, and the operator of every org. */
export const BOOTSTRAP_SCOPES: readonly Scope[] = ['admin', 'operator'];
/** Names the one-time upgrade that gave the generated token of an earlier version `operator`. */
const OPERATOR_UPGRADE = 'operator-scope';
/** How long one process may take to generate the first admin token before another may try. */
const BOOTSTRAP_LOCK_MS = 10_000;

export interface BootstrapDeps {
  readonly orgs: RedisOrgs;
  readonly tokens: RedisTokens;
  readonly now: () => number;
}

function adminRecord(id: string, name: string, hash: string, now: number): StoredToken {
  return { id, org: DEFAULT_ORG, name, scopes: [...BOOTSTRAP_SCOPES], createdAt: now, hash };
}

function withOperator(token: StoredToken): StoredToken {
  return { ...token, scopes: [...token.scopes.filter((s) => s !== 'operator'), 'operator'] };
}

/**
 * Registers `VITALS_ADMIN_TOKEN` as the default org's admin token. Idempotent; when the variable
 * changes, the token registered from its earlier value is revoked, so rotating it is a restart.
 */
async function registerEnvToken(deps: BootstrapDeps, token: string): Promise<void> {
  if (!isTokenShaped(token)) {
    throw new TenancyError('invalid', `VITALS_ADMIN_TOKEN: ${TOKEN_FORMAT_HINT}`);
  }
  const hash = hashToken(token);
  const existing = await deps.tokens.findByHash(hash);
  if (existing?.org === DEFAULT_ORG && existing.id === ENV_ADMIN_TOKEN_ID) {
    // Registered by a version without the operator scope: it gains it.
    if (!existing.scopes.includes('operator')) await deps.tokens.insert(withOperator(existing));
    return;
  }
  if (existing) throw new TenancyError('conflict', 'VITALS_ADMIN_TOKEN: this value is already another token');
  await deps.tokens.remove(DEFAULT_ORG, ENV_ADMIN_TOKEN_ID);
  await deps.tokens.insert(adminRecord(ENV_ADMIN_TOKEN_ID, 'admin (VITALS_ADMIN_TOKEN)', hash, deps.now()));
}

/**
 * Generates an admin token when the default org has none. A lock keeps two processes starting together
 * from both generating one; the loser generates nothing (the winner prints its token).
 */
async function generateFirstAdmin(deps: BootstrapDeps): Promise<string | undefined> {
  if (await deps.tokens.hasScope(DEFAULT_ORG, 'admin')) return undefined;
  if (!(await deps.tokens.lockBootstrap(randomBytes(8).toString('hex'), BOOTSTRAP_LOCK_MS))) return undefined;
  // Checked again under the lock: another process may have finished between the check and the lock.
  if (await deps.tokens.hasScope(DEFAULT_ORG, 'admin')) return undefined;
  const token = generateToken();
  await deps.tokens.insert(adminRecord(generateTokenId(), GENERATED_NAME, hashToken(token), deps.now()));
  return token;
}

/**
 * Once per Redis: the admin token an earlier version generated at first start gains `operator`. It is
 * the oldest admin token of the default org with the generated name (tokens made later under that
 * name are younger). Done once, so a token named so after the upgrade never gains it; running it
 * twice at once (two processes starting) writes the same record twice.
 */
async function upgradeGeneratedAdmin(deps: BootstrapDeps): Promise<void> {
  if (await deps.tokens.upgraded(OPERATOR_UPGRADE)) return;
  const generated = (await deps.tokens.records(DEFAULT_ORG))
    .filter((t) => t.name === GENERATED_NAME && t.scopes.includes('admin'))
    .sort((a, b) => a.createdAt - b.createdAt)[0];
  if (generated && !generated.scopes.includes('operator')) await deps.tokens.insert(withOperator(generated));
  await deps.tokens.markUpgraded(OPERATOR_UPGRADE, deps.now());
}

export async function bootstrap(
  deps: BootstrapDeps,
  options: BootstrapOptions = {},
): Promise<BootstrapResult> {
  await deps.orgs.insert({ id: DEFAULT_ORG, name: 'Default', createdAt: deps.now() });
  await upgradeGeneratedAdmin(deps);
  if (options.adminToken !== undefined) {
    await registerEnvToken(deps, options.adminToken);
    return {};
  }
  const generated = await generateFirstAdmin(deps);
  return generated === undefined ? {} : { generatedAdminToken: generated };
}
