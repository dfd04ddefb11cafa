import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ARTIFACTS, COMMITTED, copyScreenshots } from '../scripts/screenshots.ts';
import { SCREENSHOTS } from './browser/fixture.ts';

const root = new URL('..', import.meta.url).pathname;

describe('screenshots and figures of the browser tests', () => {
  it('are written to a git-ignored build folder, not over the committed docs/screenshots', () => {
    expect(SCREENSHOTS).toBe(ARTIFACTS);
    expect(relative(COMMITTED, SCREENSHOTS).startsWith('..')).toBe(true);
    const ignored = spawnSync('git', ['check-ignore', '-q', join(SCREENSHOTS, 'overview.png')], {
      cwd: root,
    });
    expect(ignored.status).toBe(0);
    const committed = spawnSync('git', ['check-ignore', '-q', join(COMMITTED, 'overview.png')], {
      cwd: root,
    });
    expect(committed.status).toBe(1);
  });

  it('are copied, screenshots and figures.json only, by npm run screenshots', () => {
    const from = mkdtempSync(join(tmpdir(), 'vitals-shots-'));
    const to = join(mkdtempSync(join(tmpdir(), 'vitals-shots-')), 'docs');
    writeFileSync(join(from, 'overview.png'), 'png');
    writeFileSync(join(from, 'figures.json'), '{"figures":[]}');
    writeFileSync(join(from, 'trace.log'), 'not for docs');
    mkdirSync(to);
    writeFileSync(join(to, 'overview.png'), 'old');
    expect(copyScreenshots(from, to)).toEqual(['figures.json', 'overview.png']);
    expect(readdirSync(to).sort()).toEqual(['figures.json', 'overview.png']);
    expect(readFileSync(join(to, 'overview.png'), 'utf8')).toBe('png');
    expect(copyScreenshots(join(from, 'missing'), to)).toEqual([]);
  });

  it('are read by the benchmark from wherever the browser tests left them', () => {
    const bench = readFileSync(join(root, 'bench/run.ts'), 'utf8');
    expect(bench).toContain(relative(root, join(ARTIFACTS, 'figures.json')));
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(pkg.scripts.screenshots).toContain('scripts/screenshots.ts');
  });
});
