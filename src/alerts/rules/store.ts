import { randomUUID } from 'node:crypto';
import { Compile } from 'typebox/compile';
import type { Keys, RedisClient } from '../../redis/index.ts';
import type { AlertRule } from '../contract.ts';
import { checkRule } from './check.ts';
import {
  builtInRules,
  HOST_DEFAULTS,
  hostDefaultId,
  isReservedId,
  type RedisRuleThresholds,
  type RuleHost,
  redisDefaults,
} from './defaults.ts';
import { AlertRuleError, invalidRule } from './errors.ts';
import { type RuleCreate, type RulePatch, StoredRule } from './schema.ts';

/** What the store needs of tenancy (`Tenancy` has this shape). */
export interface RuleHostSource {
  listHosts(org: string): Promise<readonly RuleHost[]>;
  getHost(org: string, id: string): Promise<RuleHost | undefined>;
}

export interface RuleStoreDeps {
  readonly redis: RedisClient;
  readonly keys: Keys;
  readonly hosts: RuleHostSource;
  readonly thresholds: RedisRuleThresholds;
  readonly now?: () => number;
}

/** Field of a custom rule in the rules HASH. */
const RULE = 'r:';
/** Field of the changes made to a built-in default (a `RulePatch` with its time). */
const OVERRIDE = 'o:';

const storedCheck = Compile(StoredRule);

interface Override {
  readonly patch: RulePatch;
  readonly updatedAt: number;
}

const OPTIONAL = ['resolveThreshold', 'noData', 'predict', 'flapping'] as const;

/** The rule with `patch` applied: given fields replace, `null` removes an optional one. */
export function applyPatch(rule: AlertRule, patch: RulePatch, updatedAt: number): AlertRule {
  const out: Record<string, unknown> = { ...rule, updatedAt };
  for (const [field, value] of Object.entries(patch)) {
    if (value === null) delete out[field];
    else if (value !== undefined) out[field] = value;
  }
  return out as unknown as AlertRule;
}

/** Two patches in order: the later one's fields win. */
function mergePatch(earlier: RulePatch, later: RulePatch): RulePatch {
  return { ...earlier, ...later };
}

/**
 * Alert rules per org. Custom rules live in one HASH (`<alerts(org)>rules`, field `r:<id>` → rule
 * JSON); built-in defaults are computed from the org's hosts and `config.redisHealth` on every read
 * (never materialised), and a change to one is stored as an override (field `o:<id>` → the patch), so a
 * host's threshold change still reaches its rules unless the override set that field. Every rule read
 * back is checked against `StoredRule`; one that does not fit is left out (and `onInvalid` told).
 */
export class RuleStore {
  private readonly now: () => number;

  constructor(
    private readonly deps: RuleStoreDeps,
    private readonly onInvalid: (org: string, field: string, err: unknown) => void = () => {},
  ) {
    this.now = deps.now ?? Date.now;
  }

  private key(org: string): string {
    return `${this.deps.keys.alerts(org)}rules`;
  }

  /** Every rule of the org (built-ins with their overrides, then custom rules), sorted by id. */
  async list(org: string): Promise<AlertRule[]> {
    const [fields, hosts] = await Promise.all([
      this.deps.redis.hgetall(this.key(org)),
      this.deps.hosts.listHosts(org),
    ]);
    const overrides = new Map<string, Override>();
    const custom: AlertRule[] = [];
    for (const [field, text] of Object.entries(fields)) {
      if (field.startsWith(OVERRIDE)) {
        const o = this.parseOverride(org, field, text);
        if (o) overrides.set(field.slice(OVERRIDE.length), o);
      } else if (field.startsWith(RULE)) {
        const rule = this.parseRule(org, field, text);
        if (rule) custom.push(rule);
      }
    }
    const builtIn = builtInRules(org, hosts, this.deps.thresholds).map((r) => {
      const o = overrides.get(r.id);
      return o ? applyPatch(r, o.patch, o.updatedAt) : r;
    });
    return [...builtIn, ...custom].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  async get(org: string, id: string): Promise<AlertRule | undefined> {
    const base = await this.builtIn(org, id);
    if (base) {
      const text = await this.deps.redis.hget(this.key(org), `${OVERRIDE}${id}`);
      const o = text === null ? undefined : this.parseOverride(org, `${OVERRIDE}${id}`, text);
      return o ? applyPatch(base, o.patch, o.updatedAt) : base;
    }
    const text = await this.deps.redis.hget(this.key(org), `${RULE}${id}`);
    return text === null ? undefined : this.parseRule(org, `${RULE}${id}`, text);
  }

  /** The rule as `create` would store it, checked, without storing it (previews of unsaved rules). */
  build(org: string, input: RuleCreate, root = 'body'): AlertRule {
    const now = this.now();
    const rule = withDefaults(org, input, input.id ?? `rule-${randomUUID().slice(0, 8)}`, now);
    checkRule(rule, root);
    return rule;
  }

  /** Stores a new custom rule; `conflict` when the id is taken (built-in ids included). */
  async create(org: string, input: RuleCreate): Promise<AlertRule> {
    const rule = this.build(org, input);
    if (isReservedId(rule.id, this.deps.thresholds))
      throw new AlertRuleError('conflict', `rule id "${rule.id}" is taken by a built-in default`);
    const { redis, keys } = this.deps;
    const set = await redis.hsetnx(this.key(org), `${RULE}${rule.id}`, JSON.stringify(rule));
    if (set === 0) throw new AlertRuleError('conflict', `rule id "${rule.id}" is taken`);
    await redis.sadd(keys.alertOrgs(), org);
    return rule;
  }

  /** Changes a rule; a built-in keeps its id and `builtIn` and stores only the change. */
  async update(org: string, id: string, patch: RulePatch): Promise<AlertRule> {
    const base = await this.builtIn(org, id);
    const now = this.now();
    if (base) {
      const field = `${OVERRIDE}${id}`;
      const text = await this.deps.redis.hget(this.key(org), field);
      const earlier = text === null ? undefined : this.parseOverride(org, field, text);
      const merged = mergePatch(earlier?.patch ?? {}, patch);
      const rule = applyPatch(base, merged, now);
      checkRule(rule, 'body');
      const o: Override = { patch: merged, updatedAt: now };
      await this.deps.redis.hset(this.key(org), field, JSON.stringify(o));
      await this.deps.redis.sadd(this.deps.keys.alertOrgs(), org);
      return rule;
    }
    const current = await this.get(org, id);
    if (!current) throw notFound(id);
    const rule = applyPatch(current, patch, now);
    checkRule(rule, 'body');
    await this.deps.redis.hset(this.key(org), `${RULE}${id}`, JSON.stringify(rule));
    return rule;
  }

  /** Deletes a custom rule; a built-in answers `conflict` (disable it instead). */
  async delete(org: string, id: string): Promise<void> {
    if (await this.builtIn(org, id)) {
      throw new AlertRuleError(
        'conflict',
        `rule "${id}" is a built-in default and cannot be deleted; disable it with PATCH {"enabled": false}`,
      );
    }
    const removed = await this.deps.redis.hdel(this.key(org), `${RULE}${id}`);
    if (removed === 0) throw notFound(id);
  }

  /** The built-in rule with this id (before overrides), or undefined. */
  private async builtIn(org: string, id: string): Promise<AlertRule | undefined> {
    const { thresholds } = this.deps;
    const redis = redisDefaults(thresholds).find((d) => d.key === id);
    if (redis) return builtInRules(org, [], thresholds).find((r) => r.id === id);
    const d = HOST_DEFAULTS.find((x) => id.startsWith(`${x.key}.`));
    if (!d) return undefined;
    const host = await this.deps.hosts.getHost(org, id.slice(d.key.length + 1));
    if (!host || hostDefaultId(d.key, host.id) !== id) return undefined;
    const { createdAt } = host;
    return { ...d.build(host), id, org, builtIn: d.key, createdAt, updatedAt: createdAt };
  }

  private parseRule(org: string, field: string, text: string): AlertRule | undefined {
    try {
      const value: unknown = JSON.parse(text);
      if (storedCheck.Check(value) && value.org === org) return value;
      throw new Error('does not match the rule schema');
    } catch (err: unknown) {
      this.onInvalid(org, field, err);
      return undefined;
    }
  }

  private parseOverride(org: string, field: string, text: string): Override | undefined {
    try {
      const value = JSON.parse(text) as Override;
      if (typeof value.updatedAt !== 'number' || typeof value.patch !== 'object' || value.patch === null)
        throw new Error('not an override');
      return value;
    } catch (err: unknown) {
      this.onInvalid(org, field, err);
      return undefined;
    }
  }
}

function notFound(id: string): AlertRuleError {
  return new AlertRuleError('not_found', `alert rule "${id}" not found`);
}

/** A full rule from a create request: everything not given takes its default. */
function withDefaults(org: string, input: RuleCreate, id: string, now: number): AlertRule {
  const kind = input.kind ?? 'threshold';
  if (input.threshold === undefined && kind !== 'nodata')
    throw invalidRule('body.threshold', 'is required (except for nodata rules)');
  const rule: AlertRule = {
    id,
    org,
    name: input.name,
    enabled: input.enabled ?? true,
    kind,
    selector: input.selector,
    reduction: input.reduction ?? 'avg',
    windowMs: input.windowMs ?? 300_000,
    comparison: input.comparison ?? '>',
    threshold: input.threshold ?? 0,
    forMs: input.forMs ?? 0,
    severity: input.severity ?? 'warning',
    labels: input.labels ?? {},
    annotations: input.annotations ?? { summary: '{{rule}} on {{host}} {{series}}: {{value}}' },
    createdAt: now,
    updatedAt: now,
  };
  const optional: Record<string, unknown> = {};
  for (const f of OPTIONAL) if (input[f] !== undefined) optional[f] = input[f];
  return { ...rule, ...optional };
}
