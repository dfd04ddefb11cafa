// A `vitals server` in its own process, so the reliability scenarios can kill it with SIGKILL: started
// exactly as an operator starts it (`bin/vitals.js server`), listening on a kernel-chosen port.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sleep, waitFor } from '../harness/index.ts';
import { trackPid, untrackPid } from '../harness/reaper.ts';

const root = new URL('../..', import.meta.url).pathname;

export const RELIABILITY_TOKEN = `vt_${'r'.repeat(43)}`;

export interface ServerSettings {
  readonly redisUrl: string;
  readonly prefix: string;
  readonly dataDir: string;
  /** Extra environment (storage settings of the scenario). */
  readonly env?: Readonly<Record<string, string>>;
}

/** The write queue as `/health` reports it (check `ingest:queue`). */
export interface QueueFigures {
  readonly pending: number;
  readonly inFlight: number;
  readonly processed: number;
  readonly retried: number;
  readonly replayedRecords: number;
  readonly breaker: string;
  readonly spoolBytes: number;
}

const LOG_LINES = 2000;

/** One server process; `start()` again after `kill9()` or `stop()` runs a new one on the same data. */
export class VitalsServer {
  private child: ChildProcess | undefined;
  private exited: Promise<unknown> = Promise.resolve();
  private address = '';
  private readonly lines: string[] = [];
  /** Largest resident set seen by `sampleRss()`, in MB. */
  maxRssMb = 0;
  starts = 0;

  constructor(private readonly settings: ServerSettings) {}

  get url(): string {
    return this.address;
  }

  get prefix(): string {
    return this.settings.prefix;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  get pid(): number {
    return this.child?.pid ?? 0;
  }

  /** The last lines the server printed (for a failing test's message). */
  log(): string {
    return this.lines.join('\n');
  }

  /** Starts the process and resolves once it listens (with Redis down too: it starts degraded). */
  async start(): Promise<void> {
    if (this.running) throw new Error('server already running');
    this.address = '';
    const child = spawn(process.execPath, [join(root, 'bin/vitals.js'), 'server'], {
      cwd: root,
      env: {
        ...process.env,
        PORT: '0',
        HOST: '127.0.0.1',
        // info: the `listening` line gives the address; requests are not logged.
        LOG_LEVEL: 'info',
        REDIS_URL: this.settings.redisUrl,
        VITALS_KEY_PREFIX: this.settings.prefix,
        VITALS_DATA_DIR: this.settings.dataDir,
        VITALS_ADMIN_TOKEN: RELIABILITY_TOKEN,
        VITALS_LOCAL_AGENT: 'false',
        VITALS_RATE_LIMIT: '100000000',
        ...this.settings.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.exited = once(child, 'exit').catch(() => undefined);
    if (child.pid) trackPid(child.pid);
    // Chunks end anywhere: a partial last line waits for the rest.
    const partial = { stdout: '', stderr: '' };
    const keep = (stream: 'stdout' | 'stderr') => (chunk: string) => {
      const lines = (partial[stream] + chunk).split('\n');
      partial[stream] = lines.pop() ?? '';
      for (const line of lines) {
        // Maintenance reports every run at info level: noise for a failure's log tail.
        if (!line || line.includes('"msg":"maintenance run"')) continue;
        this.lines.push(line.slice(0, 2000));
        if (this.lines.length > LOG_LINES) this.lines.shift();
        const m = /"address":"([^"]+)"/.exec(line);
        if (m?.[1] && line.includes('vitals server listening')) this.address = m[1];
      }
    };
    child.stdout?.setEncoding('utf8').on('data', keep('stdout'));
    child.stderr?.setEncoding('utf8').on('data', keep('stderr'));
    await waitFor(
      () => {
        if (!this.running) throw new Error(`server exited:\n${this.log()}`);
        return this.address;
      },
      { timeoutMs: 30_000, intervalMs: 25, message: 'vitals server listening' },
    ).catch((err: unknown) => {
      throw new Error(`${err instanceof Error ? err.message : String(err)}\n${this.log()}`);
    });
    this.starts += 1;
  }

  /** SIGKILL: no flush, no spool close, no chance to run anything. */
  async kill9(): Promise<void> {
    if (!this.running) return;
    this.child?.kill('SIGKILL');
    await this.exited;
    if (this.child?.pid) untrackPid(this.child.pid);
  }

  /** SIGTERM and wait for the exit; resolves with the exit code. */
  async stop(timeoutMs = 30_000): Promise<number | null> {
    const child = this.child;
    if (!child || !this.running) return child?.exitCode ?? null;
    child.kill('SIGTERM');
    const done = await Promise.race([this.exited.then(() => true), sleep(timeoutMs).then(() => false)]);
    if (!done) await this.kill9();
    if (child.pid) untrackPid(child.pid);
    return child.exitCode;
  }

  /** The `ingest:queue` check of `/health`. */
  async queue(): Promise<QueueFigures> {
    const res = await fetch(`${this.address}/health`, { signal: AbortSignal.timeout(5000) });
    const body = (await res.json()) as { checks: Record<string, QueueFigures[]> };
    const figures = body.checks['ingest:queue']?.[0];
    if (!figures) throw new Error('no ingest:queue check in /health');
    return figures;
  }

  /** Waits until nothing is pending, in flight or spooled and the breaker is closed. */
  async drained(timeoutMs = 60_000): Promise<QueueFigures> {
    return waitFor(
      async () => {
        const q = await this.queue();
        return q.pending === 0 && q.inFlight === 0 && q.spoolBytes === 0 && q.breaker === 'closed' && q;
      },
      { timeoutMs, intervalMs: 200, message: 'write queue and spool drained' },
    );
  }

  /** Reads the child's resident set size and keeps the largest seen. */
  sampleRss(): number | undefined {
    if (!this.running) return undefined;
    try {
      const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
      const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
      if (!Number.isFinite(kb)) return undefined;
      const mb = kb / 1024;
      this.maxRssMb = Math.max(this.maxRssMb, mb);
      return mb;
    } catch {
      return undefined;
    }
  }
}
