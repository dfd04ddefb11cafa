import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Cluster, type ClusterOptions } from 'ioredis';
import { freeClusterPort, HOST } from './free-port.ts';
import { command, parseInfo, withConnection } from './probe.ts';
import { type RedisServer, startRedis } from './redis-server.ts';
import { waitFor } from './wait.ts';

/** Small so that failover after a kill or freeze takes seconds; client timeouts must exceed it. */
export const CLUSTER_NODE_TIMEOUT_MS = 2000;
const REDIS_CLI_BIN = '/usr/bin/redis-cli';
const run = promisify(execFile);

export type NodeRole = 'master' | 'replica';
/** A cluster node: a {@link RedisServer} plus its role as last seen (refreshed by `waitHealthy`). */
export type ClusterNode = RedisServer & { role: NodeRole };

export interface StartClusterOptions {
  /** @defaultValue 3 */
  masters?: number;
  /** @defaultValue 1 */
  replicasPerMaster?: number;
  /** @defaultValue true */
  appendonly?: boolean;
}

export interface TestCluster {
  readonly nodes: readonly ClusterNode[];
  readonly startupNodes: readonly { host: string; port: number }[];
  masters(): ClusterNode[];
  replicas(): ClusterNode[];
  /** An ioredis Cluster client, disconnected by `close()`. */
  client(options?: ClusterOptions): Cluster;
  /** The node that currently serves the key's slot as master. */
  masterForKey(key: string): Promise<ClusterNode>;
  /** Waits until every running, unfrozen node says `cluster_state:ok` and every replica's link is up. */
  waitHealthy(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

async function startNode(appendonly: boolean): Promise<ClusterNode> {
  const timeout = ['--cluster-node-timeout', String(CLUSTER_NODE_TIMEOUT_MS)];
  // A relative config file resolves inside the node's own --dir, so restart() keeps the node's identity.
  const args = ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', ...timeout];
  const server = await startRedis({ appendonly, pickPort: freeClusterPort, args });
  return Object.assign(server, { role: 'master' as NodeRole });
}

async function createCluster(nodes: readonly ClusterNode[], replicasPerMaster: number): Promise<void> {
  const addresses = nodes.map((node) => `${HOST}:${node.port}`);
  const args = ['--cluster', 'create', ...addresses, '--cluster-replicas', String(replicasPerMaster)];
  try {
    await run(REDIS_CLI_BIN, [...args, '--cluster-yes'], { timeout: 30_000 });
  } catch (err: unknown) {
    const output = err instanceof Error && 'stdout' in err ? String(err.stdout) : '';
    throw new Error(`redis-cli --cluster create failed\n${output}`, { cause: err });
  }
}

async function isNodeHealthy(node: ClusterNode): Promise<boolean> {
  if (!node.running || node.frozen) return true;
  const cluster = parseInfo(await command(node.port, 'CLUSTER', 'INFO'));
  if (cluster.get('cluster_state') !== 'ok') return false;
  const replication = parseInfo(await command(node.port, 'INFO', 'replication'));
  node.role = replication.get('role') === 'slave' ? 'replica' : 'master';
  return node.role === 'master' || replication.get('master_link_status') === 'up';
}

/** Parses CLUSTER SLOTS: `[[start, end, [host, port, id], ...replicas], ...]`. */
function masterPortForSlot(reply: unknown, slot: number): number | undefined {
  if (!Array.isArray(reply)) return undefined;
  for (const range of reply) {
    if (!Array.isArray(range) || !Array.isArray(range[2])) continue;
    const [start, end, master] = range;
    if (slot >= Number(start) && slot <= Number(end)) return Number(master[1]);
  }
  return undefined;
}

function makeCluster(nodes: ClusterNode[]): TestCluster {
  const clients = new Set<Cluster>();
  let closing: Promise<void> | undefined;
  const cluster: TestCluster = {
    nodes,
    startupNodes: nodes.map((node) => ({ host: node.host, port: node.port })),
    masters: () => nodes.filter((node) => node.role === 'master'),
    replicas: () => nodes.filter((node) => node.role === 'replica'),
    client(options = {}) {
      const client = new Cluster([...cluster.startupNodes], options);
      client.on('error', () => {});
      clients.add(client);
      return client;
    },
    async masterForKey(key) {
      const port = nodes.find((candidate) => candidate.running)?.port ?? 0;
      const [slot, reply] = await withConnection(
        port,
        async (client): Promise<[number, unknown]> => [
          Number(await client.call('CLUSTER', 'KEYSLOT', key)),
          await client.call('CLUSTER', 'SLOTS'),
        ],
      );
      const node = nodes.find((candidate) => candidate.port === masterPortForSlot(reply, slot));
      if (!node) throw new Error(`no master found for slot ${slot} of key ${key}`);
      return node;
    },
    async waitHealthy(timeoutMs = 20_000) {
      const check = async () => (await Promise.all(nodes.map(isNodeHealthy))).every(Boolean);
      await waitFor(check, { timeoutMs, intervalMs: 100, message: 'cluster_state:ok and replica links up' });
    },
    close() {
      closing ??= (async () => {
        for (const client of clients) client.disconnect();
        await Promise.all(nodes.map((node) => node.close()));
      })();
      return closing;
    },
  };
  return cluster;
}

/** Starts cluster-enabled redis-servers below port 22768, creates the cluster and waits until healthy. */
export async function startCluster(options: StartClusterOptions = {}): Promise<TestCluster> {
  const { masters = 3, replicasPerMaster = 1, appendonly = true } = options;
  const count = masters * (1 + replicasPerMaster);
  const started = await Promise.allSettled(Array.from({ length: count }, () => startNode(appendonly)));
  const nodes = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const cluster = makeCluster(nodes);
  try {
    const failed = started.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
    await createCluster(nodes, replicasPerMaster);
    await cluster.waitHealthy();
    return cluster;
  } catch (err: unknown) {
    await cluster.close();
    throw err;
  }
}
