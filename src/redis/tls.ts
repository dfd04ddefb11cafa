import { createRequire } from 'node:module';
import type { ConnectionOptions } from 'node:tls';
import { type AbstractConnector, type Redis, type RedisOptions, SentinelConnector } from 'ioredis';
import type { RedisConfig } from '../config/index.ts';

/**
 * TLS options of every connection Vitals opens to its Redis (data nodes, Sentinels, Cluster nodes), or
 * undefined for plain TCP. Without REDIS_TLS_CA the system CAs (and NODE_EXTRA_CA_CERTS) are trusted;
 * with it, only the CAs in that file. The server's name is always checked against its certificate.
 */
export function tlsOptions(config: Pick<RedisConfig, 'tls' | 'tlsPem'>): ConnectionOptions | undefined {
  if (!config.tls) return undefined;
  const { ca, cert, key } = config.tlsPem;
  return { ...(ca !== undefined && { ca }), ...(cert !== undefined && { cert, key }) };
}

/** OpenSSL verification results meaning "this certificate does not chain to a CA we trust". */
const UNTRUSTED = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
]);

const UNTRUSTED_TEXT =
  /self[- ]signed certificate|unable to verify the first certificate|unable to get (local )?issuer certificate/i;

/**
 * What an operator should do about a failed TLS handshake with Redis, or undefined when `err` is not
 * one. Handshake failures are not outages that pass: every reconnect fails the same way until a
 * setting changes, so the log says which one. A server that demands a client certificate and gets
 * none accepts the handshake (TLS 1.3) and then closes the connection, which the client only sees as
 * a reset: with TLS on and no client certificate configured, a reset gets that hint.
 */
export function tlsHint(
  err: unknown,
  config?: Pick<RedisConfig, 'tls' | 'tlsPem'>,
  /** False when the connection was ready: a reset then is an outage, not a refused handshake. */
  connecting = true,
): string | undefined {
  if (!(err instanceof Error)) return undefined;
  const code = (err as NodeJS.ErrnoException).code ?? '';
  const message = err.message;
  // Sentinel lookups report the cause only in their message ("All sentinels are unreachable … Last
  // error: self-signed certificate …").
  if (UNTRUSTED.has(code) || UNTRUSTED_TEXT.test(message)) {
    return "Redis' TLS certificate is not signed by a trusted CA: set REDIS_TLS_CA to the PEM file of the CA that signed it";
  }
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') {
    return "Redis' TLS certificate is outside its validity period: renew it on the server";
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return "Redis' TLS certificate does not name the host Vitals connects to: connect by a name or address the certificate lists";
  }
  if (
    /certificate required|alert bad certificate|alert unknown ca|alert certificate unknown/i.test(message)
  ) {
    return 'Redis refused our TLS client certificate (it demands one it trusts): set REDIS_TLS_CERT and REDIS_TLS_KEY to a pair signed by the CA of its tls-ca-cert-file';
  }
  if (code === 'ECONNRESET' && connecting && config?.tls && config.tlsPem.cert === undefined) {
    return 'Redis closed the TLS connection; if it demands client certificates (tls-auth-clients yes), set REDIS_TLS_CERT and REDIS_TLS_KEY';
  }
  return undefined;
}

type ConnectorClass = NonNullable<RedisOptions['Connector']>;

// ioredis' default connector; its index does not export it.
const { default: StandaloneConnector } = createRequire(import.meta.url)(
  'ioredis/built/connectors/StandaloneConnector',
) as { default: ConnectorClass };

const ignore = () => {};

/**
 * ioredis listens for a socket's errors with `once`. A TLS socket whose handshake fails (an untrusted
 * certificate) can emit a second error, the server's alert arriving afterwards; with no listener left
 * it is an uncaught exception that ends the process (seen here with redis-server 7.0 and Node 20;
 * ioredis PR #961, closed as wontfix). Connectors made by this wrapper give every socket a lasting
 * no-op listener: ioredis still handles the first error (log, reconnect), later ones are dropped.
 */
function guarded(Base: ConnectorClass): ConnectorClass {
  type Connect = AbstractConnector['connect'];
  const Concrete = Base as unknown as new (
    options: unknown,
  ) => { connect(onError: Parameters<Connect>[0]): ReturnType<Connect> };
  return class extends Concrete {
    override connect(onError: Parameters<Connect>[0]): ReturnType<Connect> {
      return super.connect(onError).then((stream) => {
        stream.on('error', ignore);
        return stream;
      });
    }
  } as unknown as ConnectorClass;
}

/**
 * For standalone connections and Cluster nodes: ioredis copies it into every node connection and every
 * duplicate (BullMQ's blocking connections). Not into a Cluster's pub/sub subscriber, which ioredis
 * builds from a fixed list of options; that one connects to a node whose handshake already succeeded.
 */
export const GuardedStandaloneConnector = guarded(StandaloneConnector);

interface SentinelConnectorLike {
  emitter: { emit(event: 'error', err: Error): unknown } | null;
  connectToSentinel(endpoint: unknown, options?: RedisOptions): Redis;
}
const SentinelBase = guarded(SentinelConnector as unknown as ConnectorClass) as unknown as new (
  options: unknown,
) => SentinelConnectorLike;

/**
 * For Sentinel mode: the master's sockets, and those of the connections it opens to the sentinels
 * themselves (lookups and the failover detector), are guarded. Set `connector.emitter` to the client
 * after construction, as ioredis does for its own Sentinel connector.
 */
export const GuardedSentinelConnector = class extends SentinelBase {
  override connectToSentinel(endpoint: unknown, options: RedisOptions = {}): Redis {
    const sentinel = super.connectToSentinel(endpoint, { Connector: GuardedStandaloneConnector, ...options });
    // ioredis drops a sentinel connection's own errors and reports "All sentinels are unreachable …
    // Connection is closed": a failed handshake is passed on to the client, so its log says why.
    sentinel.on('error', (err: Error) => {
      if (tlsHint(err) !== undefined) this.emitter?.emit('error', err);
    });
    return sentinel;
  }
} as unknown as ConnectorClass;
