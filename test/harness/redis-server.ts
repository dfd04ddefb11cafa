import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConnectionOptions } from 'node:tls';
import { Redis, type RedisOptions } from 'ioredis';
import { freePort, HOST } from './free-port.ts';
import { isReady } from './probe.ts';
import { trackDir, trackPid, untrackDir, untrackPid } from './reaper.ts';
import { configPath, redisArgs, type StartRedisOptions } from './redis-args.ts';
import { sleep, waitFor } from './wait.ts';

export type { StartRedisOptions };
export const REDIS_SERVER_BIN = '/usr/bin/redis-server';
const PORT_ATTEMPTS = 5;
const STOP_TIMEOUT_MS = 10_000;

/** A private redis-server process with its own port and directory. */
export class RedisServer {
  readonly host = HOST;
  port = 0;
  readonly dir: string;
  readonly logFile: string;
  private child: ChildProcess | undefined;
  private alive = false;
  private paused = false;
  private exited: Promise<unknown> = Promise.resolve();
  private output = '';
  private readonly clients = new Set<Redis>();
  private closing: Promise<void> | undefined;

  constructor(private readonly options: StartRedisOptions) {
    this.dir = mkdtempSync(join(tmpdir(), 'vitals-redis-'));
    this.logFile = join(this.dir, 'redis.log');
    trackDir(this.dir);
    if (options.config !== undefined) writeFileSync(configPath(this.dir), options.config);
  }

  /** `rediss://` for a TLS-only server. */
  get url(): string {
    return `${this.options.tls ? 'rediss' : 'redis'}://${this.host}:${this.port}`;
  }

  /** What the harness' own connections to a TLS-only server use: its CA, and the client pair if given. */
  get tlsOptions(): ConnectionOptions | undefined {
    const tls = this.options.tls;
    if (!tls) return undefined;
    const read = (file: string | undefined) => (file === undefined ? undefined : readFileSync(file, 'utf8'));
    return { ca: read(tls.caFile), cert: read(tls.clientCertFile), key: read(tls.clientKeyFile) };
  }

  get pid(): number {
    return this.child?.pid ?? 0;
  }

  get running(): boolean {
    return this.alive;
  }

  /** True between `freeze()` and `thaw()`: the process exists but answers nothing. */
  get frozen(): boolean {
    return this.alive && this.paused;
  }

  /** First start: retries on a fresh port when another process took the chosen one first. */
  async start(): Promise<void> {
    const pickPort = this.options.pickPort ?? freePort;
    for (let attempt = 1; ; attempt++) {
      this.port = await pickPort();
      rmSync(this.logFile, { force: true }); // so the log checked below is this attempt's alone
      try {
        return await this.launch();
      } catch (err: unknown) {
        if (attempt >= PORT_ATTEMPTS || !this.log().includes('Address already in use')) throw err;
      }
    }
  }

  /** Starts again on the same port and directory, so AOF data survives; resolves once loaded. */
  async restart(): Promise<void> {
    await this.stop();
    await this.launch();
  }

  /** Graceful stop: SIGTERM (AOF is fsynced, nothing is saved since `save ""`), SIGKILL past a deadline. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.thaw();
    this.signal('SIGTERM');
    const stopped = await Promise.race([this.exited.then(() => true), sleep(STOP_TIMEOUT_MS)]);
    if (!stopped) await this.kill();
  }

  /** Crash: SIGKILL, no chance to fsync. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.signal('SIGKILL');
    await this.exited;
  }

  /** A silent peer: the kernel still accepts connections and buffers bytes, but nothing answers. */
  freeze(): void {
    this.signal('SIGSTOP');
    this.paused = this.alive;
  }

  thaw(): void {
    this.signal('SIGCONT');
    this.paused = false;
  }

  /**
   * An ioredis client for this server (with its `password`, if any), disconnected by `close()`. Errors
   * are swallowed unless you listen.
   */
  client(options: RedisOptions = {}): Redis {
    const client = new Redis({
      host: this.host,
      port: this.port,
      password: this.options.password,
      tls: this.tlsOptions,
      ...options,
    });
    client.on('error', () => {});
    this.clients.add(client);
    return client;
  }

  /** Disconnects clients, stops the server and removes its directory. Safe to call twice. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  /** Server log plus anything printed before the log file was opened (config errors). */
  log(): string {
    let file = '';
    try {
      file = readFileSync(this.logFile, 'utf8');
    } catch {
      // not created yet
    }
    return `${this.output}${file}`;
  }

  private async shutdown(): Promise<void> {
    for (const client of this.clients) client.disconnect();
    // SIGKILL: the directory is deleted anyway, and a graceful stop can wait up to `shutdown-timeout`
    // (10 s) for replicas that are being closed at the same moment.
    await this.kill();
    // A fork of the killed server (an AOF rewrite or a save) may still be writing into the directory
    // for a moment: removal is retried while it finishes.
    rmSync(this.dir, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 });
    untrackDir(this.dir);
  }

  private onExit(child: ChildProcess): void {
    if (child !== this.child) return;
    this.alive = false;
    this.paused = false;
    if (child.pid) untrackPid(child.pid);
  }

  private signal(signal: NodeJS.Signals): void {
    if (this.running) this.child?.kill(signal);
  }

  private async launch(): Promise<void> {
    this.output = '';
    const child = spawn(REDIS_SERVER_BIN, this.argv(), { stdio: ['ignore', 'pipe', 'pipe'] });
    const capture = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-4000);
    };
    child.stdout?.on('data', capture);
    child.stderr?.on('data', capture);
    this.child = child;
    // once() rejects on 'error' (e.g. ENOENT); either way the process is gone.
    this.exited = once(child, 'exit')
      .catch(() => undefined)
      .finally(() => this.onExit(child));
    const spawned = await Promise.race([
      once(child, 'spawn').then(() => true),
      this.exited.then(() => false),
    ]);
    if (!spawned || !child.pid) throw this.startError('could not spawn');
    this.alive = true;
    trackPid(child.pid);
    await this.waitReady();
  }

  private async waitReady(): Promise<void> {
    const timeoutMs = this.options.readyTimeoutMs ?? 15_000;
    const message = `redis-server on port ${this.port} to be ready`;
    // A process that exits (bad config, port taken) ends the wait at once instead of at the deadline.
    const tls = this.tlsOptions;
    const poll = async () =>
      this.running ? (await isReady(this.port, this.options.password, tls)) && 'ready' : 'exited';
    try {
      if ((await waitFor(poll, { timeoutMs, intervalMs: 25, message })) === 'exited') {
        throw new Error('the process exited');
      }
    } catch (err: unknown) {
      await this.kill();
      throw this.startError(err instanceof Error ? err.message : String(err));
    }
  }

  private startError(reason: string): Error {
    const tail = this.log().trim().split('\n').slice(-15).join('\n');
    return new Error(`redis-server on port ${this.port} did not start: ${reason}\n--- log tail ---\n${tail}`);
  }

  private argv(): string[] {
    return redisArgs(this.options, { port: this.port, dir: this.dir, logFile: this.logFile });
  }
}

/** Starts a private redis-server (see {@link StartRedisOptions}) and resolves once it answers PING. */
export async function startRedis(options: StartRedisOptions = {}): Promise<RedisServer> {
  const server = new RedisServer(options);
  try {
    await server.start();
  } catch (err: unknown) {
    await server.close();
    throw err;
  }
  return server;
}
