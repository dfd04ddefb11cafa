import type { Cache } from '../cache/index.ts';
import type { IdempotencyStore, IngestService } from '../ingest/index.ts';
import type { Tsdb } from '../tsdb/index.ts';

/** What a host needs to be shown in an overview or accepted by a query. */
export interface HostSummary {
  readonly id: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Pull interval in seconds (push hosts report every few seconds whatever it says). */
  readonly metricsInterval: number;
  readonly collector: string;
  readonly thresholds: { readonly cpu: number; readonly memory: number; readonly disk: number };
}

/** The hosts of an org, from tenancy. */
export interface HostDirectory {
  get(org: string, id: string): Promise<HostSummary | undefined>;
  list(org: string): Promise<HostSummary[]>;
}

/** The capabilities the HTTP routes use; the composition root builds them. */
export interface ApiServices {
  readonly tsdb: Tsdb;
  readonly ingest: IngestService;
  readonly idempotency: IdempotencyStore;
  readonly cache: Cache;
  readonly hosts: HostDirectory;
}
