import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trackDir, untrackDir } from './reaper.ts';

/**
 * PEM files of a throw-away PKI made with the `openssl` CLI (Debian base; nothing is downloaded): a
 * self-signed CA, a server certificate it signed for 127.0.0.1 and localhost, a client certificate it
 * signed, and an unrelated CA that signed nothing here (for "wrong CA" cases). Keys are unencrypted
 * P-256. Everything lives in one temp directory, removed by `remove()` (or when the test process ends).
 */
export interface TestPki {
  readonly dir: string;
  readonly caCert: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly clientCert: string;
  readonly clientKey: string;
  readonly otherCaCert: string;
  remove(): void;
}

/** True when the `openssl` command-line tool runs here. */
export function opensslAvailable(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function openssl(dir: string, args: readonly string[]): void {
  try {
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err: unknown) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString() ?? '';
    throw new Error(`openssl ${args.join(' ')} failed: ${stderr || String(err)}`);
  }
}

const KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function selfSignedCa(dir: string, name: string, cn: string): void {
  openssl(dir, [
    ...['req', '-x509', '-new', ...KEY, '-keyout', `${name}.key`, '-out', `${name}.crt`],
    ...['-days', '3', '-subj', `/CN=${cn}`],
    ...['-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'],
  ]);
}

function signedLeaf(dir: string, name: string, cn: string, extensions: string): void {
  writeFileSync(join(dir, `${name}.ext`), extensions);
  openssl(dir, [
    'req',
    '-new',
    ...KEY,
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.csr`,
    '-subj',
    `/CN=${cn}`,
  ]);
  openssl(dir, [
    ...['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial'],
    ...['-out', `${name}.crt`, '-days', '2', '-extfile', `${name}.ext`],
  ]);
}

/** Generates the PKI (about 100 ms). */
export function makeTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'vitals-pki-'));
  trackDir(dir);
  selfSignedCa(dir, 'ca', 'Vitals test CA');
  selfSignedCa(dir, 'other-ca', 'Unrelated test CA');
  signedLeaf(
    dir,
    'server',
    'localhost',
    'basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n',
  );
  signedLeaf(dir, 'client', 'vitals', 'basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n');
  return {
    dir,
    caCert: join(dir, 'ca.crt'),
    serverCert: join(dir, 'server.crt'),
    serverKey: join(dir, 'server.key'),
    clientCert: join(dir, 'client.crt'),
    clientKey: join(dir, 'client.key'),
    otherCaCert: join(dir, 'other-ca.crt'),
    remove() {
      rmSync(dir, { recursive: true, force: true });
      untrackDir(dir);
    },
  };
}
