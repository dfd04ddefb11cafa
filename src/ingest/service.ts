import {
  type FailureKind,
  type InfluxPrecision,
  type IngestRequest,
  type IngestResponse,
  VitalsError,
} from '../contract/index.ts';
import type { Ack, SampleWriter, WriteBatch } from '../tsdb/index.ts';
import { type IdempotencyStore, requestFingerprint, type StoredResponse } from './idempotency.ts';
import type { IngestLimits } from './limits.ts';
import { batchesFromInflux } from './push-influx.ts';
import { batchesFromJson, type PushedHost } from './push-json.ts';

/**
 * Hosts of a push. `admit` runs before anything is written and refuses a host that may not push (an
 * unknown one while VITALS_AUTO_REGISTER_HOSTS is off); `register` runs after the write landed and
 * registers hosts nobody created yet, so a refused batch never leaves a host behind.
 */
export interface HostRegistrar {
  admit(org: string, hosts: readonly PushedHost[]): Promise<void>;
  register(org: string, hosts: readonly PushedHost[]): Promise<void>;
}

export interface IngestDeps {
  readonly writer: Pick<SampleWriter, 'write'>;
  readonly idempotency: IdempotencyStore;
  readonly limits: IngestLimits;
  readonly registrar?: HostRegistrar;
  /** Called after data landed, per host with its oldest sample (drops cached answers it changes). */
  readonly onWritten?: (org: string, written: readonly WrittenHost[]) => Promise<void>;
  readonly now?: () => number;
}

/** Told of every push stored or refused (metrics); must not throw. */
export interface IngestObserver {
  stored(samples: number): void;
  /** The refusal's kind (`invalid`, `limit`, `unavailable`…). */
  rejected(reason: string): void;
  /** Samples of a stored push its format leaves out by design (Prometheus' stale markers…), by reason. */
  skipped?(reason: string, samples: number): void;
}

/** A request parsed into write batches, and what of it the format leaves out by design. */
export interface Parsed {
  readonly batches: WriteBatch[];
  readonly hosts: PushedHost[];
  /** Samples left out, by reason (e.g. `stale_marker`); counted once the push is stored. */
  readonly skipped?: Readonly<Record<string, number>>;
}

export interface PushOptions {
  readonly idempotencyKey?: string;
  readonly ack?: Ack;
}

/** A request with this Idempotency-Key is still being processed; the caller may retry shortly. */
export class IdempotencyConflictError extends VitalsError {
  override name = 'IdempotencyConflictError';
  readonly kind: FailureKind = 'conflict';
  constructor(message: string) {
    super(message, { retryAfterSec: 1 });
  }
}

/** The Idempotency-Key was first sent with a different request: nothing is written or replayed. */
export class IdempotencyKeyReusedError extends VitalsError {
  override name = 'IdempotencyKeyReusedError';
  readonly kind: FailureKind = 'reused';
}

/** A retry of a request that was refused: the same refusal, from the stored outcome. */
export class RepeatedRejectionError extends VitalsError {
  override name = 'RepeatedRejectionError';
  constructor(
    readonly kind: FailureKind,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Push ingestion: parse → check limits → register hosts → write, all or nothing, answered once per
 * Idempotency-Key. A rejected batch stores its 4xx for the key too (a retry gets the same answer); a
 * failure a retry can fix releases the key.
 */
export class IngestService {
  private observer: IngestObserver | undefined;

  constructor(private readonly deps: IngestDeps) {}

  /** Sets the one observer of stored and refused pushes. */
  observe(observer: IngestObserver): void {
    this.observer = observer;
  }

  pushJson(org: string, body: IngestRequest, options: PushOptions = {}): Promise<IngestResponse> {
    const request = () => requestFingerprint('json', JSON.stringify(body));
    return this.once(org, options, request, () => batchesFromJson(org, body, this.deps.limits));
  }

  pushInflux(
    org: string,
    text: string,
    precision: InfluxPrecision,
    host: string | undefined,
    options: PushOptions = {},
  ): Promise<IngestResponse> {
    const now = (this.deps.now ?? Date.now)();
    const request = () => requestFingerprint(`influx ${precision} ${host ?? ''}`, text);
    return this.once(org, options, request, () =>
      batchesFromInflux(org, text, { precision, host, now }, this.deps.limits),
    );
  }

  /**
   * Any other protocol's push (Prometheus remote_write, OTLP, Graphite…): `parse` turns the request into
   * write batches as `batchesFromJson` does (all or nothing, throwing IngestRejectedError for bad data
   * or a limit), and everything after it is the same as for JSON and line protocol: host admission,
   * one write, registration, cache invalidation, and one answer per Idempotency-Key. `fingerprint` names
   * the request for the idempotency check (`requestFingerprint(protocol, payload)`), computed only when
   * a key was sent.
   */
  push(
    org: string,
    fingerprint: () => string,
    parse: () => Parsed,
    options: PushOptions = {},
  ): Promise<IngestResponse> {
    return this.once(org, options, fingerprint, parse);
  }

  private async once(
    org: string,
    options: PushOptions,
    fingerprint: () => string,
    parse: () => Parsed,
  ): Promise<IngestResponse> {
    const key = options.idempotencyKey;
    if (key === undefined) return this.store(org, parse, options.ack);
    const request = fingerprint();
    const claim = await this.deps.idempotency.claim(org, key, request);
    if (claim.state === 'reused')
      throw new IdempotencyKeyReusedError(
        'this Idempotency-Key was already used for a different request; use a new key for a new request',
      );
    if (claim.state === 'done') return answerOf(claim.response);
    if (claim.state === 'pending')
      throw new IdempotencyConflictError(
        'a request with this Idempotency-Key is still in progress; retry shortly',
      );
    try {
      const body = await this.store(org, parse, options.ack);
      await this.deps.idempotency.complete(org, key, { ok: true, body }, request);
      return body;
    } catch (err: unknown) {
      if (err instanceof VitalsError && !err.retryable) {
        const refusal: StoredResponse = { ok: false, kind: err.kind, message: err.message };
        await this.deps.idempotency.complete(org, key, refusal, request);
      } else {
        await this.deps.idempotency.release(org, key);
      }
      throw err;
    }
  }

  private async store(org: string, parse: () => Parsed, ack: Ack | undefined): Promise<IngestResponse> {
    try {
      let skipped: Parsed['skipped'];
      const response = await this.storeOnce(
        org,
        () => {
          const parsed = parse();
          skipped = parsed.skipped;
          return parsed;
        },
        ack,
      );
      this.observer?.stored(response.samples);
      for (const [reason, samples] of Object.entries(skipped ?? {}))
        if (samples > 0) this.observer?.skipped?.(reason, samples);
      return response;
    } catch (err: unknown) {
      this.observer?.rejected(err instanceof VitalsError ? err.kind : 'error');
      throw err;
    }
  }

  private async storeOnce(org: string, parse: () => Parsed, ack: Ack | undefined): Promise<IngestResponse> {
    const { batches, hosts } = parse();
    await this.deps.registrar?.admit(org, hosts);
    const result = await this.deps.writer.write(batches, ack);
    await this.deps.registrar?.register(org, hosts);
    await this.deps.onWritten?.(org, writtenHosts(batches));
    return { samples: result.samples, hosts: batches.length, stored: result.stored };
  }
}

/** Each host of a write with its oldest sample. */
export interface WrittenHost {
  readonly host: string;
  readonly oldest: number;
}

function writtenHosts(batches: readonly WriteBatch[]): WrittenHost[] {
  const oldest = new Map<string, number>();
  for (const b of batches) {
    let min = oldest.get(b.host) ?? Number.POSITIVE_INFINITY;
    for (let i = 0; i < b.timestamps.length; i++) min = Math.min(min, b.timestamps[i] as number);
    oldest.set(b.host, min);
  }
  return [...oldest].map(([host, t]) => ({ host, oldest: t }));
}

/** The answer a stored outcome gives a retry: the original body, or the original refusal again. */
function answerOf(stored: StoredResponse): IngestResponse {
  if (stored.ok) return stored.body;
  throw new RepeatedRejectionError(stored.kind, stored.message);
}
