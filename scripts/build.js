// `npm run build`: compiles src/ to dist/ (TypeScript, then the Lua scripts beside it) and stamps it with
// its sources (scripts/build-stamp.js), so bin/vitals.js and `npm start` know whether it is current.
// `npm run build:web` (`node scripts/build.js web`): the dashboard bundle in web/dist, stamped the same way.
// `--out-dir DIR` writes elsewhere (the tests and the bench build into temporary directories).
// The output is built beside its place and moved in only once complete: a failed build leaves the
// previous one as it was, and a running server never sees a half-written dist/.
import { spawnSync } from 'node:child_process';
import { existsSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUILDS, sourceStamp, writeStamp } from './build-stamp.js';
import { copyAssets } from './copy-assets.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function usage(problem) {
  process.stderr.write(`build: ${problem}\nusage: node scripts/build.js [server|web] [--out-dir DIR]\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const at = argv.indexOf('--out-dir');
  if (at >= 0 && !argv[at + 1]) usage('--out-dir needs a directory');
  const rest = at >= 0 ? argv.filter((_, i) => i !== at && i !== at + 1) : argv;
  const build = rest[0] ?? 'server';
  if (!(build in BUILDS) || rest.length > 1) usage(`unknown arguments: ${rest.join(' ')}`);
  return { build, outDir: at >= 0 ? resolve(argv[at + 1]) : join(root, BUILDS[build].output) };
}

function run(args, env = process.env) {
  return spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit', env }).status === 0;
}

const compile = {
  server(tmp) {
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    if (!run([tsc, '-p', 'tsconfig.build.json', '--outDir', tmp])) return false;
    const copied = copyAssets(join(root, 'src'), tmp);
    process.stdout.write(`build: compiled src/ and copied ${copied} Lua scripts\n`);
    return true;
  },
  web(tmp) {
    const vite = join(root, 'node_modules', 'vite', 'bin', 'vite.js');
    const args = [vite, 'build', '--config', 'web/vite.config.ts', '--outDir', tmp, '--emptyOutDir'];
    // Under a test runner NODE_ENV=test would make Vite keep development code in the bundle.
    return run(args, { ...process.env, NODE_ENV: 'production' });
  },
};

/** Moves the finished build to `outDir`, then removes the one it replaces. */
function moveIn(tmp, outDir) {
  const old = `${outDir}.old-${process.pid}`;
  if (existsSync(outDir)) renameSync(outDir, old);
  try {
    renameSync(tmp, outDir);
  } catch (err) {
    // Another build of the same sources moved its output in between: keep that one.
    if (err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST') throw err;
    rmSync(tmp, { recursive: true, force: true });
  }
  rmSync(old, { recursive: true, force: true });
}

const { build, outDir } = parseArgs(process.argv.slice(2));
const stamp = sourceStamp(root, build);
const tmp = `${outDir}.building-${process.pid}`;
rmSync(tmp, { recursive: true, force: true });
if (!compile[build](tmp)) {
  rmSync(tmp, { recursive: true, force: true });
  process.stderr.write(`build: ${build} build failed; ${outDir} left as it was\n`);
  process.exit(1);
}
writeStamp(tmp, stamp);
moveIn(tmp, outDir);
process.stdout.write(`build: ${build} build written to ${outDir}\n`);
