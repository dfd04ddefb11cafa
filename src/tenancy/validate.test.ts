import { type TSchema, Type } from 'typebox';
import { Compile } from 'typebox/compile';
import { describe, expect, it } from 'vitest';
import { SampleValue } from '../contract/index.ts';
import { describeIssue } from './validate.ts';

/** The line a value failing `schema` gets, from TypeBox's real errors. */
function line(schema: TSchema, value: unknown, root = 'query'): string {
  const { field, problem } = describeIssue(Compile(schema).Errors(value), root, schema);
  return `${field}: ${problem}`;
}

const FNS = ['avg', 'min', 'max', 'sum', 'count', 'last', 'p50', 'p95', 'p99'];

describe('describeIssue', () => {
  it('does list the allowed values once when a union of literals fails', () => {
    const query = Type.Object({ fn: Type.Optional(Type.Union(FNS.map((f) => Type.Literal(f)))) });
    expect(line(query, { fn: 'bogus' })).toBe(
      'query.fn: must be one of avg, min, max, sum, count, last, p50, p95, p99',
    );
  });

  it('does list the values the errors hold once when it is not given the schema', () => {
    const query = Type.Object({ shape: Type.Union([Type.Literal('rows'), Type.Literal('columns')]) });
    expect(describeIssue(Compile(query).Errors({ shape: 'x' }), 'query')).toEqual({
      field: 'query.shape',
      problem: 'must be one of rows, columns',
    });
  });

  it('does say the type and the literals when a union of both fails', () => {
    const body = Type.Object({ v: SampleValue });
    const expected = 'body.v: must be a number or one of "NaN", "+Inf", "-Inf"';
    for (const v of [null, true, '42']) expect(line(body, { v }, 'body')).toBe(expected);
  });

  it('does name a single literal and an enum', () => {
    expect(line(Type.Object({ k: Type.Literal('collect') }), { k: 'x' })).toBe('query.k: must be collect');
    const issue = { keyword: 'enum', instancePath: '/k', params: { allowedValues: ['a', 'b', 'a'] } };
    expect(describeIssue([issue], 'query')).toEqual({ field: 'query.k', problem: 'must be one of a, b' });
  });

  it('does keep the deeper error when an object branch of a union failed inside', () => {
    const schema = Type.Union([Type.Literal('off'), Type.Object({ every: Type.Integer() })]);
    expect(line(Type.Object({ s: schema }), { s: { every: 'x' } }, 'body')).toBe(
      'body.s.every: must be integer',
    );
  });

  it('does quote a field whose name is not a plain identifier', () => {
    const body = Type.Object({ metrics: Type.Record(Type.String(), Type.Number()) });
    expect(line(body, { metrics: { 'disk.used_pct{mount="/"}': 'x' } }, 'body')).toBe(
      'body.metrics["disk.used_pct{mount=\\"/\\"}"]: must be number',
    );
  });

  it('does name unknown and missing fields themselves', () => {
    const closed = Type.Object({ a: Type.String() }, { additionalProperties: false });
    expect(line(closed, { a: 'x', startTme: 0 })).toBe('query.startTme: is not a known field');
    expect(line(closed, {})).toBe('query.a: is required');
    expect(line(Type.Object({ items: Type.Array(closed) }), { items: [{ a: 'x', b: 1 }] }, '')).toBe(
      'items.0.b: is not a known field',
    );
  });

  it('does keep a bound of the branch that has the right type', () => {
    const schema = Type.Object({ n: Type.Union([Type.Integer({ maximum: 5 }), Type.Null()]) });
    expect(line(schema, { n: 9 })).toBe('query.n: must be <= 5');
    expect(line(schema, { n: 'x' })).toBe('query.n: must be an integer or null');
  });

  it('does keep the message of any other error', () => {
    expect(line(Type.Object({ n: Type.Integer({ maximum: 5 }) }), { n: 9 })).toBe('query.n: must be <= 5');
    expect(describeIssue([], 'body')).toEqual({ field: 'body', problem: 'is invalid' });
  });
});
