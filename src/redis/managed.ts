import { type ChildProcess, spawn } from 'node:child_process';
import { access, constants, mkdir } from 'node:fs/promises';
import { connect } from 'node:net';
import { delimiter, join, resolve } from 'node:path';
import type { Logger } from '../config/index.ts';

export const installHint =
  'install Redis (Debian/Ubuntu: `apt-get install redis-server`) or point REDIS_URL at a running Redis';

/** True when something accepts TCP connections at host:port within `timeoutMs`. */
export function portAnswers(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ host, port });
    const finish = (ok: boolean) => {
      socket.destroy();
      done(ok);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
  });
}

/** Finds `redis-server` on PATH (plus the usual sbin folders, which a non-root PATH may lack). */
export async function findRedisServer(pathEnv = process.env.PATH ?? ''): Promise<string | undefined> {
  const dirs = [...pathEnv.split(delimiter), '/usr/sbin', '/usr/local/sbin', '/usr/bin'];
  for (const dir of dirs.filter(Boolean)) {
    const candidate = join(dir, 'redis-server');
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this folder
    }
  }
  return undefined;
}

export interface ManagedRedisOptions {
  readonly binary: string;
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  readonly logger: Logger;
}

/**
 * A redis-server that Vitals starts and supervises when no Redis is configured and none answers:
 * AOF on (nothing acknowledged is lost to a crash), `noeviction` (BullMQ and the time series must never
 * lose keys silently), files in `<dataDir>/redis`. Restarted with backoff if it dies; stopped on close.
 */
export class ManagedRedis {
  private child: ChildProcess | undefined;
  private stopping = false;
  private restarts = 0;
  readonly dir: string;

  constructor(private readonly options: ManagedRedisOptions) {
    this.dir = resolve(options.dataDir, 'redis');
  }

  async start(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    this.spawnChild();
    await this.waitUntilAnswering(10_000);
  }

  private spawnChild(): void {
    const { binary, host, port, logger } = this.options;
    const args = [
      ...['--port', String(port), '--bind', host, '--dir', this.dir],
      ...['--appendonly', 'yes', '--appendfsync', 'everysec', '--maxmemory-policy', 'noeviction'],
      ...['--daemonize', 'no', '--logfile', 'redis.log', '--protected-mode', 'yes'],
    ];
    const child = spawn(binary, args, { stdio: 'ignore' });
    this.child = child;
    child.once('exit', (code, signal) => {
      if (this.stopping) return;
      this.restarts += 1;
      const delay = Math.min(30_000, 500 * 2 ** Math.min(this.restarts, 6));
      logger.error(
        { code, signal, restartInMs: delay, log: join(this.dir, 'redis.log') },
        'managed redis-server exited',
      );
      setTimeout(() => {
        if (!this.stopping) this.spawnChild();
      }, delay).unref();
    });
  }

  private async waitUntilAnswering(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (await portAnswers(this.options.host, this.options.port, 200)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(
      `managed redis-server did not answer within ${timeoutMs} ms; see ${join(this.dir, 'redis.log')}`,
    );
  }

  /** SIGTERM lets redis-server fsync its AOF before exiting; SIGKILL only past the deadline. */
  async stop(timeoutMs = 10_000): Promise<void> {
    this.stopping = true;
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    await exited;
    clearTimeout(timer);
  }
}
