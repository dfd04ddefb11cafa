import type { InfluxPrecision, IngestRequest, IngestResponse } from '../contract/index.ts';
import { type Ack, SampleRejectedError, type SampleWriter, type WriteBatch } from '../tsdb/index.ts';
import { IngestRejectedError } from './errors.ts';
import type { IdempotencyStore, StoredResponse } from './idempotency.ts';
import type { IngestLimits } from './limits.ts';
import { batchesFromInflux } from './push-influx.ts';
import { batchesFromJson, type PushedHost } from './push-json.ts';

/** Registers hosts that push before anyone created them (VITALS_AUTO_REGISTER_HOSTS). */
export interface HostRegistrar {
  ensureHost(org: string, host: PushedHost): Promise<void>;
}

export interface IngestDeps {
  readonly writer: Pick<SampleWriter, 'write'>;
  readonly idempotency: IdempotencyStore;
  readonly limits: IngestLimits;
  readonly registrar?: HostRegistrar;
  /** Called after data for these hosts landed (drops cached overviews). */
  readonly onWritten?: (org: string, hosts: readonly string[]) => void;
  readonly now?: () => number;
}

export interface PushOptions {
  readonly idempotencyKey?: string;
  readonly ack?: Ack;
}

/** A request with this Idempotency-Key is still being processed; the caller may retry shortly. */
export class IdempotencyConflictError extends Error {
  override name = 'IdempotencyConflictError';
}

/**
 * Push ingestion: parse → check limits → register hosts → write, all or nothing, answered once per
 * Idempotency-Key. A rejected batch stores its 4xx for the key too (a retry gets the same answer); a
 * failure a retry can fix releases the key.
 */
export class IngestService {
  constructor(private readonly deps: IngestDeps) {}

  pushJson(org: string, body: IngestRequest, options: PushOptions = {}): Promise<StoredResponse> {
    return this.once(org, options, () => batchesFromJson(org, body, this.deps.limits));
  }

  pushInflux(
    org: string,
    text: string,
    precision: InfluxPrecision,
    host: string | undefined,
    options: PushOptions = {},
  ): Promise<StoredResponse> {
    const now = (this.deps.now ?? Date.now)();
    return this.once(org, options, () =>
      batchesFromInflux(org, text, { precision, host, now }, this.deps.limits),
    );
  }

  private async once(
    org: string,
    options: PushOptions,
    parse: () => { batches: WriteBatch[]; hosts: PushedHost[] },
  ): Promise<StoredResponse> {
    const key = options.idempotencyKey;
    if (key === undefined) return this.store(org, parse, options.ack);
    const claim = await this.deps.idempotency.claim(org, key);
    if (claim.state === 'done') return claim.response;
    if (claim.state === 'pending')
      throw new IdempotencyConflictError(
        'a request with this Idempotency-Key is still in progress; retry shortly',
      );
    try {
      const response = await this.store(org, parse, options.ack);
      await this.deps.idempotency.complete(org, key, response);
      return response;
    } catch (err: unknown) {
      if (err instanceof IngestRejectedError || err instanceof SampleRejectedError) {
        await this.deps.idempotency.complete(org, key, rejection(err));
      } else {
        await this.deps.idempotency.release(org, key);
      }
      throw err;
    }
  }

  private async store(
    org: string,
    parse: () => { batches: WriteBatch[]; hosts: PushedHost[] },
    ack: Ack | undefined,
  ): Promise<StoredResponse> {
    const { batches, hosts } = parse();
    if (this.deps.registrar) {
      for (const host of hosts) await this.deps.registrar.ensureHost(org, host);
    }
    const result = await this.deps.writer.write(batches, ack);
    this.deps.onWritten?.(
      org,
      hosts.map((h) => h.id),
    );
    const body: IngestResponse = { samples: result.samples, hosts: batches.length, stored: result.stored };
    return { status: 200, body };
  }
}

/** The stored form of a rejection, so a retry with the same key gets the very same 4xx. */
function rejection(err: IngestRejectedError | SampleRejectedError): StoredResponse {
  const code =
    err instanceof IngestRejectedError
      ? err.kind
      : err.name === 'SeriesLimitError'
        ? 'limit_exceeded'
        : 'bad_request';
  return { status: code === 'limit_exceeded' ? 422 : 400, body: { error: { code, message: err.message } } };
}
