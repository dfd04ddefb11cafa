import { createServer, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../config/index.ts';
import { VitalsError } from '../contract/index.ts';
import { isUnavailable } from '../redis/index.ts';
import type { TimeBounds } from '../tsdb/index.ts';
import {
  GRAPHITE_REASONS,
  GraphiteBatch,
  type GraphiteMapping,
  GraphiteParser,
  type GraphiteReason,
} from './graphite.ts';
import type { IngestLimits } from './limits.ts';
import type { IngestService } from './service.ts';

export interface GraphiteListenerOptions {
  /** TCP port (VITALS_GRAPHITE_PORT); 0 picks a free one (tests). */
  readonly port: number;
  /** Listen address (VITALS_GRAPHITE_HOST). */
  readonly host: string;
  /** The org every line is written to (VITALS_GRAPHITE_ORG): the port has no authentication. */
  readonly org: string;
  readonly mapping: GraphiteMapping;
  /** A line longer than this (bytes, without its newline) is refused and its connection closed. */
  readonly maxLineBytes: number;
  readonly limits: IngestLimits;
  readonly ingest: Pick<IngestService, 'push'>;
  /** The writer's accepted timestamp range (a line outside it is refused alone, not its batch). */
  readonly timeBounds: (now: number) => TimeBounds;
  readonly logger: Logger;
  /** A connection's lines are pushed once this many are pending… @defaultValue 1000 */
  readonly batchLines?: number;
  /** …or this long after the first of them arrived. @defaultValue 100 */
  readonly batchMs?: number;
  /**
   * While a push is in flight the next batch may grow to this many lines before the connection is
   * paused: under load batches grow with the write latency. @defaultValue 10 × batchLines
   */
  readonly maxBatchLines?: number;
  /** Backoff of a push that failed for a reason that passes (Redis away, spool full). @defaultValue 250…5000 ms */
  readonly retryMs?: { readonly initial: number; readonly max: number };
  /** At most one warning per kind (refused line, failing push) per this interval. @defaultValue 10000 */
  readonly warnIntervalMs?: number;
  readonly now?: () => number;
}

/** What the listener did since it started (every count is of lines, except connections). */
export interface GraphiteStats {
  /** Connections open now. */
  readonly connections: number;
  /** Connections accepted since start. */
  readonly connectionsTotal: number;
  /** Lines parsed into a batch (stored, pending or given up). */
  readonly accepted: number;
  /** Lines whose write landed (in Redis, or in the disk spool while Redis is away). */
  readonly stored: number;
  /** Lines with a `nan` value, dropped as carbon drops them. */
  readonly nan: number;
  /** Lines refused, by reason (the write's refusal included: `limit`, `refused`). */
  readonly refused: Readonly<Record<GraphiteReason, number>>;
  /** Accepted lines given up: still unwritable when the listener closed, or an unexpected failure. */
  readonly dropped: number;
  /** Pushes retried after a failure that passes. */
  readonly retries: number;
}

const DEFAULTS = { batchLines: 1000, batchMs: 100, retry: { initial: 250, max: 5000 }, warnMs: 10_000 };

/**
 * Graphite plaintext over TCP. Each connection parses its lines as they come (a bad line is skipped
 * and counted: Graphite has no way to answer a client) and pushes them through `IngestService.push`
 * in batches (`batchLines` lines or `batchMs`, whichever first). A connection has at most one push in
 * flight and one batch filling meanwhile; once that batch holds `maxBatchLines` the socket is paused, so a slow or absent Redis slows the clients down (TCP backpressure)
 * instead of growing memory. With Redis down the writer spools to disk, so pushes still land; a push
 * that fails for a reason that passes (the spool full) is retried with backoff while the connection
 * stays open and paused. `close()` stops accepting, pushes what each connection holds and closes them.
 */
export class GraphiteListener {
  private readonly server: Server;
  private readonly parser: GraphiteParser;
  private readonly connections = new Set<Connection>();
  private readonly work = new Set<Promise<void>>();
  private readonly abort = new AbortController();
  private readonly warned = new Map<string, { at: number; suppressed: number }>();
  private closing: Promise<void> | undefined;
  private counts = {
    connectionsTotal: 0,
    accepted: 0,
    stored: 0,
    nan: 0,
    dropped: 0,
    retries: 0,
    refused: Object.fromEntries(GRAPHITE_REASONS.map((r) => [r, 0])) as Record<GraphiteReason, number>,
  };
  readonly batchLines: number;
  readonly maxBatchLines: number;
  readonly batchMs: number;
  private readonly now: () => number;

  constructor(private readonly options: GraphiteListenerOptions) {
    this.parser = new GraphiteParser(options.mapping, options.limits);
    // A write carries at most VITALS_MAX_SAMPLES_PER_REQUEST samples.
    this.batchLines = Math.max(
      1,
      Math.min(options.batchLines ?? DEFAULTS.batchLines, options.limits.maxSamplesPerRequest),
    );
    this.maxBatchLines = Math.max(
      this.batchLines,
      Math.min(options.maxBatchLines ?? this.batchLines * 10, options.limits.maxSamplesPerRequest),
    );
    this.batchMs = options.batchMs ?? DEFAULTS.batchMs;
    this.now = options.now ?? Date.now;
    this.server = createServer({ noDelay: true }, (socket) => this.accept(socket));
    this.server.on('error', (err) => options.logger.error({ err }, 'graphite listener error'));
  }

  /** Starts listening; resolves with `host:port`. */
  listen(): Promise<string> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.server.once('error', onError);
      this.server.listen({ port: this.options.port, host: this.options.host }, () => {
        this.server.off('error', onError);
        const address = this.address();
        this.options.logger.info(
          { address: `${address.host}:${address.port}`, org: this.options.org },
          'graphite plaintext listening (unauthenticated: bind it to loopback or a trusted network)',
        );
        resolve(`${address.host}:${address.port}`);
      });
    });
  }

  /** The bound address (after `listen()`). */
  address(): { host: string; port: number } {
    const a = this.server.address();
    if (a === null || typeof a === 'string') return { host: this.options.host, port: this.options.port };
    return { host: a.address, port: a.port };
  }

  stats(): GraphiteStats {
    const c = this.counts;
    return { ...c, refused: { ...c.refused }, connections: this.connections.size };
  }

  /** Lines dealt with since start: stored, refused, `nan` or dropped (blank lines are not counted). */
  handled(): number {
    const c = this.counts;
    const refused = Object.values(c.refused).reduce((a, b) => a + b, 0);
    return c.stored + c.nan + c.dropped + refused;
  }

  /**
   * Resolves once `handled()` reaches `lines` (e.g. what it was before a benchmark sent its lines, plus
   * their number); rejects past `timeoutMs`.
   */
  async settled(lines: number, timeoutMs = 60_000): Promise<GraphiteStats> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const s = this.stats();
      if (this.handled() >= lines) return s;
      if (Date.now() > deadline) throw new Error(`graphite: ${lines} lines not settled in ${timeoutMs} ms`);
      await sleep(5);
    }
  }

  /** Stops accepting, pushes every connection's pending lines (no more retries), then closes them. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    const stopped = new Promise<void>((resolve) => this.server.close(() => resolve()));
    // A push waiting to retry gives up now; one in progress ends as it ends.
    this.abort.abort();
    await Promise.all([...this.connections].map((c) => c.finish(true)));
    await Promise.all([...this.work]);
    for (const c of this.connections) c.destroy();
    this.connections.clear();
    if (this.server.listening) await stopped;
  }

  get isClosing(): boolean {
    return this.closing !== undefined;
  }

  private accept(socket: Socket): void {
    if (this.closing) {
      socket.destroy();
      return;
    }
    this.counts.connectionsTotal += 1;
    const connection = new Connection(this, socket, this.options.maxLineBytes);
    this.connections.add(connection);
    socket.once('close', () => {
      // What it had received is pushed before it is forgotten.
      const done = connection.finish().finally(() => {
        this.connections.delete(connection);
        this.work.delete(done);
      });
      this.work.add(done);
    });
  }

  /** One line of a connection. */
  line(batch: GraphiteBatch, text: string, now: number, bounds: TimeBounds, remote: string): void {
    const parsed = this.parser.parse(text, now, bounds);
    switch (parsed.kind) {
      case 'sample':
        batch.add(parsed.host, parsed.key, parsed.timestamp, parsed.value);
        this.counts.accepted += 1;
        return;
      case 'nan':
        this.counts.nan += 1;
        return;
      case 'refused':
        this.refuse(parsed.reason, 1, parsed.message, { remote, line: clip(text) });
        return;
      case 'empty':
        return;
    }
  }

  /** Counts refused lines and warns (rate-limited) why. */
  refuse(reason: GraphiteReason, lines: number, message: string, details: Record<string, unknown>): void {
    this.counts.refused[reason] += lines;
    this.warn(`refused:${reason}`, { reason, lines, ...details }, `graphite lines refused: ${message}`);
  }

  clock(): { now: number; bounds: TimeBounds } {
    const now = this.now();
    return { now, bounds: this.options.timeBounds(now) };
  }

  /**
   * Pushes a batch: retried with backoff while the failure is one that passes (until the listener
   * closes, then the lines are dropped and counted); a refusal is counted per host, the other hosts of
   * the batch are written.
   */
  async store(batch: GraphiteBatch, remote: string): Promise<void> {
    let delay = this.options.retryMs?.initial ?? DEFAULTS.retry.initial;
    const maxDelay = this.options.retryMs?.max ?? DEFAULTS.retry.max;
    const { org } = this.options;
    for (;;) {
      try {
        await this.options.ingest.push(
          org,
          () => 'graphite',
          () => batch.build(org),
        );
        this.counts.stored += batch.lines;
        return;
      } catch (err: unknown) {
        const passing = err instanceof VitalsError ? err.retryable : isUnavailable(err);
        if (passing) {
          if (this.abort.signal.aborted) {
            this.drop(batch.lines, err, remote);
            return;
          }
          this.counts.retries += 1;
          this.warn(
            'retry',
            { err, lines: batch.lines, retryMs: delay, remote },
            'graphite lines not stored yet; retrying (the connection is paused meanwhile)',
          );
          const slept = await sleep(delay, true, { signal: this.abort.signal }).catch(() => false);
          if (!slept) {
            this.drop(batch.lines, err, remote);
            return;
          }
          delay = Math.min(delay * 2, maxDelay);
          continue;
        }
        if (err instanceof VitalsError) {
          // Refused (an unknown host with auto-registration off, a series limit): find the host at fault.
          if (batch.hostCount > 1) {
            for (const one of batch.split()) await this.store(one, remote);
            return;
          }
          const reason: GraphiteReason = err.kind === 'limit' ? 'limit' : 'refused';
          this.refuse(reason, batch.lines, err.message, { remote });
          return;
        }
        this.drop(batch.lines, err, remote);
        return;
      }
    }
  }

  /** A bug met reading a connection (which is then closed); the listener and other connections go on. */
  failed(err: unknown, remote: string): void {
    this.warn('failed', { err, remote }, 'graphite connection closed after an unexpected error');
  }

  /** Counts lines given up (and warns, rate-limited). */
  drop(lines: number, err: unknown, remote: string): void {
    this.counts.dropped += lines;
    this.warn('dropped', { err, lines, remote }, 'graphite lines dropped: they could not be stored');
  }

  private warn(kind: string, details: Record<string, unknown>, message: string): void {
    const now = Date.now();
    const interval = this.options.warnIntervalMs ?? DEFAULTS.warnMs;
    const last = this.warned.get(kind);
    if (last && now - last.at < interval) {
      last.suppressed += 1;
      return;
    }
    const suppressed = last?.suppressed ?? 0;
    this.warned.set(kind, { at: now, suppressed: 0 });
    this.options.logger.warn({ ...details, ...(suppressed > 0 && { suppressed }) }, message);
  }
}

/** One client connection: splits bytes into lines, batches them, one push in flight at a time. */
class Connection {
  private batch = new GraphiteBatch();
  private partial: Buffer[] = [];
  private partialBytes = 0;
  private inFlight: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private paused = false;
  private ended = false;
  /** Bytes of a chunk not read yet: a full batch waits for the push in flight (the socket is paused). */
  private held: Buffer | undefined;
  /** Shutting down: nothing more is read from the socket. */
  private stopped = false;
  /** The client ended while bytes were held: the end is handled once they are read. */
  private endAfterHeld = false;
  private readonly remote: string;

  constructor(
    private readonly listener: GraphiteListener,
    private readonly socket: Socket,
    private readonly maxLineBytes: number,
  ) {
    this.remote = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    socket.on('data', (chunk: Buffer) => this.guard(() => this.onData(chunk)));
    socket.on('end', () => this.guard(() => this.onEnd()));
    // A reset or a timeout: what was received is still pushed ('close' follows).
    socket.on('error', () => undefined);
  }

  /** Nothing a client sends may throw out of a socket handler: a bug closes this connection only. */
  private guard(handle: () => void): void {
    try {
      handle();
    } catch (err: unknown) {
      this.listener.failed(err, this.remote);
      this.socket.destroy();
    }
  }

  private onData(chunk: Buffer): void {
    if (this.ended) return;
    const { now, bounds } = this.listener.clock();
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(10, start);
      if (nl < 0) break;
      if (this.partialBytes + (nl - start) > this.maxLineBytes) {
        this.overlong(this.partialBytes + (nl - start));
        return;
      }
      let text: string;
      if (this.partialBytes > 0) {
        this.partial.push(chunk.subarray(start, nl));
        text = Buffer.concat(this.partial).toString('utf8');
        this.partial = [];
        this.partialBytes = 0;
      } else {
        text = chunk.toString('utf8', start, nl);
      }
      this.listener.line(this.batch, text, now, bounds, this.remote);
      start = nl + 1;
      if (this.batch.lines >= this.listener.batchLines) {
        this.flush();
        if (this.inFlight && this.batch.lines >= this.listener.maxBatchLines) {
          // Both the push in flight and the next batch are full: the rest waits, and so does the socket.
          if (start < chunk.length) this.held = chunk.subarray(start);
          this.pause();
          return;
        }
      }
    }
    const rest = chunk.length - start;
    if (rest > 0) {
      if (this.partialBytes + rest > this.maxLineBytes) {
        this.overlong(this.partialBytes + rest);
        return;
      }
      // A copy: a slice would keep the whole chunk alive.
      this.partial.push(Buffer.from(chunk.subarray(start)));
      this.partialBytes += rest;
    }
    this.schedule();
  }

  /** The client closed its side: an unterminated last line still counts. */
  private onEnd(): void {
    if (this.held) {
      this.endAfterHeld = true;
      return;
    }
    if (this.partialBytes > 0) {
      const { now, bounds } = this.listener.clock();
      const text = Buffer.concat(this.partial).toString('utf8');
      this.partial = [];
      this.partialBytes = 0;
      this.listener.line(this.batch, text, now, bounds, this.remote);
    }
    this.ended = true;
    this.flush();
  }

  private pause(): void {
    if (this.paused || this.socket.destroyed) return;
    this.paused = true;
    this.socket.pause();
  }

  /** More than VITALS_GRAPHITE_MAX_LINE_BYTES without a newline: the line is refused, the connection closed. */
  private overlong(bytes: number): void {
    this.partial = [];
    this.partialBytes = 0;
    this.listener.refuse(
      'too_long',
      1,
      `a line is longer than ${this.maxLineBytes} bytes (VITALS_GRAPHITE_MAX_LINE_BYTES); connection closed`,
      { remote: this.remote, bytes },
    );
    this.ended = true;
    this.socket.destroy();
    // Lines before it are still pushed.
    this.flush();
  }

  private schedule(): void {
    if (this.batch.lines === 0 || this.timer || this.inFlight) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, this.listener.batchMs);
  }

  /** Pushes the pending lines now, or (one push in flight) once it ends, pausing a full connection. */
  private flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.batch.lines === 0 || this.inFlight) return;
    const batch = this.batch;
    this.batch = new GraphiteBatch();
    const stored = this.listener.store(batch, this.remote).catch((err: unknown) => {
      this.listener.drop(batch.lines, err, this.remote);
    });
    this.inFlight = stored.finally(() => {
      this.inFlight = undefined;
      // What arrived meanwhile waited at least one push: it goes now, then the held bytes are read.
      this.flush();
      const held = this.held;
      this.held = undefined;
      if (held) this.guard(() => this.onData(held));
      if (this.endAfterHeld && !this.held) {
        this.endAfterHeld = false;
        this.guard(() => this.onEnd());
      }
      if (this.paused && !this.held && !this.stopped) {
        this.paused = false;
        if (!this.socket.destroyed) this.socket.resume();
      }
    });
  }

  /**
   * Pushes everything received (waiting for the push in flight); resolves when nothing is left. With
   * `stop` (shutdown) nothing more is read from the socket.
   */
  async finish(stop = false): Promise<void> {
    if (stop) {
      this.stopped = true;
      this.pause();
    }
    this.flush();
    while (this.inFlight) {
      await this.inFlight;
      this.flush();
    }
  }

  destroy(): void {
    if (this.timer) clearTimeout(this.timer);
    this.socket.destroy();
  }
}

function clip(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
