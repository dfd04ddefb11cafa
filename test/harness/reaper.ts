import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { Socket } from 'node:net';

/**
 * Cleans up servers and directories when the test process ends. An `exit` handler covers normal exits;
 * a watchdog child covers the rest (a vitest worker killed with SIGKILL runs no handlers): it holds the
 * read end of a pipe, sees EOF when this process dies for any reason, and then kills what is left.
 */
const WATCHDOG_SOURCE = `
const fs = require('node:fs');
const live = { pid: new Set(), dir: new Set() };
let buffered = '';
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => {});
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  buffered += chunk;
  const lines = buffered.split('\\n');
  buffered = lines.pop();
  for (const line of lines) {
    const [op, kind, ...rest] = line.split(' ');
    const set = live[kind];
    if (set) op === '+' ? set.add(rest.join(' ')) : set.delete(rest.join(' '));
  }
});
const reap = () => {
  for (const pid of live.pid) { try { process.kill(Number(pid), 'SIGKILL'); } catch {} }
  for (const dir of live.dir) { try { fs.rmSync(dir, { recursive: true, force: true }); } catch {} }
  process.exit(0);
};
process.stdin.on('end', reap);
process.stdin.on('error', reap);
`;

const pids = new Set<number>();
const dirs = new Set<string>();
let watchdog: ChildProcess | undefined;

function tell(line: string): void {
  if (!watchdog) {
    watchdog = spawn(process.execPath, ['-e', WATCHDOG_SOURCE], { stdio: ['pipe', 'ignore', 'ignore'] });
    watchdog.unref();
    // The pipe must not keep this process alive, and a dead watchdog must not crash a test run.
    if (watchdog.stdin instanceof Socket) watchdog.stdin.unref();
    watchdog.stdin?.on('error', () => {});
  }
  watchdog.stdin?.write(`${line}\n`);
}

export function trackPid(pid: number): void {
  pids.add(pid);
  tell(`+ pid ${pid}`);
}

export function untrackPid(pid: number): void {
  pids.delete(pid);
  tell(`- pid ${pid}`);
}

export function trackDir(dir: string): void {
  dirs.add(dir);
  tell(`+ dir ${dir}`);
}

export function untrackDir(dir: string): void {
  dirs.delete(dir);
  tell(`- dir ${dir}`);
}

/** Synchronous on purpose: `exit` handlers cannot await. */
function reapNow(): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
}

process.once('exit', reapNow);
