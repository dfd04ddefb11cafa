// The reliability suite's load writer and acknowledged-sample checker.
//
// The writer pushes unique samples to a Vitals server over HTTP (JSON and Influx line protocol in turn),
// retries what was not acknowledged as a real agent does, and keeps a ledger: for every sample whether
// it was attempted, refused or acknowledged (2xx) and when. The checker reads everything back from
// Redis (heads and sealed windows, through the same `readRaw` the range API uses, plus the raw head
// records) and counts:
//   lost        acknowledged, not in Redis
//   duplicated  the same series and timestamp twice in the read answer (reads de-duplicate by design,
//               so this must be 0); raw head records repeated (a replayed APPEND) are reported apart
//   phantom     in Redis but never attempted, under an unknown series or host, or with another value
import { Keys, type RedisClient } from '../../src/redis/index.ts';
import { createTsdbContext, tsdbOptions } from '../../src/tsdb/context.ts';
import { decodeHead } from '../../src/tsdb/head-record.ts';
import { type Points, readRaw, runMaintenance } from '../../src/tsdb/index.ts';
import type { TsdbContext } from '../../src/tsdb/options.ts';
import { sleep } from '../harness/index.ts';
import { testConfig } from '../support/config.ts';
import { RELIABILITY_TOKEN } from './server.ts';

export type AckMode = 'durable' | 'buffered';

/** The org of the bootstrap admin token the writer uses. */
export const ORG = 'default';
/** Timestamps of one host advance by this much per sample: days of data in minutes of writing. */
export const STEP_MS = 500;

/** Every host writes these four series; two carry a label, two have fractional values. */
export const SERIES = [
  { key: 'rel.a', field: 'a', core: undefined },
  { key: 'rel.b', field: 'b', core: undefined },
  { key: 'rel.c{core="0"}', field: 'c', core: '0' },
  { key: 'rel.d{core="0"}', field: 'd', core: '0' },
] as const;

/** What became of a sample (one per timestamp of a host: all its series travel in one request). */
const NONE = 0;
const SENT = 1;
const REFUSED = 2;
const ACKED = 3;

export interface LoadOptions {
  readonly ack: AckMode;
  /** Concurrent writer loops; each writes its own host. */
  readonly hosts: number;
  /** Timestamps per request (× 4 series = samples per request). */
  readonly timestampsPerRequest: number;
  /** Pause of each loop between two requests. */
  readonly pauseMs: number;
  /** A request without an answer by then counts as unanswered and is retried. @defaultValue 15000 */
  readonly requestTimeoutMs?: number;
  /** Wait before retrying an unanswered request (a 503 / 429 waits for its Retry-After, at most 1 s). */
  readonly retryMs?: number;
  /** Host ids are `<hostPrefix><n>`. */
  readonly hostPrefix: string;
  /** Timestamp of each host's first sample. */
  readonly base: number;
  /** Offsets the values of this writer's hosts so that no two writers share one. */
  readonly firstHostIndex: number;
}

/** One host's ledger: the state of each timestamp index (seq) and when it was acknowledged. */
export class HostLedger {
  next = 0;
  state = new Uint8Array(1024);
  ackAt = new Float64Array(1024);

  constructor(
    readonly host: string,
    readonly index: number,
    readonly base: number,
  ) {}

  timestamp(seq: number): number {
    return this.base + seq * STEP_MS;
  }

  /** The seq of a timestamp, or undefined when it is not on this host's grid. */
  seqOf(t: number): number | undefined {
    const seq = (t - this.base) / STEP_MS;
    return Number.isInteger(seq) && seq >= 0 ? seq : undefined;
  }

  value(series: number, seq: number): number {
    return (this.index * 8 + series) * 1e9 + seq + (series % 2 === 1 ? 0.25 : 0);
  }

  reserve(count: number): number {
    const from = this.next;
    this.next += count;
    if (this.next > this.state.length) {
      const size = Math.max(this.next, this.state.length * 2);
      const state = new Uint8Array(size);
      state.set(this.state);
      const ackAt = new Float64Array(size);
      ackAt.set(this.ackAt);
      this.state = state;
      this.ackAt = ackAt;
    }
    return from;
  }

  mark(from: number, count: number, state: number, at = 0): void {
    for (let seq = from; seq < from + count; seq++) {
      if (state <= (this.state[seq] as number)) continue;
      this.state[seq] = state;
      if (state === ACKED) this.ackAt[seq] = at;
    }
  }
}

export interface WriterFigures {
  readonly ack: AckMode;
  readonly requests: number;
  /** Answers by status (`200`, `204`, `503`, …), `network` (no answer: connection refused or reset) and `timeout`. */
  readonly statuses: Readonly<Record<string, number>>;
  /** Samples acknowledged, by where the server said they went (JSON answers only say it). */
  readonly stored: Readonly<Record<string, number>>;
  readonly ackedSamples: number;
  /** Request latency of acknowledged requests, ms. */
  readonly latency: { readonly p50: number; readonly p99: number; readonly max: number };
}

function outcomeOf(err: unknown): 'timeout' | 'network' {
  return err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')
    ? 'timeout'
    : 'network';
}

/**
 * Pushes unique samples to whatever server `target()` names (it changes when a scenario restarts the
 * server), one loop per host, with the given acknowledgement mode.
 */
export class LoadWriter {
  readonly ledgers: HostLedger[];
  private readonly statuses = new Map<string, number>();
  private readonly stored = new Map<string, number>();
  private readonly latencies: number[] = [];
  private requests = 0;
  private running = false;
  private loops: Promise<void>[] = [];

  constructor(
    private readonly target: () => string,
    readonly options: LoadOptions,
  ) {
    this.ledgers = Array.from(
      { length: options.hosts },
      (_, i) => new HostLedger(`${options.hostPrefix}${i}`, options.firstHostIndex + i, options.base),
    );
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loops = this.ledgers.map((ledger) => this.loop(ledger));
  }

  /** Stops issuing requests; resolves once every loop has finished its request in flight. */
  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  ackedSamples(): number {
    let n = 0;
    for (const l of this.ledgers) for (let s = 0; s < l.next; s++) if (l.state[s] === ACKED) n++;
    return n * SERIES.length;
  }

  /** Statuses seen so far, e.g. to wait until the fault shows (`503`, `network`). */
  count(status: string): number {
    return this.statuses.get(status) ?? 0;
  }

  figures(): WriterFigures {
    const sorted = [...this.latencies].sort((a, b) => a - b);
    const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
    return {
      ack: this.options.ack,
      requests: this.requests,
      statuses: Object.fromEntries([...this.statuses].sort()),
      stored: Object.fromEntries(this.stored),
      ackedSamples: this.ackedSamples(),
      latency: { p50: Math.round(pct(0.5)), p99: Math.round(pct(0.99)), max: Math.round(sorted.at(-1) ?? 0) },
    };
  }

  private tally(key: string): void {
    this.statuses.set(key, (this.statuses.get(key) ?? 0) + 1);
  }

  private async loop(ledger: HostLedger): Promise<void> {
    const per = this.options.timestampsPerRequest;
    let n = 0;
    while (this.running) {
      const from = ledger.reserve(per);
      ledger.mark(from, per, SENT);
      const format = n++ % 2 === 0 ? 'json' : 'influx';
      for (;;) {
        const waitMs = await this.send(ledger, from, per, format);
        if (waitMs === undefined || !this.running) break;
        await sleep(waitMs);
      }
      if (this.options.pauseMs > 0) await sleep(this.options.pauseMs);
    }
  }

  /** One attempt; undefined when it is settled (acknowledged or refused for good), else ms to wait. */
  private async send(
    ledger: HostLedger,
    from: number,
    count: number,
    format: 'json' | 'influx',
  ): Promise<number | undefined> {
    const { ack } = this.options;
    const retryMs = this.options.retryMs ?? 100;
    const request =
      format === 'json'
        ? {
            url: `/api/v1/ingest?ack=${ack}`,
            type: 'application/json',
            body: JSON.stringify(jsonBody(ledger, from, count)),
          }
        : {
            url: `/api/v1/write?precision=ms&ack=${ack}`,
            type: 'text/plain; charset=utf-8',
            body: influxBody(ledger, from, count),
          };
    const started = performance.now();
    this.requests += 1;
    let res: Response;
    try {
      const base = this.target();
      if (!base) throw new Error('no server');
      res = await fetch(`${base}${request.url}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${RELIABILITY_TOKEN}`, 'content-type': request.type },
        body: request.body,
        signal: AbortSignal.timeout(this.options.requestTimeoutMs ?? 15_000),
      });
    } catch (err: unknown) {
      this.tally(outcomeOf(err));
      return retryMs;
    }
    let text = '';
    try {
      text = await res.text();
    } catch (err: unknown) {
      // The answer's status came, its body did not: the write may or may not have happened.
      this.tally(outcomeOf(err));
      return retryMs;
    }
    this.tally(String(res.status));
    if (res.status >= 200 && res.status < 300) {
      this.latencies.push(performance.now() - started);
      ledger.mark(from, count, ACKED, Date.now());
      const where =
        format === 'json'
          ? ((JSON.parse(text) as { stored?: string }).stored ?? '?')
          : 'unstated (influx 204)';
      this.stored.set(where, (this.stored.get(where) ?? 0) + count * SERIES.length);
      return undefined;
    }
    if (res.status === 503 || res.status === 429 || res.status === 408 || res.status >= 500) {
      const after = Number(res.headers.get('retry-after'));
      return Number.isFinite(after) && after > 0 ? Math.min(1000, after * 1000) : retryMs;
    }
    // Any other 4xx: these requests are valid, so this is a bug the scenario reports.
    ledger.mark(from, count, REFUSED);
    this.tally(`refused: ${text.slice(0, 200)}`);
    return undefined;
  }
}

function jsonBody(ledger: HostLedger, from: number, count: number) {
  const snapshots = [];
  for (let seq = from; seq < from + count; seq++) {
    const metrics: Record<string, number> = {};
    SERIES.forEach((s, i) => {
      metrics[s.key] = ledger.value(i, seq);
    });
    snapshots.push({ timestamp: ledger.timestamp(seq), metrics });
  }
  return { hosts: [{ host: ledger.host, snapshots }] };
}

function influxBody(ledger: HostLedger, from: number, count: number): string {
  const lines: string[] = [];
  for (let seq = from; seq < from + count; seq++) {
    const t = ledger.timestamp(seq);
    const plain = SERIES.map((s, i) => ({ s, v: ledger.value(i, seq) })).filter(
      (x) => x.s.core === undefined,
    );
    const cored = SERIES.map((s, i) => ({ s, v: ledger.value(i, seq) })).filter(
      (x) => x.s.core !== undefined,
    );
    lines.push(`rel,host=${ledger.host} ${plain.map((x) => `${x.s.field}=${x.v}`).join(',')} ${t}`);
    lines.push(`rel,core=0,host=${ledger.host} ${cored.map((x) => `${x.s.field}=${x.v}`).join(',')} ${t}`);
  }
  return lines.join('\n');
}

/** One host as stored: the read answer per series, and what its raw head records hold. */
export interface StoredHost {
  /** `readRaw` over all time: heads merged over sealed windows, de-duplicated. */
  readonly series: ReadonlyMap<string, Points>;
  /** Head records (series id, timestamp) seen more than once: replayed appends, dropped by reads. */
  readonly rawDuplicates: number;
  readonly rawHeadSamples: number;
  readonly headWindows: number;
  readonly sealedWindows: number;
}

export interface StoredData {
  readonly hosts: ReadonlyMap<string, StoredHost>;
  /** Every host with stored series under the prefix (`tsdb:hosts`), to find hosts nobody wrote. */
  readonly allHosts: readonly string[];
}

function contextOf(client: RedisClient, prefix: string): TsdbContext {
  const config = testConfig();
  return createTsdbContext(client, new Keys(prefix), tsdbOptions(config.storage, config.server.dataDir));
}

/**
 * With every server stopped: removes the seal locks that killed or interrupted runs left behind (they
 * would expire after a minute) and runs the server's own maintenance pass, which seals every window
 * (they are all days old). Returns how many locks were left and the run's failures.
 */
export async function sealAll(
  client: RedisClient,
  prefix: string,
  hosts: readonly string[],
): Promise<{ staleLocks: number; failures: number; windowsSealed: number }> {
  const ctx = contextOf(client, prefix);
  let staleLocks = 0;
  for (const host of hosts) staleLocks += await client.del(ctx.keys.sealLock(ORG, host));
  const run = await runMaintenance(ctx);
  return { staleLocks, failures: run.failures, windowsSealed: run.windowsSealed };
}

/** Reads every host of the org back from Redis, on a fresh connection of the caller's. */
export async function readStored(
  client: RedisClient,
  prefix: string,
  hosts: readonly string[],
): Promise<StoredData> {
  const ctx = contextOf(client, prefix);
  const { keys } = ctx;
  const out = new Map<string, StoredHost>();
  for (const host of hosts) {
    const names = await ctx.series.all(ORG, host);
    const raw = await readRaw(ctx, ORG, host, [...names.keys()], 0, Number.POSITIVE_INFINITY);
    const series = new Map<string, Points>();
    for (const [id, points] of raw) series.set(names.get(id) ?? `#${id}`, points);
    const windows = await client.zrange(keys.heads(ORG, host), 0, -1);
    let rawDuplicates = 0;
    let rawHeadSamples = 0;
    for (const w of windows) {
      const buf = await client.getBuffer(keys.head(ORG, host, Number(w)));
      if (!buf) continue;
      const head = decodeHead(buf);
      rawHeadSamples += head.length;
      const seen = new Set<string>();
      for (let i = 0; i < head.length; i++) {
        const id = `${head.ids[i]}:${head.timestamps[i]}`;
        if (seen.has(id)) rawDuplicates++;
        else seen.add(id);
      }
    }
    out.set(host, {
      series,
      rawDuplicates,
      rawHeadSamples,
      headWindows: windows.length,
      sealedWindows: await client.zcard(keys.windowIndex(ORG, host, 'raw')),
    });
  }
  const members = await client.zrange(keys.hostsIndex(), 0, -1);
  return {
    hosts: out,
    allHosts: members.filter((m) => m.startsWith(`${ORG}:`)).map((m) => m.slice(ORG.length + 1)),
  };
}

export interface Verdict {
  readonly ack: AckMode;
  /** Samples acknowledged (2xx). */
  readonly acked: number;
  /** Samples attempted whose request got no 2xx (unanswered, or still retried when the load stopped). */
  readonly unacked: number;
  readonly lost: number;
  /** The first few lost samples, for the failure message. */
  readonly lostExamples: readonly string[];
  /** When each lost sample was acknowledged (ms since epoch), for the `ack=buffered` loss bound. */
  readonly lostAckedAt: readonly number[];
  readonly duplicatedRead: number;
  readonly duplicatedRaw: number;
  readonly phantom: number;
  readonly phantomExamples: readonly string[];
  /** Unacknowledged samples that are stored anyway (allowed: the answer was lost, not the write). */
  readonly unackedStored: number;
  readonly rawHeadSamples: number;
  readonly headWindows: number;
  readonly sealedWindows: number;
}

/** Compares what one writer's ledgers say with what Redis holds. */
export function check(writer: LoadWriter, stored: StoredData): Verdict {
  let acked = 0;
  let unacked = 0;
  let lost = 0;
  let duplicatedRead = 0;
  let duplicatedRaw = 0;
  let phantom = 0;
  let unackedStored = 0;
  let rawHeadSamples = 0;
  let headWindows = 0;
  let sealedWindows = 0;
  const lostExamples: string[] = [];
  const phantomExamples: string[] = [];
  const lostAckedAt: number[] = [];
  const seriesIndex = new Map<string, number>(SERIES.map((s, i) => [s.key, i]));
  for (const ledger of writer.ledgers) {
    const host = stored.hosts.get(ledger.host);
    duplicatedRaw += host?.rawDuplicates ?? 0;
    rawHeadSamples += host?.rawHeadSamples ?? 0;
    headWindows += host?.headWindows ?? 0;
    sealedWindows += host?.sealedWindows ?? 0;
    // Present (series index × seq) in the read answer.
    const present = SERIES.map(() => new Uint8Array(ledger.next));
    for (const [key, points] of host?.series ?? []) {
      const i = seriesIndex.get(key);
      for (let k = 0; k < points.timestamps.length; k++) {
        const t = points.timestamps[k] as number;
        const v = points.values[k] as number;
        if (k > 0 && points.timestamps[k - 1] === t) duplicatedRead++;
        const seq = ledger.seqOf(t);
        const why =
          i === undefined
            ? 'unknown series'
            : seq === undefined || seq >= ledger.next || ledger.state[seq] === NONE
              ? 'never attempted'
              : v !== ledger.value(i, seq)
                ? `value ${v}, sent ${ledger.value(i, seq)}`
                : undefined;
        if (why !== undefined || i === undefined || seq === undefined) {
          phantom++;
          if (phantomExamples.length < 5) phantomExamples.push(`${ledger.host} ${key} @${t}: ${why}`);
          continue;
        }
        (present[i] as Uint8Array)[seq] = 1;
      }
    }
    for (let seq = 0; seq < ledger.next; seq++) {
      const state = ledger.state[seq];
      for (let i = 0; i < SERIES.length; i++) {
        const there = (present[i] as Uint8Array)[seq] === 1;
        if (state === ACKED) {
          acked++;
          if (!there) {
            lost++;
            lostAckedAt.push(ledger.ackAt[seq] as number);
            if (lostExamples.length < 5)
              lostExamples.push(`${ledger.host} ${SERIES[i]?.key} @${ledger.timestamp(seq)}`);
          }
        } else {
          unacked++;
          if (there) unackedStored++;
        }
      }
    }
  }
  // Hosts under this writer's prefix that it never wrote are phantoms too.
  const mine = new Set(writer.ledgers.map((l) => l.host));
  for (const host of stored.allHosts) {
    if (host.startsWith(writer.options.hostPrefix) && !mine.has(host)) {
      phantom++;
      phantomExamples.push(`unknown host ${host}`);
    }
  }
  return {
    ack: writer.options.ack,
    acked,
    unacked,
    lost,
    lostExamples,
    lostAckedAt,
    duplicatedRead,
    duplicatedRaw,
    phantom,
    phantomExamples,
    unackedStored,
    rawHeadSamples,
    headWindows,
    sealedWindows,
  };
}
