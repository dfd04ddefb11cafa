// A copy of this checkout in a temporary directory, laid out as an installation (/opt/vitals) has it:
// package.json, tsconfig, src/, scripts/ and bin/ copied, node_modules linked. The compiled-server tests
// and the start-up bench build and run there: never in the repository's dist/ (which other work may be
// running), and on a snapshot of src/ that edits made meanwhile cannot make stale.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, HOST, sleep } from '../harness/index.ts';
import { trackDir, trackPid, untrackDir, untrackPid } from '../harness/reaper.ts';

const repo = new URL('../..', import.meta.url).pathname;
const COPIED = ['package.json', 'tsconfig.json', 'tsconfig.build.json', 'src', 'scripts', 'bin'];

export interface CheckoutCopy {
  readonly root: string;
  /** `npm run build` in the copy; rejects with the build's output when it fails. */
  build(): Promise<void>;
  close(): void;
}

/**
 * @param options.withoutTsx leave tsx out of node_modules, so only the compiled path can run (a process
 * that takes the tsx path fails to import it). @defaultValue false
 */
export function copyCheckout(options: { withoutTsx?: boolean } = {}): CheckoutCopy {
  const root = mkdtempSync(join(tmpdir(), 'vitals-checkout-'));
  trackDir(root);
  for (const entry of COPIED) cpSync(join(repo, entry), join(root, entry), { recursive: true });
  const modules = join(repo, 'node_modules');
  if (options.withoutTsx) {
    mkdirSync(join(root, 'node_modules'));
    for (const name of readdirSync(modules))
      if (name !== 'tsx') symlinkSync(join(modules, name), join(root, 'node_modules', name));
  } else {
    symlinkSync(modules, join(root, 'node_modules'));
  }
  return {
    root,
    async build() {
      const run = promisify(execFile)(process.execPath, [join(root, 'scripts/build.js')], { cwd: root });
      await run.catch((err: { stdout?: string; stderr?: string }) => {
        throw new Error(`build failed:\n${err.stdout ?? ''}${err.stderr ?? ''}`);
      });
    },
    close() {
      rmSync(root, { recursive: true, force: true });
      untrackDir(root);
    },
  };
}

export interface ServerProcess {
  readonly child: ChildProcess;
  readonly url: string;
  /** ms from spawning the process to the first 200 from /readyz. */
  readonly readyMs: number;
  /** What the process printed (for a failure's message). */
  log(): string;
  /** SIGTERM, then SIGKILL past `timeoutMs`; resolves with the exit code. */
  stop(timeoutMs?: number): Promise<number | null>;
}

async function ready(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/readyz`);
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

/**
 * Runs `node <args> server` on a free port and resolves once /readyz answers 200 (polled every 10 ms,
 * so `readyMs` is at most that late).
 */
export async function startServerProcess(
  args: readonly string[],
  env: Record<string, string>,
  timeoutMs = 60_000,
): Promise<ServerProcess> {
  const port = await freePort();
  const url = `http://${HOST}:${port}`;
  const started = performance.now();
  const child = spawn(process.execPath, [...args, 'server'], {
    cwd: tmpdir(),
    env: { ...process.env, PORT: String(port), HOST, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid) trackPid(child.pid);
  const exited = once(child, 'exit');
  let output = '';
  const keep = (chunk: string) => {
    output = (output + chunk).slice(-20_000);
  };
  child.stdout?.setEncoding('utf8').on('data', keep);
  child.stderr?.setEncoding('utf8').on('data', keep);
  const stop = async (ms = 30_000) => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const deadline = setTimeout(() => child.kill('SIGKILL'), ms);
      await exited;
      clearTimeout(deadline);
    }
    if (child.pid) untrackPid(child.pid);
    return child.exitCode;
  };
  for (;;) {
    const problem =
      child.exitCode !== null || child.signalCode !== null
        ? `exited (${child.exitCode ?? child.signalCode}) before /readyz answered 200`
        : performance.now() - started > timeoutMs
          ? `/readyz did not answer 200 within ${timeoutMs} ms`
          : undefined;
    if (problem) {
      await stop(5000);
      throw new Error(`node ${args.join(' ')} server ${problem}:\n${output}`);
    }
    if (await ready(url)) break;
    await sleep(10);
  }
  return { child, url, readyMs: performance.now() - started, log: () => output, stop };
}
