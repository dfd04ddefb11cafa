import { type Static, Type } from 'typebox';

/**
 * The wire shapes of notification channels. A channel is one receiver (a webhook, an Alertmanager, a
 * Slack or Discord incoming webhook, an SMTP mailbox) with the alerts it takes (`match`,
 * `minSeverity`) and its quiet hours. Kind-specific `settings` are checked per kind (`channel-input.ts`)
 * so the 400 names the field of the kind that is wrong.
 */

export const CHANNEL_KINDS = ['webhook', 'alertmanager', 'slack', 'discord', 'email'] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];

const Id = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$' });
const Label = Type.String({ minLength: 1, maxLength: 128 });

/**
 * One label matcher, in the shape silences and Alertmanager use: `isRegex` (anchored, default false),
 * `isEqual` (false: the label must not match; default true). An absent label has the empty value.
 */
export const LabelMatcher = Type.Object(
  {
    name: Label,
    value: Type.String({ maxLength: 512 }),
    isRegex: Type.Optional(Type.Boolean()),
    isEqual: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type LabelMatcher = Static<typeof LabelMatcher>;

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

const ClockTime = Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$' });

/**
 * Quiet hours: from `start` to `end` (local time of `timezone`; an `end` before `start` runs past
 * midnight), on `days` (the day the quiet period starts; absent: every day).
 */
export const QuietHours = Type.Object(
  {
    start: ClockTime,
    end: ClockTime,
    timezone: Type.String({ minLength: 1, maxLength: 64 }),
    days: Type.Optional(
      Type.Array(
        Type.Union([
          Type.Literal('mon'),
          Type.Literal('tue'),
          Type.Literal('wed'),
          Type.Literal('thu'),
          Type.Literal('fri'),
          Type.Literal('sat'),
          Type.Literal('sun'),
        ]),
        { minItems: 1, maxItems: 7 },
      ),
    ),
  },
  { additionalProperties: false },
);
export type QuietHours = Static<typeof QuietHours>;

const Severity = Type.Union([Type.Literal('warning'), Type.Literal('critical')]);
const Kind = Type.Union([
  Type.Literal('webhook'),
  Type.Literal('alertmanager'),
  Type.Literal('slack'),
  Type.Literal('discord'),
  Type.Literal('email'),
]);
const Settings = Type.Record(Type.String(), Type.Unknown());
const Name = Type.String({ minLength: 1, maxLength: 200 });
const Match = Type.Array(LabelMatcher, { maxItems: 32 });

export const ChannelCreate = Type.Object(
  {
    id: Type.Optional(Id),
    name: Name,
    kind: Kind,
    enabled: Type.Optional(Type.Boolean()),
    match: Type.Optional(Match),
    minSeverity: Type.Optional(Severity),
    quietHours: Type.Optional(Type.Union([QuietHours, Type.Null()])),
    settings: Settings,
  },
  { additionalProperties: false },
);
export type ChannelCreate = Static<typeof ChannelCreate>;

/** Changes to a channel; `settings` replaces the stored ones (a masked secret sent back keeps the stored one). */
export const ChannelPatch = Type.Object(
  {
    name: Type.Optional(Name),
    enabled: Type.Optional(Type.Boolean()),
    match: Type.Optional(Match),
    minSeverity: Type.Optional(Severity),
    quietHours: Type.Optional(Type.Union([QuietHours, Type.Null()])),
    settings: Type.Optional(Settings),
  },
  { additionalProperties: false },
);
export type ChannelPatch = Static<typeof ChannelPatch>;

/** A channel as stored and as answered (secrets masked in answers, sealed at rest). */
export const Channel = Type.Object({
  id: Id,
  name: Name,
  kind: Kind,
  enabled: Type.Boolean(),
  match: Match,
  minSeverity: Severity,
  quietHours: Type.Union([QuietHours, Type.Null()]),
  settings: Settings,
  createdAt: Type.Number(),
  updatedAt: Type.Number(),
});
export type Channel = Static<typeof Channel>;

/** Per-kind settings. Secret fields: webhook `secret`, alertmanager `password`, slack/discord `url`, email `pass`. */
const Url = Type.String({ minLength: 8, maxLength: 2048, pattern: '^https?://' });
export const KIND_SETTINGS = {
  webhook: Type.Object(
    { url: Url, secret: Type.Optional(Type.String({ minLength: 16, maxLength: 512 })) },
    { additionalProperties: false },
  ),
  alertmanager: Type.Object(
    {
      url: Url,
      username: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
      password: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
    },
    { additionalProperties: false },
  ),
  slack: Type.Object({ url: Url }, { additionalProperties: false }),
  discord: Type.Object({ url: Url }, { additionalProperties: false }),
  email: Type.Object(
    {
      host: Type.String({ minLength: 1, maxLength: 253 }),
      port: Type.Integer({ minimum: 1, maximum: 65535 }),
      secure: Type.Optional(Type.Boolean()),
      user: Type.Optional(Type.String({ minLength: 1, maxLength: 320 })),
      pass: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
      from: Type.String({ minLength: 3, maxLength: 320 }),
      to: Type.Array(Type.String({ minLength: 3, maxLength: 320, pattern: '^[^\\s@]+@[^\\s@]+$' }), {
        minItems: 1,
        maxItems: 50,
      }),
    },
    { additionalProperties: false },
  ),
} as const;

export type WebhookSettings = Static<typeof KIND_SETTINGS.webhook>;
export type AlertmanagerSettings = Static<typeof KIND_SETTINGS.alertmanager>;
export type ChatSettings = Static<typeof KIND_SETTINGS.slack>;
export type EmailSettings = Static<typeof KIND_SETTINGS.email>;

/** The settings fields that hold secrets, per kind: sealed at rest, masked in answers, cut from reasons. */
export const SECRET_FIELDS: Readonly<Record<ChannelKind, readonly string[]>> = {
  webhook: ['secret'],
  alertmanager: ['password'],
  slack: ['url'],
  discord: ['url'],
  email: ['pass'],
};
