import { type Static, Type } from 'typebox';

/**
 * Wire types of the HTTP API, shared by the server (route schemas, OpenAPI), the agent and the
 * dashboard. A sample value is a JSON number; JSON cannot carry NaN or ±Infinity, so a value may also be
 * exactly the string "NaN", "+Inf" or "-Inf" (as in the Prometheus text format). Nothing else is a
 * value: not `null`, not `true`, not a number in a string (`"42"`).
 */
export const SampleValue = Type.Union([
  Type.Number(),
  Type.Union([Type.Literal('NaN'), Type.Literal('+Inf'), Type.Literal('-Inf')]),
]);
export type SampleValue = Static<typeof SampleValue>;

const SPECIAL: Readonly<Record<string, number>> = {
  NaN: Number.NaN,
  '+Inf': Number.POSITIVE_INFINITY,
  '-Inf': Number.NEGATIVE_INFINITY,
};

/** The number a sample value stands for; undefined for anything that is not a `SampleValue`. */
export function sampleNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  return typeof value === 'string' && Object.hasOwn(SPECIAL, value) ? SPECIAL[value] : undefined;
}

export function fromNumber(value: number): SampleValue {
  if (Number.isFinite(value)) return value;
  return Number.isNaN(value) ? 'NaN' : value > 0 ? '+Inf' : '-Inf';
}

/** Every metric of a host at one instant: what an agent sends each interval. Keys are series keys. */
export const Snapshot = Type.Object(
  {
    timestamp: Type.Integer({ minimum: 0, description: 'ms since the Unix epoch' }),
    metrics: Type.Record(Type.String(), SampleValue, {
      description: 'series key → value, e.g. {"cpu.usage": 12.5, "disk.used_pct{mount=\\"/\\"}": 40}',
    }),
  },
  { additionalProperties: false },
);
export type Snapshot = Static<typeof Snapshot>;

/** One series with its points, for custom metrics or back-fills. */
export const SeriesPoints = Type.Object(
  {
    name: Type.String({ description: 'metric name, e.g. app.queue_depth' }),
    labels: Type.Optional(Type.Record(Type.String(), Type.String())),
    points: Type.Array(Type.Tuple([Type.Integer({ minimum: 0 }), SampleValue]), {
      description: '[timestamp ms, value] pairs',
    }),
  },
  { additionalProperties: false },
);
export type SeriesPoints = Static<typeof SeriesPoints>;

/** The samples of one host in a push. */
export const HostPush = Type.Object(
  {
    host: Type.String({ description: 'host id: letters, digits, ".", "_" or "-"' }),
    name: Type.Optional(Type.String({ description: 'display name, used when the push registers the host' })),
    labels: Type.Optional(Type.Record(Type.String(), Type.String())),
    snapshots: Type.Optional(Type.Array(Snapshot)),
    series: Type.Optional(Type.Array(SeriesPoints)),
  },
  { additionalProperties: false },
);
export type HostPush = Static<typeof HostPush>;

/** `POST /api/v1/ingest`: one heartbeat of one host up to many hosts × series × samples. */
export const IngestRequest = Type.Object(
  { hosts: Type.Array(HostPush, { minItems: 1 }) },
  { additionalProperties: false },
);
export type IngestRequest = Static<typeof IngestRequest>;

export const StoredIn = Type.Union([Type.Literal('redis'), Type.Literal('spool'), Type.Literal('memory')]);

export const IngestResponse = Type.Object({
  samples: Type.Integer({ description: 'samples accepted' }),
  hosts: Type.Integer(),
  stored: StoredIn,
});
export type IngestResponse = Static<typeof IngestResponse>;

/**
 * What a token may do. `admin` implies `read` and `ingest` within its org; `operator` manages orgs
 * (create, list, delete) and implies nothing else: it is held only by the default org's bootstrap
 * admin token (`VITALS_ADMIN_TOKEN` or the generated first token) and tokens that holder makes.
 */
export const Scope = Type.Union([
  Type.Literal('ingest'),
  Type.Literal('read'),
  Type.Literal('admin'),
  Type.Literal('operator'),
]);
export type Scope = Static<typeof Scope>;

export const CollectorKind = Type.Union([
  Type.Literal('push'),
  Type.Literal('ssh'),
  Type.Literal('prometheus'),
  Type.Literal('redis'),
]);
export type CollectorKind = Static<typeof CollectorKind>;

export const Thresholds = Type.Object(
  {
    cpu: Type.Number({ minimum: 0, maximum: 100, default: 90 }),
    memory: Type.Number({ minimum: 0, maximum: 100, default: 95 }),
    disk: Type.Number({ minimum: 0, maximum: 100, default: 90 }),
  },
  { additionalProperties: false },
);
export type Thresholds = Static<typeof Thresholds>;

export const DEFAULT_THRESHOLDS: Thresholds = { cpu: 90, memory: 95, disk: 90 };
export const DEFAULT_METRICS_INTERVAL_S = 900;
