import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatByFormat, parseByFormat, type Sample, type SampleFormat } from '../src/contract/index.ts';
import { WINDOW_MS } from '../src/tsdb/layout.ts';
import { type RedisServer, startRedis, uniquePrefix } from './harness/index.ts';

const root = new URL('..', import.meta.url).pathname;

function vitals(args: string[], env: Record<string, string>) {
  return spawnSync(process.execPath, [join(root, 'bin/vitals.js'), ...args], {
    cwd: root,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    encoding: 'utf8',
    timeout: 60_000,
    maxBuffer: 64 * 1024 * 1024,
  });
}

/**
 * The import seals every window closed by the time it runs, so a 2-hour window that closes between
 * `fixture()` and the import leaves no head to export. Near a boundary, wait until the next window opens.
 */
async function clearOfWindowEnd(marginMs: number): Promise<void> {
  const left = WINDOW_MS - (Date.now() % WINDOW_MS);
  if (left < marginMs) await sleep(left + 1_000);
}

/** Samples over the last 6 hours (so some windows are closed and get sealed), two hosts, odd values. */
function fixture(): Sample[] {
  const out: Sample[] = [];
  const now = Math.floor(Date.now() / 1000) * 1000;
  // The last point is in the open 2-hour window: a minute before now, or at its start when the window
  // is younger than that (a run just after a window boundary must still leave a head).
  const end = Math.max(now - 60_000, now - (now % 7_200_000));
  const specials = [Number.NaN, -0, Number.POSITIVE_INFINITY, 1e-310, 0.1 + 0.2];
  for (let i = 0; i < 2000; i++) {
    const t = end - (1999 - i) * 10_770;
    out.push({
      name: 'cpu.usage',
      labels: { instance: 'web-1:9100', core: 'total' },
      timestamp: t,
      value: (i % 1000) / 10,
    });
    out.push({
      name: 'disk.used_pct',
      labels: { instance: 'db-1', mount: '/var/lib/"data"' },
      timestamp: t,
      value: specials[i % specials.length] ?? 0,
    });
  }
  return out;
}

function canonical(samples: Iterable<Sample>): string[] {
  return [...samples]
    .map((s) =>
      JSON.stringify([
        s.name,
        Object.entries(s.labels).sort(),
        s.timestamp,
        Object.is(s.value, -0) ? '-0' : String(s.value),
      ]),
    )
    .sort();
}

describe('vitals import / export', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => redis?.close());

  for (const format of ['openmetrics', 'influx', 'csv'] as SampleFormat[]) {
    it(`gives back the same series, labels, timestamps and values when ${format} is imported then exported`, async () => {
      const env = {
        REDIS_URL: redis.url,
        VITALS_KEY_PREFIX: uniquePrefix(format),
        VITALS_DATA_DIR: mkdtempSync(join(tmpdir(), 'vitals-ie-')),
      };
      const dir = mkdtempSync(join(tmpdir(), 'vitals-ie-'));
      const file = join(dir, `in.${format}`);
      await clearOfWindowEnd(90_000);
      const samples = fixture();
      writeFileSync(file, `${[...formatByFormat(format, sortedByName(samples))].join('\n')}\n`);
      const imported = vitals(['import', file, '--format', format, '--no-progress'], env);
      expect(imported.stderr).toBe('');
      expect(imported.status).toBe(0);
      expect(imported.stdout).toContain(`imported ${samples.length} samples for 2 host(s)`);

      // The import sealed the closed windows: the export below reads sealed chunks and open heads.
      expect((await redis.client().keys(`${env.VITALS_KEY_PREFIX}*:w:*`)).length).toBeGreaterThan(0);
      expect((await redis.client().keys(`${env.VITALS_KEY_PREFIX}*:head:*`)).length).toBeGreaterThan(0);
      const exported = vitals(['export', '--format', format, '--output', join(dir, 'out')], env);
      expect(exported.status).toBe(0);
      const back = [...parseByFormat(format, readFileSync(join(dir, 'out'), 'utf8'), { hostLabel: true })];
      expect(back.filter((i) => 'error' in i)).toEqual([]);
      expect(canonical(back.flatMap((i) => ('sample' in i ? [i.sample] : [])))).toEqual(canonical(samples));
    }, 180_000);
  }

  it('reports malformed lines with their numbers, skips them, and writes nothing with --strict', () => {
    const env = {
      REDIS_URL: redis.url,
      VITALS_KEY_PREFIX: uniquePrefix('bad'),
      VITALS_DATA_DIR: mkdtempSync(join(tmpdir(), 'vitals-ie-')),
    };
    const file = join(mkdtempSync(join(tmpdir(), 'vitals-ie-')), 'bad.influx');
    const t = Date.now() - 60_000;
    writeFileSync(
      file,
      [
        `cpu,host=a usage=1 ${t}000000`,
        'this is not line protocol',
        `cpu,host=a usage=2 ${t + 1000}000000`,
      ].join('\n'),
    );
    const strict = vitals(['import', file, '--format', 'influx', '--host', 'a', '--strict'], env);
    expect(strict.status).not.toBe(0);
    expect(strict.stderr).toMatch(/line 2: /);
    const exportedStrict = vitals(['export', '--format', 'csv'], env);
    expect(exportedStrict.stdout.trim().split('\n')).toHaveLength(1);

    const lenient = vitals(['import', file, '--format', 'influx', '--host', 'a', '--no-progress'], env);
    expect(lenient.status).toBe(0);
    expect(lenient.stderr).toMatch(/line 2: /);
    expect(lenient.stdout).toContain('imported 2 samples');
    expect(lenient.stdout).toContain('skipped 1 bad line');
  });
});

function sortedByName(samples: Sample[]): Sample[] {
  return [...samples].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
