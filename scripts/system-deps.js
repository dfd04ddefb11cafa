// System packages the tests need, found on PATH or installed with apt-get when we can (root + apt-get).
// `node scripts/system-deps.js` installs what is missing or exits non-zero naming the command to run;
// `--peers`: the same for the systems `npm run bench -- --peers` compares Vitals with.
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * binary → Debian package that provides it. `optional` ones are installed when we can; when absent,
 * their tests say they skipped and why, and the run does not fail for them.
 */
export const systemDeps = [
  { binary: 'redis-server', pkg: 'redis-server' },
  // Browser tests drive Debian's Chromium with playwright-core (never a downloaded browser).
  { binary: 'chromium', pkg: 'chromium' },
  // The Prometheus federation endpoint is checked with promtool, which Debian's prometheus ships.
  { binary: 'promtool', pkg: 'prometheus' },
  // The alert notifier's tests deliver to a real Alertmanager (API v2) and read the alerts back.
  { binary: 'prometheus-alertmanager', pkg: 'prometheus-alertmanager' },
  // /usr/sbin/sshd (the sbin dirs are searched too): the SSH collector's tests start a private sshd.
  { binary: 'sshd', pkg: 'openssh-server' },
  // Optional: the Prometheus collector's tests scrape it when present and say they skipped otherwise.
  { binary: 'prometheus-node-exporter', pkg: 'prometheus-node-exporter', optional: true },
  // Only for `npm run bench -- --peers` (`ensurePeerDeps`), never for the tests: the systems compared with.
  { binary: 'victoria-metrics', pkg: 'victoria-metrics', peers: true },
  { binary: 'influxd', pkg: 'influxdb', peers: true },
];

function onPath(binary) {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/bin', '/sbin'];
  return dirs.some((dir) => {
    try {
      accessSync(join(dir, binary), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Missing packages of the tests; optional ones only when `withOptional`. */
export function missingDeps(withOptional = false) {
  return systemDeps.filter((d) => !d.peers && (withOptional || !d.optional) && !onPath(d.binary));
}

/** The peer benchmark's systems: installed when missing and we can, else the command is named. */
export function ensurePeerDeps() {
  const pkgs = systemDeps.filter((d) => d.peers && !onPath(d.binary)).map((d) => d.pkg);
  if (pkgs.length === 0) return true;
  if (process.getuid?.() === 0 && onPath('apt-get')) {
    process.stderr.write(`installing the peer benchmark's systems: ${pkgs.join(', ')}\n`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...pkgs], {
      stdio: 'inherit',
      env,
    });
  }
  const still = systemDeps.filter((d) => d.peers && !onPath(d.binary)).map((d) => d.pkg);
  if (still.length > 0)
    process.stderr.write(
      `missing: ${still.join(', ')}. Install them with: sudo apt-get install -y ${still.join(' ')}\n`,
    );
  return still.length === 0;
}

export function ensureSystemDeps() {
  const missing = missingDeps(true);
  if (missing.length === 0) return true;
  const pkgs = [...new Set(missing.map((d) => d.pkg))];
  const command = `apt-get install -y ${pkgs.join(' ')}`;
  const canInstall = process.getuid?.() === 0 && onPath('apt-get');
  if (canInstall) {
    process.stderr.write(`installing missing system packages: ${pkgs.join(', ')}\n`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...pkgs], {
      stdio: 'inherit',
      env,
    });
    if (missingDeps().length === 0) return true;
  } else if (missingDeps().length === 0) {
    process.stderr.write(`optional system packages missing (their tests are skipped): ${pkgs.join(', ')}\n`);
    return true;
  }
  process.stderr.write(`missing system packages: ${pkgs.join(', ')}. Install them with: sudo ${command}\n`);
  return false;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exit((process.argv.includes('--peers') ? ensurePeerDeps() : ensureSystemDeps()) ? 0 : 1);
}
