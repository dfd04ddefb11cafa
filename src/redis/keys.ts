/**
 * The only place Redis keys are formed. Every key starts with the configured prefix; all keys of one
 * host share the hash tag `{org:host}` so a host lives in one Cluster slot and its multi-key writes
 * (sealing a window, allocating series ids) stay atomic. Org and host ids are validated elsewhere
 * (`ID_PATTERN`) to exclude `{`, `}` and `:`.
 */
export class Keys {
  constructor(readonly prefix: string) {}

  /** Hash-tagged base of every per-host key. */
  host(org: string, host: string): string {
    return `${this.prefix}{${org}:${host}}:`;
  }

  /**
   * HASH of hosts registered before the names STRING (`names`): `n:<seriesKey>` → id, `next` → last id
   * handed out. Each key is stored once (readers invert the hash); hashes from before codec format 2
   * also hold `i:<id>` → seriesKey, which readers ignore. A host that has it keeps using it.
   */
  series(org: string, host: string): string {
    return `${this.host(org, host)}series`;
  }

  /** STRING: the series keys of a host in id order, each followed by a newline (id n is line n). */
  names(org: string, host: string): string {
    return `${this.host(org, host)}names`;
  }

  /** STRING: append-only binary head records of one window, until the window is sealed. */
  head(org: string, host: string, windowStart: number): string {
    return `${this.host(org, host)}head:${windowStart}`;
  }

  /** ZSET: window starts that have a head (score = member = window start). */
  heads(org: string, host: string): string {
    return `${this.host(org, host)}heads`;
  }

  /** HASH: one sealed window: `t` timestamps, `r:<id>` raw columns, `m:<id>` 1-minute rollups, packs of small ones `R:<g>`, `M:<g>`. */
  window(org: string, host: string, windowStart: number): string {
    return `${this.host(org, host)}w:${windowStart}`;
  }

  /** ZSET per tier (`raw`, `1m`): window starts whose sealed data of that tier exists. */
  windowIndex(org: string, host: string, tier: 'raw' | '1m'): string {
    return `${this.host(org, host)}idx:${tier}`;
  }

  /** HASH per day: field = window start, value = the window's 1-hour rollups of every series. */
  hourly(org: string, host: string, dayStart: number): string {
    return `${this.host(org, host)}h:${dayStart}`;
  }

  /** ZSET: day starts with 1-hour rollups. */
  hourlyIndex(org: string, host: string): string {
    return `${this.host(org, host)}idx:1h`;
  }

  /** HASH: series id → its newest sample (16 bytes: timestamp and value as float64 LE). */
  latest(org: string, host: string): string {
    return `${this.host(org, host)}latest`;
  }

  /** STRING: the host's seal lock (random owner token, PX expiry); one sealer per host at a time. */
  sealLock(org: string, host: string): string {
    return `${this.host(org, host)}lock:seal`;
  }

  /** STRING counter: series created in an org (for the per-org series limit). */
  orgSeriesCount(org: string): string {
    return `${this.prefix}tsdb:series-count:${org}`;
  }

  /** ZSET of `org:host` members, score = last write (ms): every host with stored series. */
  hostsIndex(): string {
    return `${this.prefix}tsdb:hosts`;
  }

  /** HASH: what the maintenance job did last (times, counts). */
  maintenance(): string {
    return `${this.prefix}tsdb:maintenance`;
  }

  /** STRING: an Idempotency-Key's state (`pending` or the original response), per org; `sub` = REDIS_IDEMPOTENCY_PREFIX. */
  idempotency(sub: string, org: string, keyHash: string): string {
    return `${this.prefix}${sub}${org}:${keyHash}`;
  }

  /** Prefix of the query and overview caches; `sub` = REDIS_CACHE_PREFIX. */
  cache(sub: string): string {
    return `${this.prefix}${sub}`;
  }

  /** Prefix of the per-token rate-limit counters. */
  rateLimit(): string {
    return `${this.prefix}rl:`;
  }

  /** STRING: when one org's next request is due under its request budget (ms); expires when idle. */
  orgRateLimit(org: string): string {
    return `${this.rateLimit()}org:${org}`;
  }

  /** Prefix BullMQ queues are created under; its own keys carry a `{queue}` hash tag. */
  bullPrefix(): string {
    return `${this.prefix}bull`;
  }

  /**
   * Hash-tagged base of the tenancy control plane (orgs, tokens, host registry). It is small (bytes per
   * token and host), read through in-process caches, and in one Cluster slot so that each tenancy write
   * (a token with its org index, a host with its conflict check) is one atomic MULTI or script.
   */
  tenancy(): string {
    return `${this.prefix}{tenancy}:`;
  }

  /** Pub/sub channel on which processes tell each other which tenancy caches to drop. */
  tenancyChannel(): string {
    return `${this.tenancy()}changes`;
  }

  /** HASH: org id → org JSON `{id, name, createdAt}`. */
  orgs(): string {
    return `${this.tenancy()}orgs`;
  }

  /** STRING: token record JSON, keyed by the token's SHA-256 hex (the token itself is never stored). */
  tokenByHash(sha256Hex: string): string {
    return `${this.tenancy()}token:${sha256Hex}`;
  }

  /** HASH: token id → token record JSON (with its hash) of one org; lists and revokes by id. */
  orgTokens(org: string): string {
    return `${this.tenancy()}org:${org}:tokens`;
  }

  /** HASH: token id → when the token was last verified (ms), at most once per cache lifetime per process. */
  orgTokensUsed(org: string): string {
    return `${this.tenancy()}org:${org}:tokens:used`;
  }

  /** HASH: host id → host JSON (collector settings included) of one org. */
  orgHosts(org: string): string {
    return `${this.tenancy()}org:${org}:hosts`;
  }

  /** STRING: short-lived lock (NX PX) so one process generates the first admin token. */
  bootstrapLock(): string {
    return `${this.tenancy()}lock:bootstrap`;
  }

  /**
   * HASH: org id → JSON `{id, name, createdAt, deletedAt, purgedAt?}` of every deleted org. Kept for
   * good: an id is never reused, since processes cache series ids and tokens by org.
   */
  deletedOrgs(): string {
    return `${this.tenancy()}orgs:deleted`;
  }

  /** HASH: name of a one-time tenancy upgrade → when it ran (ms). */
  tenancyUpgrades(): string {
    return `${this.tenancy()}upgrades`;
  }

  /** STRING (JSON): counter readings of a host's last pull collection, for rates; expires on its own. */
  collectState(org: string, host: string): string {
    return `${this.host(org, host)}collect:state`;
  }

  /** HASH: org → when pull collection was paused for it (ms). Orgs not listed collect normally. */
  collectPaused(): string {
    return `${this.prefix}collect:paused`;
  }

  /**
   * STRING: lock of one self-monitoring task (e.g. `self-redis`) for one interval slot (SET NX PX), so
   * one process at a time collects it per interval.
   */
  monitorLock(task: string, slot: number): string {
    return `${this.prefix}monitor:lock:${task}:${slot}`;
  }

  /**
   * Base of one org's alerting keys (hash tag `{alerts:<org>}`, so an org's rules, states and history
   * can change together in one script or transaction on a Cluster). The alerting modules add fixed
   * suffixes: `rules` (HASH id → rule JSON), `state` (HASH alert id → state JSON), `history` (STREAM or
   * ZSET of transitions), `silences`, `channels`, `delivered:<key>` (one notification's marker).
   */
  alerts(org: string): string {
    return `${this.prefix}{alerts:${org}}:`;
  }

  /** SET: the orgs that have alerting keys (the evaluator walks them). */
  alertOrgs(): string {
    return `${this.prefix}alerts:orgs`;
  }

  /** STRING: the evaluator's lock for one interval slot (SET NX PX): one evaluation per interval. */
  alertEvalLock(slot: number): string {
    return `${this.prefix}alerts:eval:${slot}`;
  }

  /**
   * Base of one org's connection events of one type (hash tag `{ev:<org>:<type>}`, so its blocks and
   * stats hash share a Cluster slot for the append script). Types never contain `{`, `}` or `:`.
   */
  eventsOf(org: string, type: string): string {
    return `${this.prefix}{ev:${org}:${type}}:`;
  }

  /** STRING: packed event batches of one hour window (src/events/codec.ts); expires with retention. */
  eventBlock(org: string, type: string, windowStart: number): string {
    return `${this.eventsOf(org, type)}b:${windowStart}`;
  }

  /** HASH: per-window event and error counts, newest event and error, each writer's applied mark. */
  eventStats(org: string, type: string): string {
    return `${this.eventsOf(org, type)}stats`;
  }

  /** SET: the event types an org has stored. */
  eventTypes(org: string): string {
    return `${this.prefix}events:types:${org}`;
  }

  /** SET: the orgs with stored events. */
  eventOrgs(): string {
    return `${this.prefix}events:orgs`;
  }

  /** Name of a BullMQ queue under `bullPrefix()`: wrapped in braces, the hash tag that keeps it in one slot. */
  bullQueue(name: string): string {
    return `{${name}}`;
  }
}
