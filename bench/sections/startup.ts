// Start-up costs of the compiled JavaScript (dist/: what `npm start` and the systemd units run) against
// the TypeScript sources through tsx (a checkout being worked on), measured in the same run on two copies
// of this checkout, both started through bin/vitals.js exactly as `vitals …` runs.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RedisServer, sleep, startRedis, uniquePrefix } from '../../test/harness/index.ts';
import { type CheckoutCopy, copyCheckout, startServerProcess } from '../../test/support/checkout.ts';
import { type Figure, median } from '../report.ts';

const SECTION = 'Start-up: compiled JavaScript against tsx';
const TOKEN = `vt_${'s'.repeat(43)}`;

type Variant = 'compiled' | 'tsx';
type Measure = 'readyMs' | 'rssMb' | 'versionMs' | 'statusMs';

function vitalsEnv(redis: RedisServer): Record<string, string> {
  return {
    REDIS_URL: redis.url,
    VITALS_KEY_PREFIX: uniquePrefix('startup'),
    VITALS_DATA_DIR: mkdtempSync(join(tmpdir(), 'vitals-bench-startup-')),
    VITALS_ADMIN_TOKEN: TOKEN,
  };
}

/** Resident set of a process in MB, from /proc. */
function rssMb(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) / 1024;
}

/** Wall time of one `vitals <args>` in ms; a failing command stops the bench. */
function cliMs(checkout: CheckoutCopy, args: string[], env: Record<string, string>): number {
  const started = performance.now();
  const result = spawnSync(process.execPath, [join(checkout.root, 'bin/vitals.js'), ...args], {
    cwd: tmpdir(),
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  const ms = performance.now() - started;
  if (result.status !== 0) throw new Error(`vitals ${args.join(' ')} failed:\n${result.stderr}`);
  return ms;
}

/** One round of one variant: the server from spawn to ready, its idle RSS, two CLI commands. */
async function round(checkout: CheckoutCopy, redis: RedisServer, idleMs: number) {
  const server = await startServerProcess([join(checkout.root, 'bin/vitals.js')], vitalsEnv(redis));
  try {
    await sleep(idleMs);
    const rss = server.child.pid ? rssMb(server.child.pid) : Number.NaN;
    return {
      readyMs: server.readyMs,
      rssMb: rss,
      versionMs: cliMs(checkout, ['--version'], {}),
      statusMs: cliMs(checkout, ['maintenance', 'status'], vitalsEnv(redis)),
    };
  } finally {
    await server.stop();
  }
}

/**
 * @param opts.runs rounds per variant, alternating which goes first (after one warm-up round each, which
 * also fills tsx's compile cache: the figures are those of a checkout that already ran once)
 * @param opts.idleMs how long the server idles after ready before its RSS is read
 */
export async function startupBench(opts: { runs: number; idleMs: number }): Promise<Figure[]> {
  const redis = await startRedis();
  const checkouts: Record<Variant, CheckoutCopy> = { compiled: copyCheckout(), tsx: copyCheckout() };
  const got: Record<Variant, Record<Measure, number[]>> = {
    compiled: { readyMs: [], rssMb: [], versionMs: [], statusMs: [] },
    tsx: { readyMs: [], rssMb: [], versionMs: [], statusMs: [] },
  };
  try {
    await checkouts.compiled.build();
    for (const variant of ['compiled', 'tsx'] as const) await round(checkouts[variant], redis, 0);
    for (let r = 0; r < opts.runs; r++) {
      const order: Variant[] = r % 2 === 0 ? ['compiled', 'tsx'] : ['tsx', 'compiled'];
      for (const variant of order) {
        const figures = await round(checkouts[variant], redis, opts.idleMs);
        for (const [k, v] of Object.entries(figures)) got[variant][k as Measure].push(v);
      }
    }
  } finally {
    checkouts.compiled.close();
    checkouts.tsx.close();
    await redis.close();
  }
  const figure = (measure: Measure, name: string, unit: string): Figure => {
    const value = median(got.compiled[measure]);
    const baseline = median(got.tsx[measure]);
    return {
      section: SECTION,
      name: `${name} (baseline: tsx)`,
      value,
      baseline,
      unit,
      note: `compiled/tsx ${(value / baseline).toFixed(2)}; median of ${opts.runs} alternating runs`,
    };
  };
  return [
    figure('readyMs', '`vitals server`, spawn to the first 200 from /readyz', 'ms'),
    figure('rssMb', `server RSS after ${opts.idleMs / 1000} s idle once ready`, 'MB'),
    figure('versionMs', '`vitals --version`, wall time', 'ms'),
    figure('statusMs', '`vitals maintenance status`, wall time', 'ms'),
  ];
}
