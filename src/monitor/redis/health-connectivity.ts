import { randomUUID } from 'node:crypto';
import {
  type ConnectionWatch,
  isAuthError,
  pingMs,
  type RedisClient,
  watchConnection,
} from '../../redis/index.ts';
import type { PointSample } from '../../tsdb/index.ts';
import { bounded } from './health-figures.ts';
import { type Judged, messageOf, round2 } from './health-types.ts';

/**
 * Connectivity of Vitals' own Redis: PING, then a write / read / delete round trip of a probe key under
 * the key prefix (it expires by itself should the DEL never arrive), each bounded by `timeoutMs`.
 * Anything failing or slower is `fail`; a refusal of the credentials is said so, and is not marked
 * `unreachable` since waiting does not fix it.
 */
export class ConnectivityProbe {
  private readonly watch: ConnectionWatch;
  private readonly key: string;

  constructor(
    private readonly client: RedisClient,
    keyPrefix: string,
    private readonly timeoutMs: number,
  ) {
    this.watch = watchConnection(client);
    // Not a Keys builder entry: a throw-away key of this process, living at most 10 s.
    this.key = `${keyPrefix}health:probe:${randomUUID()}`;
  }

  async judge(): Promise<Judged> {
    const thresholds = { warn: null, fail: this.timeoutMs };
    try {
      const ping = await pingMs(this.client, this.timeoutMs);
      const roundTrip = await this.roundTrip();
      return {
        status: 'pass',
        observedValue: round2(ping * 1000) / 1000,
        observedUnit: 'ms',
        thresholds,
        roundTripMs: round2(roundTrip),
        output: `PING ${round2(ping)} ms; write, read and delete of a probe key ${round2(roundTrip)} ms`,
      };
    } catch (err: unknown) {
      return this.failure(err, thresholds);
    }
  }

  private async roundTrip(): Promise<number> {
    const start = performance.now();
    const token = randomUUID();
    await bounded(this.client.set(this.key, token, 'PX', 10_000), this.timeoutMs, 'SET');
    const read = await bounded(this.client.get(this.key), this.timeoutMs, 'GET');
    await bounded(this.client.del(this.key), this.timeoutMs, 'DEL');
    if (read !== token) throw new Error('the probe key read back a different value');
    return performance.now() - start;
  }

  private failure(err: unknown, thresholds: Judged['thresholds']): Judged {
    const refusal = [err, this.watch.lastError()].find(isAuthError);
    if (refusal !== undefined) {
      return {
        status: 'fail',
        thresholds,
        output: `Redis refused the credentials (${messageOf(refusal)}); check REDIS_URL, REDIS_USERNAME and REDIS_PASSWORD`,
      };
    }
    const hint = this.watch.tlsHint();
    const why = hint === undefined ? messageOf(err) : `TLS: ${messageOf(this.watch.lastError())}; ${hint}`;
    return { status: 'fail', thresholds, unreachable: true, output: `Redis unreachable (${why})` };
  }
}

/**
 * Connectivity of a monitored Redis host from its collection: the newest `redis.up` sample (or, from
 * collectors that do not write it, the newest `redis.*` sample) must say it answered, within three
 * `metricsInterval`s.
 */
export function storedConnectivity(
  latest: ReadonlyMap<string, PointSample>,
  intervalSec: number,
  now: number,
): Judged {
  const limit = 3 * intervalSec;
  const thresholds = { warn: null, fail: limit };
  const up = latest.get('redis.up');
  let at = up?.timestamp;
  if (!up) for (const [key, s] of latest) if (key.startsWith('redis.')) at = Math.max(at ?? 0, s.timestamp);
  if (at === undefined) return { status: 'fail', thresholds, output: 'never collected yet' };
  const age = Math.max(0, Math.round((now - at) / 1000));
  const base = {
    observedValue: age,
    observedUnit: 's',
    thresholds,
    lastCollected: new Date(at).toISOString(),
  };
  if (up && up.value !== 1)
    return { ...base, status: 'fail', output: `the last collection, ${age} s ago, could not reach it` };
  if (age > limit)
    return {
      ...base,
      status: 'fail',
      output: `no collection for ${age} s (more than 3 × metricsInterval ${intervalSec} s)`,
    };
  return { ...base, status: 'pass', output: `answered the collection ${age} s ago` };
}
