import { spawnSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isStale, sourceStamp, writeStamp } from '../scripts/build-stamp.js';
import { type RedisServer, startRedis, uniquePrefix } from './harness/index.ts';
import { type CheckoutCopy, copyCheckout, startServerProcess } from './support/checkout.ts';

const TOKEN = `vt_${'c'.repeat(43)}`;

function luaFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.lua'))
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

describe('the compiled server (npm run build)', () => {
  let redis: RedisServer;
  let checkout: CheckoutCopy;
  beforeAll(async () => {
    redis = await startRedis();
    // No tsx in this copy's node_modules: a process that does not run dist/ fails to start.
    checkout = copyCheckout({ withoutTsx: true });
    await checkout.build();
  }, 180_000);
  afterAll(async () => {
    checkout?.close();
    await redis?.close();
  });

  it('writes every Lua script of src/ into dist/ and stamps it with the sources', () => {
    const lua = luaFiles(join(checkout.root, 'src'));
    expect(lua).toContain(join('tenancy', 'lua', 'hset-if-1.lua'));
    expect(luaFiles(join(checkout.root, 'dist'))).toEqual(lua);
    expect(isStale(checkout.root, 'server')).toBe(false);
  });

  it('serves /readyz and the API from node dist/cli/vitals.js, and exits 0 on SIGTERM', async () => {
    const server = await startServerProcess([join(checkout.root, 'dist/cli/vitals.js')], {
      REDIS_URL: redis.url,
      VITALS_KEY_PREFIX: uniquePrefix('compiled'),
      VITALS_DATA_DIR: mkdtempSync(join(tmpdir(), 'vitals-compiled-')),
      VITALS_ADMIN_TOKEN: TOKEN,
      VITALS_LOCAL_AGENT: 'false',
    });
    try {
      const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
      const timestamp = Date.now() - 1000;
      const pushed = await fetch(`${server.url}/api/v1/ingest`, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          hosts: [{ host: 'web-1', snapshots: [{ timestamp, metrics: { cpu: 12.5 } }] }],
        }),
      });
      expect(pushed.status, await pushed.text()).toBeLessThan(300);
      const range = await fetch(`${server.url}/api/v1/hosts/web-1/metrics/range?startTime=0`, { headers });
      expect(range.status).toBe(200);
      expect(((await range.json()) as { rows: unknown[] }).rows).toEqual([{ timestamp, cpu: 12.5 }]);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });

  it('bin/vitals.js runs dist/ while it is current, and turns to tsx once src/ changed', () => {
    const vitals = () =>
      spawnSync(process.execPath, [join(checkout.root, 'bin/vitals.js'), '--version'], { encoding: 'utf8' });
    const version = (
      JSON.parse(readFileSync(join(checkout.root, 'package.json'), 'utf8')) as { version: string }
    ).version;
    expect(vitals().stdout.trim()).toBe(version);
    const added = join(checkout.root, 'src', 'added.ts');
    writeFileSync(added, 'export {};\n');
    try {
      const stale = vitals();
      expect(stale.status).not.toBe(0);
      expect(stale.stderr).toContain("Cannot find package 'tsx'");
    } finally {
      rmSync(added);
    }
    expect(vitals().stdout.trim()).toBe(version);
  });
});

describe('the build stamp (scripts/build-stamp.js)', () => {
  let root: string;
  let out: string;
  const file = (path: string) => join(root, path);
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'vitals-stamp-'));
    out = join(root, 'dist');
    mkdirSync(join(root, 'src', 'cli'), { recursive: true });
    mkdirSync(join(out, 'cli'), { recursive: true });
    writeFileSync(file('src/cli/main.ts'), 'export const a = 1;\n');
    writeFileSync(file('tsconfig.json'), '{}\n');
    writeFileSync(join(out, 'cli/vitals.js'), '');
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const built = () => writeStamp(out, sourceStamp(root, 'server'));

  it('decides to build when there is no stamp, and not once the build wrote one', () => {
    rmSync(join(out, '.vitals-build.json'), { force: true });
    expect(isStale(root, 'server')).toBe(true);
    built();
    expect(isStale(root, 'server')).toBe(false);
  });

  it('decides to build when a source is newer, or a file was added or removed', () => {
    built();
    utimesSync(file('src/cli/main.ts'), new Date(), new Date(Date.now() + 5000));
    expect(isStale(root, 'server')).toBe(true);
    built();
    writeFileSync(file('src/cli/extra.ts'), 'export {};\n');
    expect(isStale(root, 'server')).toBe(true);
    built();
    rmSync(file('src/cli/extra.ts'));
    expect(isStale(root, 'server')).toBe(true);
    built();
    utimesSync(file('tsconfig.json'), new Date(), new Date(Date.now() + 5000));
    expect(isStale(root, 'server')).toBe(true);
  });

  it('decides to build when the output lost its entry', () => {
    built();
    rmSync(join(out, 'cli/vitals.js'));
    expect(isStale(root, 'server')).toBe(true);
    writeFileSync(join(out, 'cli/vitals.js'), '');
    expect(isStale(root, 'server')).toBe(false);
  });
});
