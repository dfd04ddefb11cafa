// The test harness: real redis-server processes (standalone, Cluster, Sentinel), a fault-injecting TCP
// proxy, unique key prefixes and a polling helper. Tests never mock Redis.
export {
  ALERTMANAGER_BIN,
  type AmAlert,
  type AmGroup,
  startAlertmanager,
  type TestAlertmanager,
} from './alertmanager.ts';
export {
  CLUSTER_NODE_TIMEOUT_MS,
  type ClusterNode,
  type NodeRole,
  type StartClusterOptions,
  startCluster,
  type TestCluster,
} from './cluster.ts';
export { type FaultProxy, type FaultProxyOptions, startFaultProxy } from './fault-proxy.ts';
export { freeClusterPort, freePort, HOST } from './free-port.ts';
export { uniquePrefix } from './prefix.ts';
export { command, parseInfo, withConnection } from './probe.ts';
export {
  type MatrixSeries,
  PROMETHEUS_BIN,
  type PrometheusTarget,
  type StartPrometheusOptions,
  startPrometheus,
  type TestPrometheus,
  type VectorSample,
} from './prometheus.ts';
export type { RedisTlsFiles } from './redis-args.ts';
export { REDIS_SERVER_BIN, type RedisServer, type StartRedisOptions, startRedis } from './redis-server.ts';
export {
  type Address,
  SENTINEL_DOWN_AFTER_MS,
  SENTINEL_FAILOVER_TIMEOUT_MS,
  SENTINEL_MASTER_NAME,
  type StartSentinelOptions,
  startSentinel,
  type TestSentinel,
} from './sentinel.ts';
export { type ReceivedMail, startSmtp, type TestSmtp } from './smtp.ts';
export { SSHD_BIN, sshdAvailable, startSshd, type TestSshd } from './sshd.ts';
export { makeTestPki, opensslAvailable, type TestPki } from './tls.ts';
export { useRedis } from './use-redis.ts';
export { sleep, type Truthy, type WaitForOptions, waitFor } from './wait.ts';
