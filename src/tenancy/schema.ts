import { type Static, Type } from 'typebox';
import { CollectorKind, ID_PATTERN, Scope, Thresholds } from '../contract/index.ts';

/**
 * Wire schemas of orgs, tokens and hosts: the routes use them for validation and OpenAPI, the service
 * checks its input against them too, so a caller that is not HTTP (ingest, CLI) gets the same rules.
 */
const Id = Type.String({
  pattern: ID_PATTERN.source,
  description: 'letters, digits, ".", "_" or "-"; at most 128 characters',
});
const Ms = Type.Integer({ minimum: 0, description: 'ms since the Unix epoch' });
const Name = Type.String({ minLength: 1, maxLength: 200 });
const Labels = Type.Record(Type.String(), Type.String({ maxLength: 256 }), {
  description: 'label name (letters, digits, "_") → value; at most 32',
});
const Settings = Type.Record(Type.String(), Type.Unknown(), {
  description: 'collector settings; secrets (password, privateKey, …) are answered as "***"',
});

export const Org = Type.Object({ id: Id, name: Name, createdAt: Ms }, { additionalProperties: false });
export type Org = Static<typeof Org>;

/** `POST /api/v1/orgs`. */
export const OrgCreate = Type.Object({ id: Id, name: Name }, { additionalProperties: false });
export type OrgCreate = Static<typeof OrgCreate>;

/** A deleted org: its id stays taken. `purgedAt` once its data was removed (absent: unfinished). */
export const DeletedOrg = Type.Object(
  {
    id: Id,
    name: Name,
    createdAt: Ms,
    deletedAt: Ms,
    purgedAt: Type.Optional(Ms),
  },
  { additionalProperties: false },
);
export type DeletedOrg = Static<typeof DeletedOrg>;

export const Scopes = Type.Array(Scope, { minItems: 1, maxItems: 4, uniqueItems: true });

export const TokenInfo = Type.Object({
  id: Type.String(),
  name: Name,
  scopes: Scopes,
  createdAt: Ms,
  lastUsedAt: Type.Optional(Ms),
});
export type TokenInfo = Static<typeof TokenInfo>;

export const TokenCreate = Type.Object({ name: Name, scopes: Scopes }, { additionalProperties: false });
export type TokenCreate = Static<typeof TokenCreate>;

/** A new token with its secret, answered once at creation. */
export const CreatedToken = Type.Object({
  token: Type.String({ description: 'the secret: shown once, stored only as its SHA-256' }),
  id: Type.String(),
  name: Name,
  scopes: Scopes,
  createdAt: Ms,
});
export type CreatedToken = Static<typeof CreatedToken>;

/** A new org with its first admin token (the secret shown once). */
export const CreatedOrg = Type.Object({ org: Org, token: CreatedToken });
export type CreatedOrg = Static<typeof CreatedOrg>;

export const Collector = Type.Object(
  { kind: CollectorKind, settings: Settings },
  { additionalProperties: false },
);
export type Collector = Static<typeof Collector>;

export const Host = Type.Object({
  id: Id,
  name: Name,
  labels: Labels,
  metricsEnabled: Type.Boolean(),
  metricsInterval: Type.Integer({ minimum: 10, maximum: 86_400, description: 'pull interval (s)' }),
  collector: Collector,
  thresholds: Thresholds,
  createdAt: Ms,
  updatedAt: Ms,
});
export type Host = Static<typeof Host>;

// Partial drops the source's options: unknown threshold names must stay refused.
const PartialThresholds = Type.Partial(Thresholds, { additionalProperties: false });

/** `POST /api/v1/hosts`: only `id` is required; the rest takes the defaults. */
export const HostCreate = Type.Object(
  {
    id: Id,
    name: Type.Optional(Name),
    labels: Type.Optional(Labels),
    metricsEnabled: Type.Optional(Type.Boolean({ default: true })),
    metricsInterval: Type.Optional(Host.properties.metricsInterval),
    collector: Type.Optional(
      Type.Object(
        { kind: CollectorKind, settings: Type.Optional(Settings) },
        { additionalProperties: false },
      ),
    ),
    thresholds: Type.Optional(PartialThresholds),
  },
  { additionalProperties: false },
);
export type HostCreate = Static<typeof HostCreate>;

/**
 * `PATCH /api/v1/hosts/:id`: fields given replace the stored ones (labels as a whole, thresholds one by
 * one). `collector.settings` replaces the settings, except a masked secret sent back keeps the stored one.
 */
export const HostPatch = Type.Object(
  {
    name: Type.Optional(Name),
    labels: Type.Optional(Labels),
    metricsEnabled: Type.Optional(Type.Boolean()),
    metricsInterval: Type.Optional(Host.properties.metricsInterval),
    collector: Type.Optional(
      Type.Object(
        { kind: Type.Optional(CollectorKind), settings: Type.Optional(Settings) },
        { additionalProperties: false },
      ),
    ),
    thresholds: Type.Optional(PartialThresholds),
  },
  { additionalProperties: false },
);
export type HostPatch = Static<typeof HostPatch>;
