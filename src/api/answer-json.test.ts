import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { answerBytes } from './answer-json.ts';

const answerJson = (value: unknown): string => answerBytes(value).toString('utf8');

describe('answerBytes', () => {
  it('does give the text JSON.stringify gives, for any plain data', () => {
    const wholeNumbers = fc.oneof(
      fc.integer({ min: -(2 ** 31), max: 2 ** 31 }),
      fc.maxSafeInteger(),
      fc.constantFrom(
        2 ** 30,
        -(2 ** 30),
        2 ** 30 - 1,
        1e7,
        1e13,
        1796536800000,
        Number.MAX_SAFE_INTEGER,
        -0,
      ),
    );
    const numbers = fc.oneof(wholeNumbers, fc.double(), fc.constantFrom(2 ** 53, 2 ** 60, 1e21, 1.5e300));
    const value = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        numbers,
        fc.string(),
        fc.boolean(),
        fc.constant(null),
        fc.constant(undefined),
        fc.array(tie('node')),
        fc.dictionary(fc.string(), tie('node')),
      ),
    })).node;
    fc.assert(
      fc.property(value, (v) => {
        expect(answerJson(v)).toBe(JSON.stringify(v) ?? 'null');
      }),
      { numRuns: 2000 },
    );
  });

  it('leaves out members JSON.stringify leaves out, and writes them as null in arrays', () => {
    const gone = { toJSON: () => undefined };
    const value = {
      a: 1,
      f: () => 1,
      g: gone,
      u: undefined,
      list: [undefined, () => 1, gone, 2],
      d: new Date(0),
    };
    expect(answerJson(value)).toBe(JSON.stringify(value));
    expect(answerJson({ only: undefined })).toBe('{}');
    expect(answerJson(undefined)).toBe('null');
  });

  it('writes answers longer than its buffer, and the next answer after one', () => {
    const big = Array.from({ length: 300_000 }, (_, i) => 1796536800000 + i * 1_000_003);
    expect(answerJson(big)).toBe(JSON.stringify(big));
    expect(answerJson([1, 'é', 2 ** 31, -(2 ** 31), 99_999_999, 100_000_000])).toBe(
      JSON.stringify([1, 'é', 2 ** 31, -(2 ** 31), 99_999_999, 100_000_000]),
    );
  });

  it('does write a range answer of 13-digit timestamps and large values exactly', () => {
    const timestamps = Array.from({ length: 2000 }, (_, i) => 1796536800000 + i * 1000);
    const values = timestamps.map((t, i) => (i % 3 === 0 ? t * 7 : i % 3 === 1 ? -t : t / 3));
    const answer = {
      host: 'h',
      count: 2000,
      columns: { timestamps, values: { m: values } },
      gone: undefined,
    };
    const text = answerJson(answer);
    expect(text).toBe(JSON.stringify(answer));
    expect(JSON.parse(text).columns.timestamps).toEqual(timestamps);
  });
});
