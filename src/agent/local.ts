import { hostname } from 'node:os';
import type { IngestRequest, Snapshot } from '../contract/wire.ts';
import type { Collector } from './collector.ts';
import { defaultCollectors } from './collectors/index.ts';
import { type AgentLogger, silentLogger } from './logger.ts';
import { Sampler } from './sampler.ts';
import { defaultHostId } from './settings.ts';
import { Ticker } from './ticker.ts';

export interface LocalAgentOptions {
  /**
   * Hands a batch to the server's ingest in-process. Resolving means stored; a rejection means "not
   * stored, offer it again next interval", unless `isPermanent` says no retry can help.
   */
  readonly send: (request: IngestRequest) => Promise<void>;
  /**
   * Whether a rejection of `send` is final (a 4xx-like refusal): the batch is then logged and dropped
   * instead of blocking the backlog. @defaultValue errors with `retryable === false`
   */
  readonly isPermanent?: (err: unknown) => boolean;
  /** @defaultValue 5000 */
  readonly intervalMs?: number;
  /** @defaultValue the hostname made into a valid id (as `vitals agent`) */
  readonly hostId?: string;
  /** @defaultValue the hostname */
  readonly name?: string;
  readonly labels?: Readonly<Record<string, string>>;
  /** @defaultValue a logger that drops everything */
  readonly logger?: AgentLogger;
  /** Snapshots kept in memory while `send` fails; past it the oldest go (logged). @defaultValue 720 (1 h at 5 s) */
  readonly maxBacklog?: number;
  /** @defaultValue this machine's collectors */
  readonly collectors?: readonly Collector[];
}

export interface LocalAgent {
  readonly hostId: string;
  /** Snapshots waiting for `send` to succeed. */
  readonly backlog: number;
  /** Stops collecting and waits for a send in progress. Safe twice. */
  stop(): Promise<void>;
}

function notRetryable(err: unknown): boolean {
  return typeof err === 'object' && err !== null && 'retryable' in err && err.retryable === false;
}

/** Most snapshots handed to `send` at once when catching up. */
const BATCH = 60;

/**
 * The server's built-in agent: the same collectors and schedule as `vitals agent`, handing each snapshot
 * to `send` in-process instead of over HTTP. No disk spool: the server's ingest has its own, and a
 * snapshot that `send` refused is kept in a bounded memory backlog and offered again, in order, next
 * interval. The first snapshot arrives within about `intervalMs` + 1 s of the start.
 */
export function startLocalAgent(options: LocalAgentOptions): LocalAgent {
  const logger = options.logger ?? silentLogger;
  const hostId = options.hostId ?? defaultHostId();
  const maxBacklog = options.maxBacklog ?? 720;
  const isPermanent = options.isPermanent ?? notRetryable;
  const sampler = new Sampler(options.collectors ?? defaultCollectors(), logger);
  const backlog: Snapshot[] = [];
  let failing = false;
  const host = {
    host: hostId,
    name: options.name ?? hostname(),
    ...(options.labels && Object.keys(options.labels).length > 0 ? { labels: { ...options.labels } } : {}),
  };

  const flush = async () => {
    while (backlog.length > 0) {
      const snapshots = backlog.slice(0, BATCH);
      try {
        await options.send({ hosts: [{ ...host, snapshots }] });
      } catch (err: unknown) {
        if (isPermanent(err)) {
          logger.error(
            { err, snapshots: snapshots.length },
            'local agent: ingest refused a batch; dropping it',
          );
          backlog.splice(0, snapshots.length);
          continue;
        }
        if (!failing)
          logger.warn(
            { err, backlog: backlog.length },
            'local agent: ingest failed; keeping the snapshots in memory',
          );
        failing = true;
        return;
      }
      backlog.splice(0, snapshots.length);
      if (failing) logger.info({ backlog: backlog.length }, 'local agent: ingest works again');
      failing = false;
    }
  };

  const ticker = new Ticker({
    intervalMs: options.intervalMs ?? 5000,
    tick: async (timestamp) => {
      backlog.push(await sampler.sample(timestamp));
      const over = backlog.length - maxBacklog;
      if (over > 0) {
        backlog.splice(0, over);
        logger.warn({ dropped: over, maxBacklog }, 'local agent: backlog full; dropped the oldest snapshots');
      }
      await flush();
    },
  });
  const started = sampler.sample(0).then(() => ticker.start());
  let stopping: Promise<void> | undefined;
  return {
    hostId,
    get backlog() {
      return backlog.length;
    },
    stop() {
      stopping ??= started.then(() => ticker.stop());
      return stopping;
    },
  };
}
