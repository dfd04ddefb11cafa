import { HOST } from './free-port.ts';

export interface StartRedisOptions {
  /** AOF with `appendfsync everysec`, as BullMQ and durable acknowledgements need. @defaultValue true */
  appendonly?: boolean;
  /** Extra command-line arguments, appended last so they win, e.g. `['--replicaof', HOST, '7001']`. */
  args?: readonly string[];
  /** Config file text, written to `<dir>/redis.conf` and loaded first (Sentinel needs a writable file). */
  config?: string;
  /** Run as a Sentinel (`redis-server <conf> --sentinel`); data-node settings are left out. @defaultValue false */
  sentinel?: boolean;
  /** Chooses the port; called again when the port was taken meanwhile. @defaultValue a kernel-chosen port */
  pickPort?: () => Promise<number>;
  /** How long start and restart may take before failing with the log tail. @defaultValue 15000 */
  readyTimeoutMs?: number;
  /** Started with `--requirepass`; the harness' own probes and `client()` authenticate with it. */
  password?: string;
  /**
   * TLS only: plain TCP is off (`--port 0`) and the server's port is its `--tls-port`. The harness' own
   * probes and `client()` then speak TLS, trusting `caFile` and presenting the client pair if given.
   */
  tls?: RedisTlsFiles;
}

/** PEM files of a TLS-only server (e.g. from `makeTestPki()`). */
export interface RedisTlsFiles {
  /** `--tls-ca-cert-file`: the CA client certificates must chain to; the harness trusts it too. */
  caFile: string;
  /** `--tls-cert-file` / `--tls-key-file`: the server's certificate and key. */
  certFile: string;
  keyFile: string;
  /** `--tls-auth-clients`: `yes` demands a client certificate, `optional` checks one if sent. @defaultValue 'yes' */
  authClients?: 'yes' | 'no' | 'optional';
  /** Client certificate and key the harness' own connections present (needed with `authClients: 'yes'`). */
  clientCertFile?: string;
  clientKeyFile?: string;
}

/** Where a server's config file lives when `config` is given: inside its own directory. */
export function configPath(dir: string): string {
  return `${dir}/redis.conf`;
}

export interface ServerPlace {
  port: number;
  dir: string;
  logFile: string;
}

/**
 * The command line every harness server runs with: loopback only, its own directory and log, and the
 * settings Vitals requires in production (`noeviction`, AOF) so tests see the same behaviour.
 */
export function redisArgs(options: StartRedisOptions, place: ServerPlace): string[] {
  const { config, sentinel = false, appendonly = true, password, tls } = options;
  const args = [...(password === undefined ? [] : ['--requirepass', password]), ...(options.args ?? [])];
  const head = config === undefined ? [] : [configPath(place.dir)];
  const listen =
    tls === undefined
      ? ['--port', String(place.port), '--bind', HOST]
      : [
          ...['--port', '0', '--tls-port', String(place.port), '--bind', HOST],
          ...[
            '--tls-cert-file',
            tls.certFile,
            '--tls-key-file',
            tls.keyFile,
            '--tls-ca-cert-file',
            tls.caFile,
          ],
          ...['--tls-auth-clients', tls.authClients ?? 'yes'],
        ];
  const common = [...listen, '--dir', place.dir, '--logfile', place.logFile];
  if (sentinel) return [...head, '--sentinel', ...common, ...args];
  const data = ['--save', '', '--maxmemory-policy', 'noeviction', '--enable-debug-command', 'local'];
  // Replicas sync at once instead of the master waiting 5 s for more of them to join.
  const sync = ['--repl-diskless-sync-delay', '0'];
  const aof = appendonly ? ['--appendonly', 'yes', '--appendfsync', 'everysec'] : ['--appendonly', 'no'];
  return [...head, ...common, '--daemonize', 'no', ...data, ...sync, ...aof, ...args];
}
