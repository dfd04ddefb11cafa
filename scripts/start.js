// `npm start`: installs what is missing, then runs `vitals <args>` in this process (so signals reach it).
// Only Node built-ins may be imported before the install step.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function run(cmd, args) {
  const result = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    process.stderr.write(`vitals: \`${cmd} ${args.join(' ')}\` failed (exit ${result.status})\n`);
    process.exit(result.status ?? 1);
  }
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

// The dashboard is built once; the API runs without it (and `/` says how to build it).
if (!existsSync(join(root, 'web', 'dist', 'index.html'))) {
  if (existsSync(join(root, 'node_modules', 'vite', 'package.json'))) {
    process.stderr.write('vitals: building the dashboard (first start)…\n');
    const built = spawnSync('npm', ['run', 'build:web'], { cwd: root, stdio: 'inherit' });
    if (built.status !== 0)
      process.stderr.write('vitals: dashboard build failed; the API runs and / says how to build it\n');
  } else {
    process.stderr.write(
      'vitals: dashboard not built (dev dependencies missing): npm install && npm run build:web\n',
    );
  }
}

process.argv = [process.argv[0] ?? 'node', join(root, 'bin', 'vitals.js'), ...process.argv.slice(2)];
await import('../bin/vitals.js');
