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
  run(
    'npm',
    existsSync(join(root, 'package-lock.json'))
      ? ['ci', '--no-audit', '--no-fund']
      : ['install', '--no-audit', '--no-fund'],
  );
}

process.argv = [process.argv[0] ?? 'node', join(root, 'bin', 'vitals.js'), ...process.argv.slice(2)];
await import('../bin/vitals.js');
