import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';

/** PEM text of REDIS_TLS_CA, REDIS_TLS_CERT and REDIS_TLS_KEY (read at start-up); absent when unset. */
export interface TlsPem {
  readonly ca?: string;
  readonly cert?: string;
  readonly key?: string;
}

const CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * Checks the TLS files once, at start-up, so a wrong file is a configuration error naming its variable
 * rather than a handshake that fails on every reconnect: the CA file must hold certificates, the client
 * certificate and key come as a pair, parse, and belong together. Problems are in loadConfig's format.
 */
export function tlsProblems(pem: TlsPem, env: NodeJS.ProcessEnv): string[] {
  const problems: string[] = [];
  const problem = (name: string, message: string) =>
    problems.push(`${name}=${JSON.stringify(env[name] ?? '')}: ${message}`);

  if (pem.ca !== undefined) {
    const blocks = pem.ca.match(CERTIFICATE) ?? [];
    if (blocks.length === 0)
      problem('REDIS_TLS_CA', 'holds no PEM certificate (-----BEGIN CERTIFICATE-----)');
    for (const block of blocks) {
      const why = certificateError(block);
      if (why) problem('REDIS_TLS_CA', `holds a certificate that does not parse (${why})`);
    }
  }

  if (pem.cert !== undefined && pem.key === undefined) problem('REDIS_TLS_CERT', 'needs REDIS_TLS_KEY too');
  if (pem.key !== undefined && pem.cert === undefined) problem('REDIS_TLS_KEY', 'needs REDIS_TLS_CERT too');
  if (pem.cert === undefined || pem.key === undefined) return problems;

  let cert: X509Certificate | undefined;
  try {
    cert = new X509Certificate(pem.cert);
  } catch (err: unknown) {
    problem('REDIS_TLS_CERT', `is not a PEM certificate (${messageOf(err)})`);
  }
  let key: KeyObject | undefined;
  try {
    key = createPrivateKey(pem.key);
  } catch (err: unknown) {
    problem('REDIS_TLS_KEY', `is not an unencrypted PEM private key (${messageOf(err)})`);
  }
  if (cert && key && !cert.checkPrivateKey(key)) {
    problem('REDIS_TLS_KEY', 'is not the private key of the certificate in REDIS_TLS_CERT');
  }
  return problems;
}

function certificateError(block: string): string | undefined {
  try {
    new X509Certificate(block);
    return undefined;
  } catch (err: unknown) {
    return messageOf(err);
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
