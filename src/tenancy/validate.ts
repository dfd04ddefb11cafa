import type { Static, TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { invalid } from './errors.ts';

/** One schema error in the shape TypeBox and Ajv share. */
export interface SchemaIssue {
  readonly keyword: string;
  readonly instancePath: string;
  readonly message?: string;
  readonly params?: unknown;
}

/** The first name listed under `key` in an error's params (unknown or missing properties). */
function firstName(params: unknown, key: 'additionalProperties' | 'requiredProperties'): string | undefined {
  if (typeof params !== 'object' || params === null) return undefined;
  const names: unknown = Reflect.get(params, key);
  return Array.isArray(names) && typeof names[0] === 'string' ? names[0] : undefined;
}

function joinPath(root: string, pointer: string): string {
  const parts = pointer.split('/').filter((p) => p !== '');
  return [root, ...parts].filter((p) => p !== '').join('.') || 'value';
}

/**
 * The first schema error as `field.path: problem`, naming an unknown or missing field itself (the raw
 * error names only the parent object). TypeBox's `boolean` echoes are skipped.
 */
export function describeIssue(
  issues: readonly SchemaIssue[],
  root: string,
): { field: string; problem: string } {
  const issue = issues.find((i) => i.keyword !== 'boolean') ?? issues[0];
  if (!issue) return { field: root || 'value', problem: 'is invalid' };
  const extra = firstName(issue.params, 'additionalProperties');
  if (extra !== undefined) {
    return { field: joinPath(root, `${issue.instancePath}/${extra}`), problem: 'is not a known field' };
  }
  const missing = firstName(issue.params, 'requiredProperties');
  if (missing !== undefined)
    return { field: joinPath(root, `${issue.instancePath}/${missing}`), problem: 'is required' };
  return { field: joinPath(root, issue.instancePath), problem: issue.message ?? 'is invalid' };
}

/** A compiled schema check that throws `TenancyError('invalid')` naming the first bad field. */
export function checker<T extends TSchema>(schema: T): (value: unknown, root?: string) => Static<T> {
  const compiled = Compile(schema);
  return (value, root = '') => {
    if (compiled.Check(value)) return value as Static<T>;
    const { field, problem } = describeIssue(compiled.Errors(value), root);
    throw invalid(field, problem);
  };
}
