// Tenancy: orgs, tokens and hosts. The public surface; other folders import only this file.
export { ENV_ADMIN_TOKEN_ID } from './bootstrap.ts';
export { TenancyError, type TenancyErrorReason } from './errors.ts';
export { MAX_HOST_LABELS, MAX_SETTINGS_BYTES } from './host-input.ts';
export type { HostRegistryOptions } from './host-registry.ts';
export { RedisTenancy, type RedisTenancyOptions } from './redis-tenancy.ts';
export {
  Collector,
  CreatedOrg,
  CreatedToken,
  DeletedOrg,
  Host,
  HostCreate,
  HostPatch,
  Org,
  OrgCreate,
  Scopes,
  TokenCreate,
  TokenInfo,
} from './schema.ts';
export { SecretSeal } from './secret-seal.ts';
export { MASK, maskHost } from './secrets.ts';
export {
  type AuthContext,
  type BootstrapOptions,
  type BootstrapResult,
  DEFAULT_ORG,
  type EnsureHostResult,
  type HostChange,
  type HostChangeListener,
  type HostHints,
  type OrgRemoval,
  type Tenancy,
} from './tenancy.ts';
export { grants, hashToken, TOKEN_PREFIX } from './token-format.ts';
export type { TokenCacheOptions } from './token-service.ts';
export { describeIssue, type SchemaIssue } from './validate.ts';
