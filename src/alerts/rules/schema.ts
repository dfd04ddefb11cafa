import { type Static, Type } from 'typebox';
import { ID_PATTERN } from '../../contract/index.ts';

/**
 * Wire and storage schemas of alert rules (TypeBox, closed). The routes validate with them, and the
 * store checks every rule it reads back from Redis against `StoredRule`, so a rule that no longer fits
 * is refused instead of evaluated half-understood. Field meanings: `AlertRule` in `../contract.ts`.
 */
const Id = Type.String({
  pattern: ID_PATTERN.source,
  description: 'letters, digits, ".", "_" or "-"; at most 128 characters',
});
const Ms = Type.Integer({ minimum: 0, description: 'ms since the Unix epoch' });
const DurationMs = (min: number, max: number, description: string) =>
  Type.Integer({ minimum: min, maximum: max, description });
const DAY = 86_400_000;
const LabelMap = Type.Record(
  Type.String({ pattern: '^[a-zA-Z_][a-zA-Z0-9_]{0,99}$' }),
  Type.String({ maxLength: 256 }),
  {
    maxProperties: 32,
    description: 'label name → value',
  },
);

/** `*` (any series of the host) is allowed for host-level `nodata` rules only. */
export const ANY_METRIC = '*';

export const Severity = Type.Union([Type.Literal('warning'), Type.Literal('critical')]);
export const Reduction = Type.Union([
  Type.Literal('avg'),
  Type.Literal('max'),
  Type.Literal('min'),
  Type.Literal('last'),
  Type.Literal('rate'),
  Type.Literal('p95'),
]);
export const Comparison = Type.Union([
  Type.Literal('>'),
  Type.Literal('>='),
  Type.Literal('<'),
  Type.Literal('<='),
]);
export const RuleKind = Type.Union([
  Type.Literal('threshold'),
  Type.Literal('nodata'),
  Type.Literal('predictive'),
]);

export const RuleSelector = Type.Object(
  {
    hostIds: Type.Optional(Type.Array(Id, { maxItems: 1000, uniqueItems: true })),
    hostLabels: Type.Optional(LabelMap),
    metric: Type.String({
      pattern: '^(\\*|[a-zA-Z_][a-zA-Z0-9_.]{0,199})$',
      description: 'series name, e.g. `cpu.usage`; `*` = any series of the host (nodata rules)',
    }),
    labels: Type.Optional(LabelMap),
  },
  { additionalProperties: false },
);

const NoData = Type.Object(
  { intervals: Type.Integer({ minimum: 1, maximum: 1000 }) },
  { additionalProperties: false },
);
const Predict = Type.Object(
  {
    lookbackMs: DurationMs(60_000, 30 * DAY, 'least-squares fit over this long'),
    horizonMs: DurationMs(60_000, 365 * DAY, 'how far ahead the fitted line is read'),
  },
  { additionalProperties: false },
);
const Flapping = Type.Object(
  {
    maxChanges: Type.Integer({ minimum: 1, maximum: 1000 }),
    windowMs: DurationMs(1000, 7 * DAY, 'window the state changes are counted in'),
  },
  { additionalProperties: false },
);
const Annotations = Type.Object(
  {
    summary: Type.String({ minLength: 1, maxLength: 1000 }),
    description: Type.Optional(Type.String({ maxLength: 4000 })),
  },
  { additionalProperties: false },
);

/** The fields a rule's author sets (shared by create, patch and the stored rule). */
const authored = {
  name: Type.String({ minLength: 1, maxLength: 200 }),
  enabled: Type.Boolean(),
  kind: RuleKind,
  selector: RuleSelector,
  reduction: Reduction,
  windowMs: DurationMs(1000, 30 * DAY, 'window the reduction runs over'),
  comparison: Comparison,
  threshold: Type.Number(),
  resolveThreshold: Type.Optional(Type.Number()),
  forMs: DurationMs(0, 7 * DAY, 'how long the condition holds before firing'),
  severity: Severity,
  noData: Type.Optional(NoData),
  predict: Type.Optional(Predict),
  flapping: Type.Optional(Flapping),
  labels: LabelMap,
  annotations: Annotations,
};

/** A rule as stored and answered. */
export const StoredRule = Type.Object(
  {
    id: Id,
    org: Id,
    ...authored,
    builtIn: Type.Optional(Type.String({ description: 'the default it comes from; cannot be deleted' })),
    createdAt: Ms,
    updatedAt: Ms,
  },
  { additionalProperties: false },
);
export type StoredRule = Static<typeof StoredRule>;

/** `POST /api/v1/alerts/rules`: `selector` and `threshold` are required (except for nodata rules); the rest has defaults. */
export const RuleCreate = Type.Object(
  {
    id: Type.Optional(Id),
    name: authored.name,
    enabled: Type.Optional(authored.enabled),
    kind: Type.Optional(authored.kind),
    selector: authored.selector,
    reduction: Type.Optional(authored.reduction),
    windowMs: Type.Optional(authored.windowMs),
    comparison: Type.Optional(authored.comparison),
    threshold: Type.Optional(authored.threshold),
    resolveThreshold: authored.resolveThreshold,
    forMs: Type.Optional(authored.forMs),
    severity: Type.Optional(authored.severity),
    noData: authored.noData,
    predict: authored.predict,
    flapping: authored.flapping,
    labels: Type.Optional(authored.labels),
    annotations: Type.Optional(authored.annotations),
  },
  { additionalProperties: false },
);
export type RuleCreate = Static<typeof RuleCreate>;

/**
 * `PATCH /api/v1/alerts/rules/:id`: fields given replace the stored ones (objects as a whole); `null`
 * removes an optional one (`resolveThreshold`, `noData`, `predict`, `flapping`).
 */
export const RulePatch = Type.Object(
  {
    name: Type.Optional(authored.name),
    enabled: Type.Optional(authored.enabled),
    kind: Type.Optional(authored.kind),
    selector: Type.Optional(authored.selector),
    reduction: Type.Optional(authored.reduction),
    windowMs: Type.Optional(authored.windowMs),
    comparison: Type.Optional(authored.comparison),
    threshold: Type.Optional(authored.threshold),
    resolveThreshold: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
    forMs: Type.Optional(authored.forMs),
    severity: Type.Optional(authored.severity),
    noData: Type.Optional(Type.Union([NoData, Type.Null()])),
    predict: Type.Optional(Type.Union([Predict, Type.Null()])),
    flapping: Type.Optional(Type.Union([Flapping, Type.Null()])),
    labels: Type.Optional(authored.labels),
    annotations: Type.Optional(authored.annotations),
  },
  { additionalProperties: false },
);
export type RulePatch = Static<typeof RulePatch>;

export const RuleList = Type.Object({ rules: Type.Array(StoredRule) });

/** One series a rule matches, as the preview answers it. */
export const PreviewItem = Type.Object({
  instance: Type.String(),
  host: Type.String(),
  series: Type.Optional(Type.String()),
  labels: Type.Record(Type.String(), Type.String()),
  value: Type.Union([Type.Number(), Type.Null()]),
  state: Type.Union([
    Type.Literal('breaching'),
    Type.Literal('ok'),
    Type.Literal('between'),
    Type.Literal('nodata'),
  ]),
  at: Ms,
});

export const Preview = Type.Object({
  rule: StoredRule,
  /** True when at least one matched series breaches now. */
  wouldFire: Type.Boolean(),
  matches: Type.Array(PreviewItem),
  /** True when more series matched than are listed. */
  truncated: Type.Boolean(),
});
export type Preview = Static<typeof Preview>;
