import type { Static, TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { unavailable } from './errors.ts';

/** Runs a Redis call, turning a connection failure into `TenancyError('unavailable')`. */
export async function guard<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err: unknown) {
    throw unavailable(what, err);
  }
}

/** A parser of stored JSON records that refuses anything not matching the schema. */
export function recordParser<T extends TSchema>(
  schema: T,
  what: string,
): (json: string | null | undefined) => Static<T> | undefined {
  const compiled = Compile(schema);
  return (json) => {
    if (json === null || json === undefined) return undefined;
    const value: unknown = JSON.parse(json);
    if (!compiled.Check(value)) throw new Error(`stored ${what} record does not match its schema`);
    return value as Static<T>;
  };
}
