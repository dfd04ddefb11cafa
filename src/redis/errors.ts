/**
 * Telling "Redis cannot be used right now" from "this command is wrong". The first kind is worth a
 * retry, a 503, the spool or a fallback; the second is a bug or bad data and must reach the caller.
 * Classification reads what ioredis and redis-server actually produce (tested against a real server:
 * stopped, frozen, refusing credentials, answering a command error), walking `cause` chains so a
 * wrapped failure (e.g. `PipelineError`) is classified by its root.
 */

/** Reply-error codes (first word of a Redis error reply) that mean the server cannot serve us now. */
const UNAVAILABLE_CODES = new Set([
  'LOADING', // dataset being loaded at start-up
  'CLUSTERDOWN', // the cluster is down or a slot is not served
  'TRYAGAIN', // multi-key command during resharding
  'MASTERDOWN', // replica lost its master and serves no stale data
  'OOM', // "OOM command not allowed when used memory > 'maxmemory'" (noeviction)
  'READONLY', // writing to a replica (e.g. just after a failover)
  'BUSY', // a script or function runs past busy-reply-threshold
  'MISCONF', // writes refused because the last RDB save failed
  'NOREPLICAS', // min-replicas-to-write not met
  'NOAUTH', // this connection is not (or no longer) authenticated
  'WRONGPASS', // credentials refused: Redis cannot be used until they are fixed
]);

/** Client-side messages of ioredis for a connection that is gone, not ready, too slow or frozen. */
const UNAVAILABLE_MESSAGES = [
  'Command timed out', // commandTimeout: the request-role deadline
  "Stream isn't writeable", // not connected and no offline queue (request role)
  'Connection is closed', // the connection ended with the command outstanding
  'Command aborted due to connection close', // the rest of a pipeline cut off by a closing connection
  'Socket timeout', // socketTimeout: a frozen Redis
  'Reached the max retries per request limit', // MaxRetriesPerRequestError
  "Cluster isn't ready",
  'Cluster is disconnect', // "Cluster is disconnected." / "... disconnecting."
  'Failed to refresh slots cache', // ClusterAllFailedError
  'None of startup nodes is available',
  'Too many Cluster redirections',
  'All sentinels are unreachable',
  'Ready check failed',
  'Node is disconnected',
];

/** Socket error codes of a connection that could not be made or was lost. */
const UNAVAILABLE_SYSCALL_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ECONNABORTED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

const UNAVAILABLE_NAMES = new Set(['MaxRetriesPerRequestError', 'ClusterAllFailedError', 'ReplicasError']);

/** Reply-error codes that mean the credentials (or the ACL user's rights) are refused. */
const AUTH_CODES = new Set(['WRONGPASS', 'NOAUTH', 'NOPERM']);

/** How deep `cause` chains are followed; real chains are one or two links. */
const MAX_DEPTH = 5;

/**
 * True when `err` says Redis cannot be reached or cannot serve now (connection refused, reset or
 * closed, request deadline passed, frozen socket, not ready, LOADING, CLUSTERDOWN, TRYAGAIN,
 * MASTERDOWN, OOM, READONLY, BUSY, MISCONF, credentials refused …): retrying later can succeed.
 * False for command errors (WRONGTYPE, NOSCRIPT, ERR syntax, Lua errors, NOPERM), for non-Redis
 * errors, and for the writer's circuit breaker refusing (cockatiel's `BrokenCircuitError`).
 */
export function isUnavailable(err: unknown): boolean {
  return someInChain(err, (e) => {
    const code = replyCode(e);
    // A reply is judged by its code alone: a Lua error's text may quote anything.
    if (code !== undefined) return UNAVAILABLE_CODES.has(code);
    if (typeof e.code === 'string' && UNAVAILABLE_SYSCALL_CODES.has(e.code)) return true;
    if (UNAVAILABLE_NAMES.has(e.name)) return true;
    return UNAVAILABLE_MESSAGES.some((m) => e.message.includes(m));
  });
}

/**
 * True when `err` says Redis refused our credentials or rights: WRONGPASS, NOAUTH (also as ioredis'
 * "Ready check failed: NOAUTH …"), NOPERM. These do not heal by waiting.
 */
export function isAuthError(err: unknown): boolean {
  return someInChain(err, (e) => {
    const code = replyCode(e);
    if (code !== undefined) return AUTH_CODES.has(code);
    // ioredis wraps a refused ready check: "Ready check failed: NOAUTH Authentication required."
    return /\b(WRONGPASS|NOAUTH|NOPERM)\b/.test(e.message);
  });
}

interface ErrorLike {
  readonly name: string;
  readonly message: string;
  readonly code?: unknown;
  readonly cause?: unknown;
  readonly lastNodeError?: unknown;
}

function someInChain(err: unknown, test: (e: ErrorLike) => boolean): boolean {
  let current: unknown = err;
  for (let depth = 0; depth < MAX_DEPTH && isErrorLike(current); depth++) {
    if (test(current)) return true;
    // ClusterAllFailedError keeps the node's error in `lastNodeError`, everything else in `cause`.
    current = current.cause ?? current.lastNodeError;
  }
  return false;
}

function isErrorLike(value: unknown): value is ErrorLike {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { message?: unknown }).message === 'string' &&
    typeof (value as { name?: unknown }).name === 'string'
  );
}

/** The code of a Redis error reply ("WRONGTYPE Operation against …" → "WRONGTYPE"), else undefined. */
function replyCode(e: ErrorLike): string | undefined {
  if (e.name !== 'ReplyError') return undefined;
  const match = /^([A-Z]+)\b/.exec(e.message);
  return match?.[1];
}
