import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { answerJson } from './answer-json.ts';

describe('answerJson', () => {
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
