import { createServer } from 'node:net';

/** The loopback address every harness process binds to; the shared Redis on 6379 is never touched. */
export const HOST = '127.0.0.1';

/** Cluster bus ports are the client port + 10000 and must stay below the ephemeral range (32768). */
export const CLUSTER_BUS_OFFSET = 10_000;
const CLUSTER_PORT_MIN = 10_001;
const CLUSTER_PORT_MAX = 22_767;

/** Resolves true if `port` could be bound on the loopback address right now. */
export function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: HOST, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/**
 * A port that was free a moment ago (the kernel picks it when binding port 0). Someone else can take it
 * before our server binds, so callers retry on "Address already in use".
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ port: 0, host: HOST, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('could not read the bound port'))));
    });
  });
}

/**
 * A free port for a cluster node: port 0 hands out ephemeral ports (32768+), whose bus port would
 * overflow 65535 or collide with outgoing connections, so pick at random below 22768 and check that
 * both the port and its bus port are free.
 */
export async function freeClusterPort(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = CLUSTER_PORT_MIN + Math.floor(Math.random() * (CLUSTER_PORT_MAX - CLUSTER_PORT_MIN + 1));
    if ((await canBind(port)) && (await canBind(port + CLUSTER_BUS_OFFSET))) return port;
  }
  throw new Error(`no free cluster port pair found in ${CLUSTER_PORT_MIN}-${CLUSTER_PORT_MAX}`);
}
