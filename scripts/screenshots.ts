// `npm run screenshots`: runs the browser tests, which write screenshots and figures.json to the
// git-ignored .artifacts/screenshots, then copies them over the committed ones in docs/screenshots.
// `npm test` never touches docs/screenshots; this is the one command that does, on purpose.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const ARTIFACTS = join(root, '.artifacts', 'screenshots');
export const COMMITTED = join(root, 'docs', 'screenshots');

/** Copies every screenshot (.png) and figures.json from `from` into `to`; returns the names copied. */
export function copyScreenshots(from: string, to: string): string[] {
  if (!existsSync(from)) return [];
  mkdirSync(to, { recursive: true });
  const names = readdirSync(from).filter((n) => n.endsWith('.png') || n === 'figures.json');
  for (const name of names) copyFileSync(join(from, name), join(to, name));
  return names.sort();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');
  const run = spawnSync(process.execPath, [vitest, 'run', 'test/browser', ...process.argv.slice(2)], {
    cwd: root,
    stdio: 'inherit',
  });
  if (run.status !== 0) {
    process.stderr.write('browser tests failed: docs/screenshots left as they were\n');
    process.exit(run.status ?? 1);
  }
  const copied = copyScreenshots(ARTIFACTS, COMMITTED);
  process.stdout.write(`refreshed ${copied.length} file(s) in docs/screenshots: ${copied.join(', ')}\n`);
}
