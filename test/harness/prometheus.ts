import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, HOST } from './free-port.ts';
import { trackDir, trackPid, untrackDir, untrackPid } from './reaper.ts';
import { sleep, waitFor } from './wait.ts';

/** Debian's Prometheus server (package `prometheus`). */
export const PROMETHEUS_BIN = process.env.PROMETHEUS_BIN ?? '/usr/bin/prometheus';

export interface PrometheusTarget {
  /** The full scrape URL, e.g. `http://127.0.0.1:3000/metrics`. */
  readonly url: string;
  /** Sent as `Authorization: Bearer <token>`. */
  readonly token?: string;
}

export interface StartPrometheusOptions {
  /** Scraped by jobs `vitals-<i>`; ignored when `config` is given. */
  readonly targets?: readonly PrometheusTarget[];
  /** The whole prometheus.yml instead of the one made from `targets` (remote_write, remote_read…). */
  readonly config?: string;
  /** More command-line flags. */
  readonly flags?: readonly string[];
  /** @defaultValue 1 */
  readonly scrapeIntervalSec?: number;
  /** A rules file's text, loaded as `rule_files` (evaluated every scrape interval). */
  readonly rules?: string;
}

/** One element of an instant vector (`/api/v1/query`). */
export interface VectorSample {
  readonly metric: Record<string, string>;
  readonly value: [number, string];
}

/** One series of a range query (`/api/v1/query_range`). */
export interface MatrixSeries {
  readonly metric: Record<string, string>;
  readonly values: [number, string][];
}

export interface TestPrometheus {
  /** Base URL of its HTTP API. */
  readonly url: string;
  query(promql: string): Promise<VectorSample[]>;
  queryRange(promql: string, startSec: number, endSec: number, stepSec: number): Promise<MatrixSeries[]>;
  /** Active targets with their health and last error, from `/api/v1/targets`. */
  targets(): Promise<{ scrapeUrl: string; health: string; lastError: string }[]>;
  /** Writes a new prometheus.yml and has Prometheus load it (SIGHUP); resolves once it did. */
  reload(config: string): Promise<void>;
  close(): Promise<void>;
}

function configYaml(options: StartPrometheusOptions, rulesFile: string | undefined): string {
  const every = `${options.scrapeIntervalSec ?? 1}s`;
  const jobs = (options.targets ?? []).map((t, i) => {
    const url = new URL(t.url);
    return [
      `  - job_name: vitals-${i}`,
      // Vitals labels the monitored Redis servers itself (`instance` = host id): keep those labels.
      '    honor_labels: true',
      `    scheme: ${url.protocol.replace(':', '')}`,
      `    metrics_path: ${JSON.stringify(url.pathname)}`,
      ...(t.token
        ? ['    authorization:', '      type: Bearer', `      credentials: ${JSON.stringify(t.token)}`]
        : []),
      `    static_configs: [{ targets: [${JSON.stringify(url.host)}] }]`,
    ].join('\n');
  });
  return [
    `global: { scrape_interval: ${every}, evaluation_interval: ${every} }`,
    ...(rulesFile ? [`rule_files: [${JSON.stringify(rulesFile)}]`] : []),
    'scrape_configs:',
    ...jobs,
    '',
  ].join('\n');
}

async function api<T>(base: string, path: string, params: Record<string, string>): Promise<T> {
  const res = await fetch(`${base}${path}?${new URLSearchParams(params)}`);
  const body = (await res.json()) as { status: string; data: T; error?: string };
  if (body.status !== 'success') throw new Error(`prometheus ${path}: ${body.error ?? res.status}`);
  return body.data;
}

/** Starts a real Prometheus on a free port with its own temporary directory; `close()` removes both. */
export async function startPrometheus(options: StartPrometheusOptions): Promise<TestPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'vitals-prometheus-'));
  trackDir(dir);
  const rulesFile = options.rules === undefined ? undefined : join(dir, 'rules.yml');
  if (rulesFile) writeFileSync(rulesFile, options.rules ?? '');
  const configFile = join(dir, 'prometheus.yml');
  writeFileSync(configFile, options.config ?? configYaml(options, rulesFile));
  const port = await freePort();
  const url = `http://${HOST}:${port}`;
  let log = '';
  const child: ChildProcess = spawn(
    PROMETHEUS_BIN,
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=${HOST}:${port}`,
      '--log.level=warn',
      ...(options.flags ?? []),
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  if (child.pid) trackPid(child.pid);
  child.stderr?.on('data', (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    if (child.pid) untrackPid(child.pid);
    rmSync(dir, { recursive: true, force: true });
    untrackDir(dir);
  };
  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`prometheus exited: ${log}`);
        return (await fetch(`${url}/-/ready`).catch(() => undefined))?.ok;
      },
      { timeoutMs: 20_000, message: 'prometheus ready' },
    );
  } catch (err: unknown) {
    await close();
    throw err;
  }
  return {
    url,
    query: async (promql) =>
      (await api<{ result: VectorSample[] }>(url, '/api/v1/query', { query: promql })).result,
    queryRange: async (promql, start, end, step) =>
      (
        await api<{ result: MatrixSeries[] }>(url, '/api/v1/query_range', {
          query: promql,
          start: String(start),
          end: String(end),
          step: String(step),
        })
      ).result,
    targets: async () =>
      (
        await api<{ activeTargets: { scrapeUrl: string; health: string; lastError: string }[] }>(
          url,
          '/api/v1/targets',
          {},
        )
      ).activeTargets,
    async reload(config) {
      const reloadedAt = async () => {
        const text = await (await fetch(`${url}/metrics`)).text();
        const line = text
          .split('\n')
          .find((l) => l.startsWith('prometheus_config_last_reload_success_timestamp_seconds '));
        return Number(line?.split(' ')[1] ?? 0);
      };
      const before = await reloadedAt();
      // The timestamp counts whole seconds: reload in a later second than the last load, so it shows.
      await sleep(Math.max(0, (before + 1) * 1000 + 50 - Date.now()));
      writeFileSync(configFile, config);
      child.kill('SIGHUP');
      await waitFor(async () => (await reloadedAt()) > before, {
        timeoutMs: 10_000,
        message: 'prometheus reload',
      });
    },
    close,
  };
}
