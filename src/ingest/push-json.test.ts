import { describe, expect, it } from 'vitest';
import type { IngestRequest } from '../contract/index.ts';
import { IngestRejectedError } from './errors.ts';
import { batchesFromJson } from './push-json.ts';

const LIMITS = { maxSamplesPerRequest: 1000, maxLabels: 16, maxLabelLength: 256 };

/** A body as a client might send it, wrong types included (the HTTP schema is not in this path). */
function body(raw: unknown): IngestRequest {
  return raw as IngestRequest;
}

describe('batchesFromJson', () => {
  it('does turn numbers and the strings "NaN", "+Inf", "-Inf" into values', () => {
    const { batches } = batchesFromJson(
      'o',
      body({
        hosts: [
          {
            host: 'h',
            snapshots: [{ timestamp: 1000, metrics: { a: 1.5, b: 'NaN' } }],
            series: [
              {
                name: 'c',
                points: [
                  [2000, '+Inf'],
                  [3000, '-Inf'],
                ],
              },
            ],
          },
        ],
      }),
      LIMITS,
    );
    expect(batches[0]?.values).toEqual([1.5, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]);
    expect(batches[0]?.timestamps).toEqual([1000, 1000, 2000, 3000]);
  });

  it('does refuse a value of another JSON type, naming the host, snapshot and series', () => {
    for (const [value, shown] of [
      [null, 'null'],
      [true, 'true'],
      ['42', '"42"'],
      ['Infinity', '"Infinity"'],
    ] as const) {
      const push = body({
        hosts: [{ host: 'web-1', snapshots: [{ timestamp: 1, metrics: { 'cpu.usage': value } }] }],
      });
      expect(() => batchesFromJson('o', push, LIMITS)).toThrow(
        new IngestRejectedError(
          'bad_request',
          `host "web-1", snapshot 0, series "cpu.usage": value ${shown} must be a JSON number or one of "NaN", "+Inf", "-Inf"`,
        ),
      );
    }
  });

  it('does refuse a point value or a timestamp of another JSON type, naming the series and point', () => {
    const point = (p: unknown) =>
      body({ hosts: [{ host: 'h', series: [{ name: 'q', points: [[1, 1], p] }] }] });
    expect(() => batchesFromJson('o', point([2, null]), LIMITS)).toThrow(
      'host "h", series "q", point 1: value null must be',
    );
    expect(() => batchesFromJson('o', point(['2', 1]), LIMITS)).toThrow(
      'host "h", series "q", point 1: timestamp "2" must be an integer of ms since the epoch',
    );
    const snapshot = body({ hosts: [{ host: 'h', snapshots: [{ timestamp: '1', metrics: { a: 1 } }] }] });
    expect(() => batchesFromJson('o', snapshot, LIMITS)).toThrow(
      'host "h", snapshot 0: timestamp "1" must be',
    );
  });
});
