import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, HOST } from './free-port.ts';
import { trackDir, trackPid, untrackDir, untrackPid } from './reaper.ts';
import { waitFor } from './wait.ts';

/** Debian's Alertmanager (package `prometheus-alertmanager`). */
export const ALERTMANAGER_BIN = process.env.ALERTMANAGER_BIN ?? '/usr/bin/prometheus-alertmanager';

/** One alert as `GET /api/v2/alerts` returns it. */
export interface AmAlert {
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly startsAt: string;
  readonly endsAt: string;
  readonly generatorURL?: string;
  readonly fingerprint: string;
  readonly status: { readonly state: string };
}

/** One group of `GET /api/v2/alerts/groups`. */
export interface AmGroup {
  readonly labels: Record<string, string>;
  readonly alerts: readonly AmAlert[];
}

export interface TestAlertmanager {
  /** Base URL (a Vitals `alertmanager` channel's `url`). */
  readonly url: string;
  /** Active alerts (resolved ones are not listed). */
  alerts(): Promise<AmAlert[]>;
  groups(): Promise<AmGroup[]>;
  close(): Promise<void>;
}

/** Groups by alertname with 1 s waits, into a receiver that sends nowhere. */
const CONFIG = `route:
  receiver: sink
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: sink
`;

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`alertmanager ${url}: ${res.status}`);
  return (await res.json()) as T;
}

/** Starts a real Alertmanager on a free port, clustering off, with its own temporary directory. */
export async function startAlertmanager(): Promise<TestAlertmanager> {
  const dir = mkdtempSync(join(tmpdir(), 'vitals-alertmanager-'));
  trackDir(dir);
  writeFileSync(join(dir, 'alertmanager.yml'), CONFIG);
  const port = await freePort();
  const url = `http://${HOST}:${port}`;
  let log = '';
  const child: ChildProcess = spawn(
    ALERTMANAGER_BIN,
    [
      `--config.file=${join(dir, 'alertmanager.yml')}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=${HOST}:${port}`,
      '--cluster.listen-address=',
      '--log.level=warn',
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
        if (child.exitCode !== null) throw new Error(`alertmanager exited: ${log}`);
        return (await fetch(`${url}/-/ready`).catch(() => undefined))?.ok;
      },
      { timeoutMs: 20_000, message: 'alertmanager ready' },
    );
  } catch (err: unknown) {
    await close();
    throw err;
  }
  return {
    url,
    alerts: () => getJson<AmAlert[]>(`${url}/api/v2/alerts`),
    groups: () => getJson<AmGroup[]>(`${url}/api/v2/alerts/groups`),
    close,
  };
}
