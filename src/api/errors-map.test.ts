import { BrokenCircuitError } from 'cockatiel';
import { describe, expect, it } from 'vitest';
import * as collect from '../collect/index.ts';
import { type FailureKind, failureKinds, VitalsError } from '../contract/index.ts';
import * as ingest from '../ingest/index.ts';
import * as redis from '../redis/index.ts';
import * as tenancy from '../tenancy/index.ts';
import * as tsdb from '../tsdb/index.ts';
import { httpStatus, PublicError } from './errors.ts';
import { codeOf, toPublicError } from './errors-map.ts';

type ErrorClass = abstract new (...args: never[]) => Error;

/** Every error class the capabilities export. */
const modules: Record<string, unknown>[] = [collect, ingest, redis, tenancy, tsdb];
const exported: Array<[string, ErrorClass]> = modules
  .flatMap((m) => Object.entries(m))
  .filter(([, value]) => typeof value === 'function' && value.prototype instanceof Error)
  .map(([name, value]) => [name, value as ErrorClass]);

/**
 * Errors that never reach an HTTP route, with the reason. Anything else must extend VitalsError, so
 * the one mapping gives it a public code.
 */
const internalOnly: Record<string, string> = {
  CollectError: 'a failed collection job: recorded as the job failure reason, never thrown to a route',
  PipelineError: 'wraps command errors inside Redis pipelines; callers rethrow it as their own error',
};

/** One instance of each public error class, as its module throws it. */
const samples: Record<string, VitalsError[]> = {
  CollectControlError: (['not_found', 'conflict', 'invalid', 'unavailable'] as const).map(
    (reason) => new collect.CollectControlError(reason, reason),
  ),
  IngestRejectedError: [
    new ingest.IngestRejectedError('bad_request', 'bad'),
    new ingest.IngestRejectedError('limit_exceeded', 'limit'),
  ],
  IdempotencyConflictError: [new ingest.IdempotencyConflictError('in progress')],
  IdempotencyKeyReusedError: [new ingest.IdempotencyKeyReusedError('reused')],
  RepeatedRejectionError: failureKinds.map((kind) => new ingest.RepeatedRejectionError(kind, kind)),
  TenancyError: (['invalid', 'conflict', 'not_found', 'unavailable'] as const).map(
    (reason) => new tenancy.TenancyError(reason, reason),
  ),
  QueryRejectedError: [new tsdb.QueryRejectedError('too many buckets')],
  RangeTooLongError: [new tsdb.RangeTooLongError('VITALS_MAX_EXPORT_SPAN', 86_400_000, 'too long')],
  SampleRejectedError: [new tsdb.SampleRejectedError('cpu', 'bad timestamp')],
  SeriesLimitError: [new tsdb.SeriesLimitError('cpu', 'series limit')],
  StorageUnavailableError: [new tsdb.StorageUnavailableError('spool full', 5)],
  QueryUnavailableError: [new tsdb.QueryUnavailableError('read failed')],
};

const expectedCode: Record<FailureKind, string> = {
  invalid: 'bad_request',
  not_found: 'not_found',
  conflict: 'conflict',
  reused: 'idempotency_key_reused',
  limit: 'limit_exceeded',
  too_large: 'bad_request',
  forbidden: 'forbidden',
  unavailable: 'unavailable',
};

describe('the one error mapping', () => {
  it('knows every exported error class: public ones extend VitalsError, the rest are named internal', () => {
    const unknown = exported
      .map(([name, cls]) => ({ name, cls }))
      .filter(({ name, cls }) => !(cls.prototype instanceof VitalsError) && !(name in internalOnly))
      .map(({ name }) => name);
    expect(unknown).toEqual([]);
    const concrete = exported.filter(
      ([name, cls]) => cls.prototype instanceof VitalsError && name !== 'TsdbError',
    );
    expect(concrete.map(([name]) => name).filter((name) => !(name in samples))).toEqual([]);
  });

  it('gives every public error a public code and status, never 500', () => {
    for (const [name, errors] of Object.entries(samples)) {
      for (const err of errors) {
        const mapped = toPublicError(err);
        expect(mapped, name).toBeInstanceOf(PublicError);
        const pub = mapped as PublicError;
        expect(pub.code, `${name} ${err.kind}`).toBe(expectedCode[err.kind]);
        expect(httpStatus(pub.code)).not.toBe(500);
        expect(pub.message).toBe(err.message);
        if (err.kind === 'unavailable') expect(pub.retryAfterSec, name).toBeGreaterThanOrEqual(1);
      }
    }
  });

  it('maps every failure kind in one switch', () => {
    for (const kind of failureKinds) expect(codeOf(kind)).toBe(expectedCode[kind]);
  });

  it('answers 503 with a Retry-After for Redis connection failures and an open breaker', () => {
    for (const err of [
      new Error("Stream isn't writeable and enableOfflineQueue options is false"),
      new Error('Command timed out'),
      new BrokenCircuitError(),
    ]) {
      const mapped = toPublicError(err) as PublicError;
      expect(mapped.code, err.message).toBe('unavailable');
      expect(mapped.retryAfterSec).toBeGreaterThanOrEqual(1);
    }
  });

  it('leaves a plain bug a plain error, answered as internal by the handler', () => {
    const bug = new TypeError('x is undefined');
    expect(toPublicError(bug)).toBe(bug);
    const commandError = Object.assign(
      new Error('WRONGTYPE Operation against a key holding the wrong kind of value'),
      {
        name: 'ReplyError',
      },
    );
    expect(toPublicError(commandError)).toBe(commandError);
  });
});
