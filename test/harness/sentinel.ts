import { Redis, type RedisOptions } from 'ioredis';
import { HOST } from './free-port.ts';
import { command, parseInfo, withConnection } from './probe.ts';
import { type RedisServer, startRedis } from './redis-server.ts';
import { waitFor } from './wait.ts';

export const SENTINEL_MASTER_NAME = 'vitals-test';
/**
 * How long a silent master takes to be seen as down; short so failover tests take seconds. At 1000 a
 * sentinel once saw the master it had just switched to as down 1.0 s after the switch (its first
 * replies slow under CI load) and failed over again, demoting it to a replica that then took 10 s to
 * resync: pushes back after 16 s (CI run of 44ef48f). At 2000 a killed master is seen down 1 s later.
 */
export const SENTINEL_DOWN_AFTER_MS = 2000;
/**
 * A sentinel that loses a leader election (the three asked for votes at once and split them) gives up
 * after this long and tries again only after twice this long since its try: at 5000 a split vote put
 * the promotion 11–12 s after a kill (seen under CI load). Short so one split costs seconds.
 */
export const SENTINEL_FAILOVER_TIMEOUT_MS = 2000;

export interface StartSentinelOptions {
  /** @defaultValue 1 */
  replicas?: number;
  /** @defaultValue 3 */
  sentinels?: number;
}

export interface Address {
  host: string;
  port: number;
}

export interface TestSentinel {
  readonly name: string;
  readonly sentinels: readonly Address[];
  readonly sentinelServers: readonly RedisServer[];
  /** The master at start; after a failover ask `waitForFailover` or `currentMaster`. */
  readonly master: RedisServer;
  readonly replicas: readonly RedisServer[];
  /** An ioredis client that finds the master through the sentinels, disconnected by `close()`. */
  client(options?: RedisOptions): Redis;
  /** The master address a running sentinel reports now. */
  currentMaster(): Promise<Address>;
  /** Waits until every running sentinel reports a master other than `fromPort` and it acts as master. */
  waitForFailover(fromPort?: number, timeoutMs?: number): Promise<RedisServer>;
  close(): Promise<void>;
}

function sentinelConfig(masterPort: number, quorum: number): string {
  const name = SENTINEL_MASTER_NAME;
  return [
    `sentinel monitor ${name} ${HOST} ${masterPort} ${quorum}`,
    `sentinel down-after-milliseconds ${name} ${SENTINEL_DOWN_AFTER_MS}`,
    `sentinel failover-timeout ${name} ${SENTINEL_FAILOVER_TIMEOUT_MS}`,
    `sentinel parallel-syncs ${name} 1`,
    '',
  ].join('\n');
}

async function masterAddress(sentinel: RedisServer): Promise<Address> {
  const reply = await withConnection(sentinel.port, (client) =>
    client.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', SENTINEL_MASTER_NAME),
  );
  if (!Array.isArray(reply)) throw new Error(`sentinel on ${sentinel.port} does not know the master`);
  return { host: String(reply[0]), port: Number(reply[1]) };
}

async function replicaLinkUp(replica: RedisServer): Promise<boolean> {
  return parseInfo(await command(replica.port, 'INFO', 'replication')).get('master_link_status') === 'up';
}

/** `SENTINEL MASTER` answers a flat [field, value, ...] list. */
async function sentinelSees(sentinel: RedisServer, replicas: number, sentinels: number): Promise<boolean> {
  const reply = await withConnection(sentinel.port, (client) =>
    client.call('SENTINEL', 'MASTER', SENTINEL_MASTER_NAME),
  );
  const flat = Array.isArray(reply) ? reply.map(String) : [];
  const field = (key: string) => flat[flat.indexOf(key) + 1];
  return (
    field('flags') === 'master' &&
    field('num-slaves') === String(replicas) &&
    field('num-other-sentinels') === String(sentinels - 1)
  );
}

function makeTestSentinel(
  master: RedisServer,
  replicas: RedisServer[],
  sentinels: RedisServer[],
): TestSentinel {
  const clients = new Set<Redis>();
  const running = () => sentinels.filter((sentinel) => sentinel.running && !sentinel.frozen);
  let closing: Promise<void> | undefined;
  const self: TestSentinel = {
    name: SENTINEL_MASTER_NAME,
    // A getter: the list is filled after this object exists, so close() can clean up a failed start.
    get sentinels() {
      return sentinels.map((sentinel) => ({ host: sentinel.host, port: sentinel.port }));
    },
    sentinelServers: sentinels,
    master,
    replicas,
    client(options = {}) {
      const client = new Redis({ sentinels: [...self.sentinels], name: SENTINEL_MASTER_NAME, ...options });
      client.on('error', () => {});
      clients.add(client);
      return client;
    },
    async currentMaster() {
      const sentinel = running()[0];
      if (!sentinel) throw new Error('no sentinel is running');
      return masterAddress(sentinel);
    },
    async waitForFailover(fromPort = master.port, timeoutMs = 20_000) {
      const promoted = async () => {
        const ports = new Set((await Promise.all(running().map(masterAddress))).map((a) => a.port));
        const [port] = ports;
        const node = [master, ...replicas].find((candidate) => candidate.port === port);
        if (ports.size !== 1 || port === fromPort || !node) return undefined;
        const role = parseInfo(await command(node.port, 'INFO', 'replication')).get('role');
        return role === 'master' ? node : undefined;
      };
      return waitFor(promoted, { timeoutMs, intervalMs: 100, message: `a failover away from ${fromPort}` });
    },
    close() {
      closing ??= (async () => {
        for (const client of clients) client.disconnect();
        await Promise.all([...sentinels, ...replicas, master].map((server) => server.close()));
      })();
      return closing;
    },
  };
  return self;
}

async function startAll<T>(starts: Promise<T>[], started: T[]): Promise<void> {
  const results = await Promise.allSettled(starts);
  for (const result of results) if (result.status === 'fulfilled') started.push(result.value);
  const failed = results.find((result) => result.status === 'rejected');
  if (failed) throw failed.reason;
}

/**
 * Starts a master, replicas (`--replicaof`) and sentinels (`redis-server <conf> --sentinel`), and waits
 * until every replica link is up and every sentinel sees the master, all replicas and its peers.
 */
export async function startSentinel(options: StartSentinelOptions = {}): Promise<TestSentinel> {
  const { replicas: replicaCount = 1, sentinels: sentinelCount = 3 } = options;
  const master = await startRedis();
  const replicas: RedisServer[] = [];
  const sentinels: RedisServer[] = [];
  const setup = makeTestSentinel(master, replicas, sentinels);
  try {
    const replicaof = ['--replicaof', HOST, String(master.port)];
    await startAll(
      Array.from({ length: replicaCount }, () => startRedis({ args: replicaof })),
      replicas,
    );
    await waitFor(async () => (await Promise.all(replicas.map(replicaLinkUp))).every(Boolean), {
      timeoutMs: 15_000,
      message: 'replica links up',
    });
    const config = sentinelConfig(master.port, Math.floor(sentinelCount / 2) + 1);
    const startOne = () => startRedis({ sentinel: true, config });
    await startAll(Array.from({ length: sentinelCount }, startOne), sentinels);
    const seen = async () =>
      (await Promise.all(sentinels.map((s) => sentinelSees(s, replicaCount, sentinelCount)))).every(Boolean);
    await waitFor(seen, {
      timeoutMs: 20_000,
      intervalMs: 100,
      message: 'sentinels to see master and replicas',
    });
    return setup;
  } catch (err: unknown) {
    await setup.close();
    throw err;
  }
}
