// `npm start`: installs what is missing, builds what is out of date, then runs `vitals <args>` in this
// process (so signals reach it).
// Only Node built-ins (and the built-ins-only build-stamp.js) may be imported before the install step.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isStale } from './build-stamp.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function run(cmd, args) {
  const result = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    process.stderr.write(`vitals: \`${cmd} ${args.join(' ')}\` failed (exit ${result.status})\n`);
    process.exit(result.status ?? 1);
  }
}

/** Runs scripts/build.js for `name` (server or web); true when it succeeded. */
function build(name) {
  const args = [join(root, 'scripts', 'build.js'), name];
  return spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' }).status === 0;
}

if (!existsSync(join(root, 'node_modules', 'fastify', 'package.json'))) {
  process.stderr.write('vitals: installing dependencies (first start)…\n');
  // Entries for other platforms' optional packages, so `npm ci` accepts the lock (see the script).
  if (existsSync(join(root, 'package-lock.json')))
    run(process.execPath, [join(root, 'scripts', 'complete-lock.js')]);
  run(
    'npm',
    existsSync(join(root, 'package-lock.json'))
      ? ['ci', '--no-audit', '--no-fund']
      : ['install', '--no-audit', '--no-fund'],
  );
}

const devDependencies = existsSync(join(root, 'node_modules', 'typescript', 'package.json'));

// The server is compiled once per change of src/; until a build succeeds, bin/vitals.js runs the
// sources through tsx (a type error in a checkout being worked on does not stop it from starting).
if (isStale(root, 'server')) {
  if (!devDependencies) {
    process.stderr.write(
      'vitals: dist/ is missing or out of date and TypeScript is not installed (npm install); running the sources through tsx\n',
    );
  } else {
    process.stderr.write('vitals: compiling src/ into dist/ (first start, or the sources changed)…\n');
    if (!build('server')) process.stderr.write('vitals: build failed; running the sources through tsx\n');
  }
}

// The dashboard likewise; the API runs without it (and `/` says how to build it).
if (isStale(root, 'web')) {
  if (existsSync(join(root, 'node_modules', 'vite', 'package.json'))) {
    process.stderr.write(
      'vitals: building the dashboard into web/dist (first start, or its sources changed)…\n',
    );
    if (!build('web'))
      process.stderr.write('vitals: dashboard build failed; the API runs and / says how to build it\n');
  } else if (!existsSync(join(root, 'web', 'dist', 'index.html'))) {
    process.stderr.write(
      'vitals: dashboard not built (dev dependencies missing): npm install && npm run build:web\n',
    );
  }
}

process.argv = [process.argv[0] ?? 'node', join(root, 'bin', 'vitals.js'), ...process.argv.slice(2)];
await import('../bin/vitals.js');
