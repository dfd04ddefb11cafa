import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { accessSync, constants, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort, HOST } from './free-port.ts';
import { trackDir, trackPid, untrackDir, untrackPid } from './reaper.ts';
import { waitFor } from './wait.ts';

/** sshd must be started by its absolute path (it re-executes itself). */
export const SSHD_BIN = '/usr/sbin/sshd';

/** True when Debian's openssh-server is installed (`apt-get install openssh-server`). */
export function sshdAvailable(): boolean {
  try {
    accessSync(SSHD_BIN, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * A private sshd on a loopback port, never the machine's own: a generated host key, its own config,
 * pid file and authorized_keys in a temp directory. It runs as the test's user (root in CI) and lets
 * that user in with the generated key only: root may not use a password (`prohibit-password`) and no
 * test password exists, so passwords are always refused, which the authentication-refused tests need.
 */
export interface TestSshd {
  readonly host: string;
  readonly port: number;
  readonly username: string;
  /** OpenSSH-format private key (unencrypted) accepted for `username`. */
  readonly privateKey: string;
  /** A second key the server does not accept. */
  readonly strangerKey: string;
  /** `SHA256:…` fingerprint of the server's host key, as `ssh-keygen -l` prints it. */
  readonly hostFingerprint: string;
  readonly dir: string;
  close(): Promise<void>;
}

function keygen(path: string): string {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'vitals-test', '-f', path]);
  return readFileSync(path, 'utf8');
}

function fingerprint(pubPath: string): string {
  const out = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', pubPath], { encoding: 'utf8' });
  const match = /SHA256:[A-Za-z0-9+/]+/.exec(out);
  if (!match) throw new Error(`unexpected ssh-keygen output: ${out}`);
  return match[0];
}

function config(dir: string, port: number): string {
  return [
    `Port ${port}`,
    `ListenAddress ${HOST}`,
    `HostKey ${join(dir, 'host_key')}`,
    `PidFile ${join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    // The temp directory is not root-only; sshd would otherwise refuse the key file.
    'StrictModes no',
    'PermitRootLogin prohibit-password',
    'PubkeyAuthentication yes',
    'PasswordAuthentication yes',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    'PrintMotd no',
    'UseDNS no',
    'MaxStartups 50',
    'LogLevel ERROR',
    '',
  ].join('\n');
}

/** Resolves once the port answers with an SSH banner. */
function banner(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: HOST, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('data', (chunk) => done(chunk.toString().startsWith('SSH-')));
    socket.once('error', () => done(false));
  });
}

async function launch(dir: string, port: number): Promise<ChildProcess> {
  writeFileSync(join(dir, 'sshd_config'), config(dir, port));
  const child = spawn(SSHD_BIN, ['-D', '-e', '-f', join(dir, 'sshd_config')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-4000);
  });
  const exited = once(child, 'exit').catch(() => undefined);
  if (child.pid) trackPid(child.pid);
  const ready = await waitFor(
    async () => (child.exitCode !== null ? 'exited' : (await banner(port)) && 'ready'),
    {
      timeoutMs: 10_000,
      intervalMs: 50,
      message: `sshd on port ${port}`,
    },
  ).catch(() => 'timeout');
  if (ready !== 'ready') {
    child.kill('SIGKILL');
    await exited;
    throw new Error(`sshd on port ${port} did not start (${ready}):\n${log}`);
  }
  return child;
}

/** Starts a private sshd; `close()` stops it and removes its directory (safe to call twice). */
export async function startSshd(): Promise<TestSshd> {
  if (!sshdAvailable()) throw new Error(`${SSHD_BIN} not found: apt-get install -y openssh-server`);
  try {
    // Privilege separation needs this directory; Debian's service creates it, a container may lack it.
    mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  } catch {
    // not root: sshd then runs unprivileged and needs no such directory
  }
  const dir = mkdtempSync(join(tmpdir(), 'vitals-sshd-'));
  trackDir(dir);
  keygen(join(dir, 'host_key'));
  const privateKey = keygen(join(dir, 'client_key'));
  const strangerKey = keygen(join(dir, 'stranger_key'));
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'client_key.pub')));
  const port = await freePort();
  let child: ChildProcess;
  try {
    child = await launch(dir, port);
  } catch (err: unknown) {
    rmSync(dir, { recursive: true, force: true });
    untrackDir(dir);
    throw err;
  }
  let closing: Promise<void> | undefined;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    }
    if (child.pid) untrackPid(child.pid);
    rmSync(dir, { recursive: true, force: true });
    untrackDir(dir);
  };
  return {
    host: HOST,
    port,
    // As root (CI) this is root; an unprivileged sshd can only let its own user in.
    username: userInfo().username,
    privateKey,
    strangerKey,
    hostFingerprint: fingerprint(join(dir, 'host_key.pub')),
    dir,
    close: () => {
      closing ??= stop();
      return closing;
    },
  };
}
