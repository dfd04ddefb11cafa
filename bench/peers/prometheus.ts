import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, HOST } from '../../test/harness/free-port.ts';
import { PROMETHEUS_BIN } from '../../test/harness/prometheus.ts';
import { answers, dirBytes, run, startPeer } from './proc.ts';
import type { QueriedSeries, Queryable } from './system.ts';
import { promPoints, promVectorPoints } from './victoria.ts';

/** Debian's `promtool` (package `prometheus`, 2.42). */
export const PROMTOOL_BIN = process.env.PROMTOOL_BIN ?? '/usr/bin/promtool';

/**
 * Block length of a backfill: Prometheus compacts its blocks up to a tenth of the retention, so 30 days
 * of data kept 30 days end up in 54 h blocks (the compaction ranges are 2 h × 3ⁿ). Shorter data sets
 * fit in one 2 h or 18 h block either way.
 */
export const BACKFILL_BLOCK_HOURS = 54;

/** `promtool tsdb create-blocks-from openmetrics`: TSDB blocks from an OpenMetrics file into `outDir`. */
export async function backfill(openMetricsFile: string, outDir: string, blockHours: number): Promise<void> {
  await run(PROMTOOL_BIN, [
    'tsdb',
    'create-blocks-from',
    'openmetrics',
    `--max-block-duration=${blockHours}h`,
    openMetricsFile,
    outDir,
  ]);
}

/** Bytes of the TSDB blocks in a directory (chunks, index, meta, tombstones). */
export function blockBytes(dir: string): number {
  return dirBytes(dir);
}

export interface PrometheusQueries extends Queryable {
  close(): Promise<void>;
}

/** A Prometheus server over existing blocks (no scraping), kept long enough not to drop them. */
export async function servePrometheus(blocksDir: string, workDir: string): Promise<PrometheusQueries> {
  const port = await freePort();
  const url = `http://${HOST}:${port}`;
  writeFileSync(join(workDir, 'prometheus.yml'), 'global: { scrape_interval: 1m }\nscrape_configs: []\n');
  const proc = await startPeer(
    PROMETHEUS_BIN,
    [
      `--config.file=${join(workDir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${blocksDir}`,
      '--storage.tsdb.retention.time=3650d',
      `--web.listen-address=${HOST}:${port}`,
      '--log.level=warn',
    ],
    workDir,
    () => answers(`${url}/-/ready`),
  );
  const selector = (s: QueriedSeries) => s.metric;
  return {
    // A range selector at one instant answers the raw samples, as `/api/v1/export` does elsewhere.
    raw: (s, from, to) => ({
      url: `${url}/api/v1/query?${new URLSearchParams({
        query: `${selector(s)}[${to - from + 1}ms]`,
        time: String(to / 1000),
      })}`,
      points: promPoints,
    }),
    perMinute: (s, from, to) => ({
      url: `${url}/api/v1/query_range?${new URLSearchParams({
        query: `avg_over_time(${selector(s)}[1m])`,
        start: String(from / 1000),
        end: String(to / 1000),
        step: '60',
      })}`,
      points: promPoints,
    }),
    newest: (s, at) => ({
      url: `${url}/api/v1/query?${new URLSearchParams({ query: selector(s), time: String(at / 1000) })}`,
      points: promVectorPoints,
    }),
    pids: [proc.pid],
    close: () => proc.close(),
  };
}
