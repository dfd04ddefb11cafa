import type { Static, TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { CollectError } from './errors.ts';

interface Issue {
  readonly keyword: string;
  readonly instancePath: string;
  readonly message?: string;
  readonly params?: unknown;
}

function named(params: unknown, key: string): string | undefined {
  if (typeof params !== 'object' || params === null) return undefined;
  const names: unknown = Reflect.get(params, key);
  return Array.isArray(names) && typeof names[0] === 'string' ? names[0] : undefined;
}

/** `collector.settings.port: must be <= 65535`, naming a missing or unknown field itself. */
function describe(issues: readonly Issue[]): string {
  const issue = issues.find((i) => i.keyword !== 'boolean') ?? issues[0];
  if (!issue) return 'collector.settings: invalid';
  const path = ['collector.settings', ...issue.instancePath.split('/').filter(Boolean)].join('.');
  const missing = named(issue.params, 'requiredProperties');
  if (missing !== undefined) return `${path}.${missing}: is required`;
  const extra = named(issue.params, 'additionalProperties');
  if (extra !== undefined) return `${path}.${extra}: is not a known field`;
  return `${path}: ${issue.message ?? 'is invalid'}`;
}

/**
 * A checker for one collector's settings. Bad settings fail the job at once (no retry fixes them) with
 * a message naming the field; values are never echoed, since settings hold secrets.
 */
export function settingsReader<T extends TSchema>(kind: string, schema: T) {
  const compiled = Compile(schema);
  return (settings: unknown): Static<T> => {
    if (compiled.Check(settings)) return settings as Static<T>;
    throw new CollectError('settings', `${kind} collector: ${describe(compiled.Errors(settings))}`);
  };
}

/** The attempt's time limit, shortened by a host's `timeoutMs` setting when that asks for less. */
export function effectiveTimeout(limitMs: number, settings: Readonly<Record<string, unknown>>): number {
  const requested = settings.timeoutMs;
  return typeof requested === 'number' && requested > 0 ? Math.min(limitMs, requested) : limitMs;
}
