/**
 * The promise the spool exists for: a record whose append resolved is replayed even if the process is
 * killed with SIGKILL right after. A child process appends from many concurrent callers and prints
 * each acknowledged index; the test kills it mid-stream, twice, then replays what it left.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openSpool } from './disk-spool.ts';
import { range, replayIndices, useTempDirs } from './test-support.ts';

const tempDir = useTempDirs();
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SPOOL_MODULE = pathToFileURL(fileURLToPath(new URL('./index.ts', import.meta.url))).href;

/**
 * argv: spool dir, first index. Records match `makeRecord` so the parent can check their content. The
 * script is `.mts` because the temp directory has no package.json saying "module" (needed for top-level await).
 */
const CHILD_SCRIPT = `
import { openSpool } from ${JSON.stringify(SPOOL_MODULE)};
const spool = await openSpool({ dir: process.argv[2], segmentBytes: 64 * 1024 });
let next = Number(process.argv[3]);
async function caller() {
  for (;;) {
    const index = next++;
    const record = Buffer.alloc(64 + ((index * 37) % 2000), index % 251);
    record.writeUInt32LE(index, 0);
    await spool.append(record);
    process.stdout.write(index + '\\n');
  }
}
for (let i = 0; i < 32; i += 1) void caller();
`;

/** Runs the child until it has acknowledged `target` records, kills it, returns what it acknowledged. */
async function appendUntilKilled(
  script: string,
  dir: string,
  first: number,
  target: number,
): Promise<number[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, dir, String(first)], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.split('\n').length > target) resolve();
    });
    child.once('exit', (code) => reject(new Error(`child exited (${code}) before the kill: ${stderr}`)));
  });
  // A random delay past the acknowledgement that crossed `target`, so the kill lands anywhere in the
  // child's cycle (collecting a window, writing, syncing) rather than just after an acknowledgement.
  await new Promise((resolve) => setTimeout(resolve, Math.random() * 20));
  await kill(child);
  // The last line may be cut short; only complete lines are acknowledgements.
  return stdout.split('\n').slice(0, -1).map(Number);
}

async function kill(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

describe('crash safety', () => {
  it('does replay every acknowledged record when the appending process is killed with SIGKILL', async () => {
    const dir = await tempDir();
    const script = join(await tempDir(), 'append-forever.mts');
    await writeFile(script, CHILD_SCRIPT);
    const firstRun = await appendUntilKilled(script, dir, 0, 3000);
    // The second run takes over the dead run's lock and appends after its (possibly torn) segments.
    const secondRun = await appendUntilKilled(script, dir, 1_000_000, 2000);
    const spool = await openSpool({ dir });
    const replayed = await replayIndices(spool);
    await spool.close();

    const fromFirst = replayed.filter((index) => index < 1_000_000);
    const fromSecond = replayed.filter((index) => index >= 1_000_000);
    // Each run's records come back as a gap-free prefix of what it appended, in append order...
    expect(fromFirst).toEqual(range(0, fromFirst.length));
    expect(fromSecond).toEqual(range(1_000_000, 1_000_000 + fromSecond.length));
    expect(replayed).toEqual([...fromFirst, ...fromSecond]);
    // ...and that prefix covers every acknowledged record.
    expect(firstRun.length).toBeGreaterThanOrEqual(3000);
    expect(Math.max(...firstRun)).toBeLessThan(fromFirst.length);
    expect(Math.max(...secondRun)).toBeLessThan(1_000_000 + fromSecond.length);
  });
});
