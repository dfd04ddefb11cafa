import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../test/harness/free-port.ts';
import { trackDir, trackPid, untrackDir, untrackPid } from '../../test/harness/reaper.ts';
import { waitFor } from '../../test/harness/wait.ts';

/** Clock ticks per second of `/proc/<pid>/stat` (USER_HZ, 100 on every Linux Node runs on). */
const CLOCK_TICKS = 100;

/** CPU seconds (user + system, all threads) a process has used so far, from `/proc/<pid>/stat`. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) are space-separated; utime, stime are 14, 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/**
 * Bytes a directory tree holds: per file the smaller of its length and its allocated blocks, so sparse
 * preallocated files (InfluxDB's series file) count what they hold and small files not a whole block.
 */
export function dirBytes(dir: string, skip: (name: string) => boolean = () => false): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (skip(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += dirBytes(path, skip);
    else if (entry.isFile()) {
      const st = statSync(path);
      total += Math.min(st.size, st.blocks * 512);
    }
  }
  return total;
}

export interface PeerProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly dir: string;
  /** The last few KB of its output, for error messages. */
  log(): string;
  /** SIGTERM, SIGKILL after 10 s; removes its directory. Safe to call twice. */
  close(): Promise<void>;
}

/** A temporary directory removed when the process exits, however it exits. */
export function tempDir(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `vitals-peer-${name}-`));
  trackDir(dir);
  return dir;
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  untrackDir(dir);
}

/** Starts `bin` and waits until `ready()` resolves truthy; the process is killed if this process dies. */
export async function startPeer(
  bin: string,
  args: readonly string[],
  dir: string,
  ready: () => Promise<unknown>,
): Promise<PeerProcess> {
  let log = '';
  const child = spawn(bin, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const keep = (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-8000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const pid = child.pid ?? 0;
  if (pid) trackPid(pid);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    if (pid) untrackPid(pid);
    removeDir(dir);
  };
  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`${bin} exited with ${child.exitCode}: ${log}`);
        return ready();
      },
      { timeoutMs: 30_000, intervalMs: 100, message: `${bin} ready` },
    );
  } catch (err: unknown) {
    await close();
    throw err;
  }
  return { child, pid, dir, log: () => log, close };
}

/**
 * `start` on `count` distinct ports that were free a moment ago, again on fresh ones (at most 3 tries)
 * when the peer found one taken before it bound it: an outgoing connection of the load can take a
 * port between `freePort` and the peer's bind (a peer run of 2026-12-07 lost InfluxDB's start so).
 */
export async function onFreePorts<T>(count: number, start: (ports: number[]) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const ports: number[] = [];
    while (ports.length < count) {
      const port = await freePort();
      if (!ports.includes(port)) ports.push(port);
    }
    try {
      return await start(ports);
    } catch (err: unknown) {
      if (attempt >= 3 || !/address already in use/i.test(String(err))) throw err;
      process.stdout.write(`peers: a port was taken before the peer bound it; starting it again\n`);
    }
  }
}

/** True once `url` answers 2xx. */
export async function answers(url: string): Promise<boolean> {
  const res = await fetch(url).catch(() => undefined);
  await res?.body?.cancel();
  return res?.ok === true;
}

/** Runs a command to completion; throws with its output when it fails. */
export async function run(bin: string, args: readonly string[]): Promise<string> {
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => {
    out += c.toString();
  });
  child.stderr.on('data', (c: Buffer) => {
    out = (out + c.toString()).slice(-20_000);
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`${bin} ${args.join(' ')} exited with ${code}: ${out.slice(-4000)}`);
  return out;
}
