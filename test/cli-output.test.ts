import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedis, uniquePrefix } from './harness/index.ts';

const root = new URL('..', import.meta.url).pathname;
const bin = join(root, 'bin/vitals.js');

function vitals(args: string[], env: Record<string, string>) {
  return spawnSync(process.execPath, [bin, ...args], {
    cwd: root,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
}

/** Runs `vitals …` and closes its stdout after the first chunk, as `| head -1` does. */
function firstChunkThenClose(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; first: string; stderr: string }> {
  const child = spawn(process.execPath, [bin, ...args], {
    cwd: root,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
  });
  let stderr = '';
  let first = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  child.stdout.once('data', (chunk: Buffer) => {
    first = chunk.toString();
    child.stdout.destroy();
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, first, stderr })));
}

describe('vitals command output', () => {
  let redis: RedisServer;
  let env: Record<string, string>;
  beforeAll(async () => {
    redis = await startRedis();
    env = {
      REDIS_URL: redis.url,
      VITALS_KEY_PREFIX: uniquePrefix('cli-out'),
      VITALS_DATA_DIR: mkdtempSync(join(tmpdir(), 'vitals-cli-')),
    };
    // Enough lines that the export is still writing when its reader goes away.
    const t0 = Date.now() - 3 * 3_600_000;
    const lines: string[] = [];
    for (let i = 0; i < 40_000; i++) lines.push(`cpu,core=total usage=${i % 100} ${t0 + i * 250}000000`);
    const file = join(mkdtempSync(join(tmpdir(), 'vitals-cli-')), 'in.influx');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const imported = vitals(['import', file, '--format', 'influx', '--host', 'web-1', '--no-progress'], env);
    expect(imported.stderr).toBe('');
    expect(imported.status).toBe(0);
  }, 120_000);
  afterAll(async () => redis?.close());

  it('ends quietly with exit 0 when the reader of an export goes away (| head)', async () => {
    const run = await firstChunkThenClose(['export', '--format', 'csv'], env);
    expect(run.first.length).toBeGreaterThan(0);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
  }, 60_000);

  it('prints the last maintenance run with ISO times, not ms since epoch', () => {
    const before = Date.now();
    const ran = vitals(['maintenance', 'run'], env);
    expect(ran.status).toBe(0);
    expect(JSON.parse(ran.stdout).lastRunAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const status = vitals(['maintenance', 'status'], env);
    expect(status.status).toBe(0);
    const shown = JSON.parse(status.stdout) as { lastRunAt: string; durationMs: number };
    expect(shown.lastRunAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(Date.parse(shown.lastRunAt)).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(shown.lastRunAt)).toBeLessThanOrEqual(Date.now());
    expect(typeof shown.durationMs).toBe('number');
  }, 60_000);
});
