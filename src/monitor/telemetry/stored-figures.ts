import { hotLatestMany, latestMany, orHot, type TsdbContext } from '../../tsdb/index.ts';
import type { NewestValues } from './redis-exporter.ts';

export interface StoredFiguresOptions {
  readonly org: string;
  /** Hosts whose `redis.*` series are exposed: Vitals' own Redis and the monitored ones. */
  readonly hosts: () => Promise<readonly string[]>;
  /** Longest wait for Redis before answering from the hot tier. @defaultValue 1500 */
  readonly timeoutMs?: number;
}

function numbers(
  byHost: ReadonlyMap<string, ReadonlyMap<string, { value: number }>>,
): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>();
  for (const [host, series] of byHost) {
    const values = new Map<string, number>();
    for (const [key, sample] of series) if (key.startsWith('redis.')) values.set(key, sample.value);
    out.set(host, values);
  }
  return out;
}

function within<T>(work: Promise<T>, ms: number, fallback: () => T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(fallback()), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/**
 * The newest stored `redis.*` value of every series of those hosts: from Redis (tsdb latest), so every
 * process exposes the same figures, or from this process' hot tier while Redis is away or slow.
 */
export function storedRedisFigures(
  ctx: TsdbContext,
  options: StoredFiguresOptions,
): () => Promise<NewestValues> {
  let known: readonly string[] = [];
  return async () => {
    const hosts = await within(
      options.hosts().catch(() => known),
      options.timeoutMs ?? 1500,
      () => known,
    );
    known = hosts;
    const hot = () => hotLatestMany(ctx, options.org, hosts);
    const answer = await within(
      orHot(ctx, () => latestMany(ctx, options.org, hosts), hot).catch(() => ({ value: hot() })),
      options.timeoutMs ?? 1500,
      () => ({ value: hot() }),
    );
    return numbers(answer.value);
  };
}
