// `npm test`: makes sure the system packages the tests need are there, then runs every test with vitest
// and ends with one line `N passed, N failed`. Extra arguments go to vitest (e.g. a file filter).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureSystemDeps } from './system-deps.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const report = join(root, '.vitest-results.json');

if (!existsSync(join(root, 'node_modules', 'vitest', 'package.json'))) {
  spawnSync(process.execPath, [join(root, 'scripts', 'complete-lock.js')], { cwd: root, stdio: 'inherit' });
  spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
}
if (!ensureSystemDeps()) process.exit(1);

/**
 * Timing comparisons that other test files running at the same time would drown in noise: with no
 * filter given, each runs in a pass of its own, after the rest. The failover tests time how soon Redis
 * takes writes again after a master dies; with every other file starting servers beside them on two
 * cores, the sentinels and replicas themselves took 16 s to settle once. The dashboard's draw times
 * in Chromium took 19 ms alone and 308 ms beside the rest (a CI run of 8670d70).
 */
const ALONE = [
  'test/reliability/failover.test.ts',
  'test/api-fairness.test.ts',
  'test/browser/performance.test.ts',
];
const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');
const extra = process.argv.slice(2);
const passes =
  extra.length > 0 ? [extra] : [ALONE.flatMap((file) => ['--exclude', file]), ...ALONE.map((file) => [file])];

let passed = 0;
let failed = 0;
let ok = true;
for (const filter of passes) {
  rmSync(report, { force: true });
  const args = ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...filter];
  const result = spawnSync(process.execPath, [vitest, ...args], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) ok = false;
  if (existsSync(report)) {
    const json = JSON.parse(readFileSync(report, 'utf8'));
    passed += json.numPassedTests ?? 0;
    // A file that fails to load counts as a failure even though it ran no test.
    failed +=
      (json.numFailedTests ?? 0) +
      (json.testResults ?? []).filter((f) => f.status === 'failed' && f.assertionResults?.length === 0)
        .length;
  } else {
    failed += 1;
  }
}
process.stdout.write(`\n${passed} passed, ${failed} failed\n`);
process.exit(ok && failed === 0 ? 0 : 1);
