import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { HOST } from '../../test/harness/free-port.ts';
import { waitFor } from '../../test/harness/wait.ts';
import { answers, dirBytes, onFreePorts, startPeer, tempDir } from './proc.ts';
import { type LineProtocolSystem, post, type QueriedSeries, type QuerySpec } from './system.ts';

/** Debian's `victoria-metrics` (single-node VictoriaMetrics 1.79). */
export const VICTORIA_BIN = process.env.VICTORIA_BIN ?? '/usr/bin/victoria-metrics';

/** Line protocol `m … value=` is stored as `m_value{…}`. */
const selector = (s: QueriedSeries): string => `${s.metric}_value{host="${s.host}"}`;

/**
 * VictoriaMetrics on a free loopback port with its own data directory; retention long enough for the
 * 30-day data set, response cache off (every figure is a query answered from storage). Stored bytes
 * are the data directory after `/internal/force_flush` and a forced merge of every partition.
 */
export async function startVictoria(extraArgs: readonly string[] = []): Promise<LineProtocolSystem> {
  const { url, data, proc } = await onFreePorts(1, async ([port]) => {
    const dir = tempDir('victoria');
    const url = `http://${HOST}:${port}`;
    const data = join(dir, 'data');
    const proc = await startPeer(
      VICTORIA_BIN,
      [
        `-storageDataPath=${data}`,
        `-httpListenAddr=${HOST}:${port}`,
        '-retentionPeriod=100y',
        '-search.disableCache',
        '-loggerLevel=ERROR',
        ...extraArgs,
      ],
      dir,
      () => answers(`${url}/health`),
    );
    return { url, data, proc };
  });
  const get = (path: string, params: Record<string, string>, points: (b: string) => number): QuerySpec => ({
    url: `${url}${path}?${new URLSearchParams(params)}`,
    points,
  });
  const writeUrl = `${url}/write?precision=ms`;
  const headers = {};
  return {
    name: 'victoria',
    url,
    writeUrl,
    headers,
    write: (_rows, lines) => post({ name: 'victoria', writeUrl, headers }, lines),
    pids: [proc.pid],
    async settle() {
      // One part per partition once every merge is done: the size measured is then the size it keeps.
      // A part flushed after a merge began (seen once: 1.5 B/sample measured against 0.55 in the runs
      // either side) leaves more parts than partitions, so flush and merge again until it is so.
      for (let round = 1; ; round++) {
        await call(`${url}/internal/force_flush`);
        const partitions = readdirSync(join(data, 'data', 'small')).filter((p) => /^\d{4}_\d{2}$/.test(p));
        for (const partition of partitions)
          await call(`${url}/internal/force_merge?partition_prefix=${partition}`);
        // The merge runs in the background: done once no merge is active and the size stays put.
        let last = -1;
        let parts = Number.POSITIVE_INFINITY;
        await waitFor(
          async () => {
            const metrics = await (await fetch(`${url}/metrics`)).text();
            const active = [...metrics.matchAll(/^vm_active_merges\{[^}]*\} (\d+)/gm)].some(
              (m) => m[1] !== '0',
            );
            parts = [...metrics.matchAll(/^vm_parts\{type="storage\/(?:small|big)"\} (\d+)/gm)].reduce(
              (n, m) => n + Number(m[1]),
              0,
            );
            const size = dirBytes(data);
            const still = !active && size === last;
            last = size;
            return still;
          },
          { timeoutMs: 30 * 60_000, intervalMs: 2000, message: 'victoria-metrics merges' },
        );
        // Where the bytes are, printed with every settle: an outlier of the stored size (seen twice) is
        // then explained by the run's own log.
        const at = (path: string) => {
          try {
            return dirBytes(join(data, path));
          } catch {
            return 0;
          }
        };
        process.stdout.write(
          `peers: victoria-metrics settled (round ${round}): ${parts} parts in ${partitions.length} partitions; ` +
            `data/small ${at('data/small')} B, data/big ${at('data/big')} B, indexdb ${at('indexdb')} B, ` +
            `all but cache ${dirBytes(data, (name) => name === 'cache')} B\n`,
        );
        if (parts <= partitions.length) return;
        if (round === 5)
          throw new Error(
            `victoria-metrics kept ${parts} parts for ${partitions.length} partitions after 5 merges`,
          );
      }
    },
    storedBytes: async () => dirBytes(data, (name) => name === 'cache'),
    raw: (s, from, to) =>
      get(
        '/api/v1/export',
        { 'match[]': selector(s), start: String(from / 1000), end: String(to / 1000) },
        (body) => (JSON.parse(body) as { values: number[] }).values.length,
      ),
    perMinute: (s, from, to) =>
      get(
        '/api/v1/query_range',
        {
          query: `avg_over_time(${selector(s)}[1m])`,
          start: String(from / 1000),
          end: String(to / 1000),
          step: '60',
        },
        promPoints,
      ),
    newest: (s, at) =>
      get('/api/v1/query', { query: selector(s), time: String(at / 1000) }, promVectorPoints),
    close: () => proc.close(),
  };
}

async function call(url: string): Promise<void> {
  const res = await fetch(url);
  const text = await res.text();
  if (!res.ok) throw new Error(`${url}: ${res.status} ${text.slice(0, 300)}`);
}

/** Points of a Prometheus-API instant vector answer (VictoriaMetrics and Prometheus). */
export function promVectorPoints(body: string): number {
  return (JSON.parse(body) as { data: { result: unknown[] } }).data.result.length;
}

/** Points of a Prometheus-API matrix answer (VictoriaMetrics and Prometheus). */
export function promPoints(body: string): number {
  const parsed = JSON.parse(body) as { data: { result: { values: unknown[] }[] } };
  return parsed.data.result.reduce((n, r) => n + r.values.length, 0);
}
