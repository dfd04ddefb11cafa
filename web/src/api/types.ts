/**
 * Wire types of the API as the dashboard reads them (mirrors of the server's TypeBox schemas in
 * src/contract, src/tenancy/schema.ts and the route files). A value may be the string "NaN", "+Inf" or
 * "-Inf" where JSON has no number for it.
 */
export type SampleValue = number | 'NaN' | '+Inf' | '-Inf';
export type HostStatus = 'up' | 'stale' | 'down';
export type Scope = 'ingest' | 'read' | 'admin' | 'operator';
export type CollectorKind = 'push' | 'ssh' | 'prometheus' | 'redis';

export interface Thresholds {
  readonly cpu: number;
  readonly memory: number;
  readonly disk: number;
}

export interface OverviewHost {
  readonly id: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly collector: string;
  readonly thresholds: Thresholds;
  readonly status: HostStatus;
  readonly lastSeen: number | null;
  /** Newest value per field (`cpu`, `memory`, `disk`, `load1`… or a series key). */
  readonly latest: Readonly<Record<string, SampleValue>>;
}

export interface Overview {
  readonly hosts: OverviewHost[];
  readonly generatedAt: number;
}

export interface Host {
  readonly id: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly metricsEnabled: boolean;
  readonly metricsInterval: number;
  readonly collector: { readonly kind: CollectorKind; readonly settings: Readonly<Record<string, unknown>> };
  readonly thresholds: Thresholds;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface HostInput {
  id?: string;
  name?: string;
  labels?: Record<string, string>;
  metricsEnabled?: boolean;
  metricsInterval?: number;
  collector?: { kind: CollectorKind; settings?: Record<string, unknown> };
  thresholds?: Partial<Thresholds>;
}

export interface TokenInfo {
  readonly id: string;
  readonly name: string;
  readonly scopes: Scope[];
  readonly createdAt: number;
  readonly lastUsedAt?: number;
}

export interface CreatedToken extends TokenInfo {
  readonly token: string;
}

/** `GET /api/v1/me`: who the signed-in token is. */
export interface Me {
  readonly org: string;
  readonly tokenId: string;
  readonly scopes: Scope[];
}

export interface OrgSummary {
  readonly id: string;
  readonly name: string;
  readonly createdAt: number;
  readonly hosts: number;
}

export interface DeletedOrg {
  readonly id: string;
  readonly name: string;
  readonly createdAt: number;
  readonly deletedAt: number;
}

/** `GET /api/v1/orgs`. */
export interface OrgList {
  readonly orgs: OrgSummary[];
  readonly deleting: DeletedOrg[];
}

/** `POST /api/v1/orgs`: the org and its first admin token (the secret, once). */
export interface CreatedOrg {
  readonly org: { readonly id: string; readonly name: string; readonly createdAt: number };
  readonly token: CreatedToken;
}

export interface Columns {
  readonly timestamps: number[];
  readonly values: Readonly<Record<string, Array<SampleValue | null>>>;
}

export interface ColumnsResponse {
  readonly host: string;
  readonly count: number;
  readonly columns: Columns;
  /** Aggregates only: the bucket width used and the tiers read. */
  readonly step?: number;
  readonly tiers?: string[];
}

export interface LatestResponse {
  readonly host: string;
  readonly metrics: Array<{ series: string; field: string; timestamp: number; value: SampleValue }>;
}

/** `GET /api/v1/hosts/:id/series`: one page of the host's series, sorted by key. */
export interface SeriesListResponse {
  readonly host: string;
  readonly total: number;
  readonly count: number;
  readonly series: Array<{ key: string; name: string; lastTimestamp: number | null }>;
  /** Set when more follow: the `after` of the next page. */
  readonly next?: string;
}

export type LiveEvent =
  | { type: 'samples'; host: string; samples: Record<string, [number, SampleValue]> }
  | { type: 'host'; host: string; change: 'created' | 'updated' | 'deleted' };
