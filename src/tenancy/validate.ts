import type { Static, TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { invalid } from './errors.ts';

/** One schema error in the shape TypeBox and Ajv share. */
export interface SchemaIssue {
  readonly keyword: string;
  readonly instancePath: string;
  /** Which branch of a union failed (tells a literal's own type error from a type branch's). */
  readonly schemaPath?: string;
  readonly message?: string;
  readonly params?: unknown;
}

/** The first name listed under `key` in an error's params (unknown or missing properties). */
function firstName(params: unknown, key: 'additionalProperties' | 'requiredProperties'): string | undefined {
  if (typeof params !== 'object' || params === null) return undefined;
  const names: unknown = Reflect.get(params, key);
  return Array.isArray(names) && typeof names[0] === 'string' ? names[0] : undefined;
}

/** A JSON-pointer segment as written in a field name: `.name`, `.0`, or `["cpu.usage"]` when it needs quoting. */
function segment(raw: string): string {
  const name = raw.replace(/~1/g, '/').replace(/~0/g, '~');
  return /^(?:[A-Za-z_$][\w$-]*|\d+)$/.test(name) ? `.${name}` : `[${JSON.stringify(name)}]`;
}

function joinPath(root: string, pointer: string): string {
  const path = pointer
    .split('/')
    .filter((p) => p !== '')
    .map(segment)
    .join('');
  if (root !== '') return `${root}${path}`;
  return path.startsWith('.') ? path.slice(1) : path || 'value';
}

const ARTICLES: Readonly<Record<string, string>> = {
  integer: 'an integer',
  object: 'an object',
  array: 'an array',
  null: 'null',
};

/** What a union (or an enum) allows: its constants and the types of its other branches. */
interface Choice {
  readonly values: readonly unknown[];
  readonly types: readonly string[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function param(issue: SchemaIssue, key: string): unknown {
  return isRecord(issue.params) ? issue.params[key] : undefined;
}

/** The choice a union schema offers, flattening nested unions; undefined if a branch is not simple. */
function choiceOf(node: unknown): Choice | undefined {
  if (!isRecord(node)) return undefined;
  if (Array.isArray(node.anyOf)) {
    const parts = node.anyOf.map(choiceOf);
    if (parts.some((p) => p === undefined)) return undefined;
    return {
      values: parts.flatMap((p) => p?.values ?? []),
      types: parts.flatMap((p) => p?.types ?? []),
    };
  }
  if ('const' in node) return { values: [node.const], types: [] };
  if (Array.isArray(node.enum)) return { values: node.enum, types: [] };
  return typeof node.type === 'string' ? { values: [], types: [node.type] } : undefined;
}

/** The union a failing branch belongs to: its `schemaPath` without the trailing `/anyOf/N` steps. */
function unionOf(schema: unknown, schemaPath: string): unknown {
  const steps = schemaPath
    .replace(/(?:\/anyOf\/\d+)+$/, '')
    .split('/')
    .slice(1);
  let node = schema;
  for (const step of steps) {
    if (!isRecord(node)) return undefined;
    node = node[step.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return node;
}

/**
 * The choice from the errors alone (TypeBox reports at most a few, so the schema is preferred): the
 * constants, and the types of branches that are not a constant (a literal's own type error shares its
 * branch's `schemaPath`).
 */
function choiceOfIssues(at: readonly SchemaIssue[]): Choice {
  const consts = at.filter((i) => i.keyword === 'const');
  const constBranches = new Set(consts.map((i) => i.schemaPath));
  const enums = at.map((i) => (i.keyword === 'enum' ? param(i, 'allowedValues') : undefined));
  return {
    values: [
      ...consts.map((i) => param(i, 'allowedValue')),
      ...enums.flatMap((v) => (Array.isArray(v) ? v : [])),
    ],
    types: at
      .filter((i) => i.keyword === 'type' && !constBranches.has(i.schemaPath))
      .map((i) => String(param(i, 'type'))),
  };
}

/** `must be one of avg, min, max`, or with types `must be a number or one of "NaN", "+Inf", "-Inf"`. */
function phrase(choice: Choice): string | undefined {
  const values = [...new Set(choice.values)];
  const types = [...new Set(choice.types)].map((t) => ARTICLES[t] ?? `a ${t}`);
  if (values.length === 0 && types.length === 0) return undefined;
  const bare = types.length === 0 && values.every((v) => typeof v === 'string');
  const listed = values.map((v) => (bare ? String(v) : JSON.stringify(v))).join(', ');
  const constants = values.length > 1 ? `one of ${listed}` : listed;
  return `must be ${[...types, constants].filter((p) => p !== '').join(' or ')}`;
}

const CHOICE_KEYWORDS = new Set(['anyOf', 'oneOf', 'union', 'const', 'enum']);

/**
 * One line for a value failing a union or an enum; undefined when the issues are about something else,
 * or when a branch of the right type failed a bound (`must be <= 100` says more then).
 */
function describeChoice(at: readonly SchemaIssue[], schema: unknown): string | undefined {
  const first = at[0];
  const isChoice = at.some((i) => CHOICE_KEYWORDS.has(i.keyword));
  const onlyChoice = at.every((i) => CHOICE_KEYWORDS.has(i.keyword) || i.keyword === 'type');
  if (!first || !isChoice || !onlyChoice) return undefined;
  const fromSchema = first.schemaPath === undefined ? undefined : choiceOf(unionOf(schema, first.schemaPath));
  return phrase(fromSchema ?? choiceOfIssues(at));
}

/**
 * Where a union failed, the error of a branch that failed deeper inside (a member of an object branch)
 * says more than the list of branches: the innermost such error; any other error as it is.
 */
function innermost(issues: readonly SchemaIssue[], first: SchemaIssue | undefined): SchemaIssue | undefined {
  const inUnion = (i: SchemaIssue) =>
    CHOICE_KEYWORDS.has(i.keyword) || /\/anyOf\/\d+/.test(i.schemaPath ?? '');
  if (!first || !inUnion(first)) return first;
  let issue = first;
  for (;;) {
    const under = issues.find((i) => i.instancePath.startsWith(`${issue.instancePath}/`));
    if (!under) return issue;
    issue = under;
  }
}

/**
 * The first schema error as `field.path: problem`, naming an unknown or missing field itself (the raw
 * error names only the parent object); field names that are not identifiers are quoted
 * (`metrics["cpu.usage"]`). TypeBox's `boolean` echoes are skipped. A value failing a union of literals
 * gets one line listing the allowed values once (`must be one of avg, min, max`), a union of a type and
 * literals says both (`must be a number or one of "NaN", "+Inf", "-Inf"`). Pass the checked `schema` to
 * list every branch: the errors alone hold only the first few.
 */
export function describeIssue(
  issues: readonly SchemaIssue[],
  root: string,
  schema?: unknown,
): { field: string; problem: string } {
  const relevant = issues.filter((i) => i.keyword !== 'boolean');
  const issue = innermost(relevant, relevant[0] ?? issues[0]);
  if (!issue) return { field: root || 'value', problem: 'is invalid' };
  const extra = firstName(issue.params, 'additionalProperties');
  if (extra !== undefined) {
    return { field: joinPath(root, `${issue.instancePath}/${extra}`), problem: 'is not a known field' };
  }
  const missing = firstName(issue.params, 'requiredProperties');
  if (missing !== undefined)
    return { field: joinPath(root, `${issue.instancePath}/${missing}`), problem: 'is required' };
  const at = relevant.filter((i) => i.instancePath === issue.instancePath);
  const choice = describeChoice(at, schema);
  return { field: joinPath(root, issue.instancePath), problem: choice ?? issue.message ?? 'is invalid' };
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
