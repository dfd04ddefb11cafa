import { once } from 'node:events';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { HOST } from './free-port.ts';
import { sleep } from './wait.ts';

export interface FaultProxyOptions {
  targetHost?: string;
  targetPort: number;
}

/**
 * A TCP proxy on a free loopback port that can add latency, go silent, cut or refuse connections:
 * the faults `tc netem` and toxiproxy would give, which are not available here.
 */
export class FaultProxy {
  readonly host = HOST;
  private delayMs = 0;
  private frozen = false;
  private refusing = false;
  private thawed: Promise<void> = Promise.resolve();
  private release: () => void = () => {};
  private readonly sockets = new Set<Socket>();
  private closing: Promise<void> | undefined;

  constructor(
    private readonly server: Server,
    private readonly target: { host: string; port: number },
  ) {
    server.on('connection', (client) => this.accept(client));
  }

  get port(): number {
    const address = this.server.address();
    return typeof address === 'object' && address ? address.port : 0;
  }

  get url(): string {
    return `redis://${this.host}:${this.port}`;
  }

  /** Open sockets, both sides counted (a proxied connection is two). */
  get socketCount(): number {
    return this.sockets.size;
  }

  /** Latency added to every chunk in both directions; order is kept and delays do not add up. */
  setDelay(ms: number): void {
    this.delayMs = ms;
  }

  /** Destroys every current connection, as a network cut or a peer crash would. */
  drop(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  /** Stops forwarding but keeps sockets open: a silent peer. Bytes wait in kernel buffers until thaw. */
  freeze(): void {
    if (this.frozen) return;
    this.frozen = true;
    this.thawed = new Promise((resolve) => {
      this.release = resolve;
    });
    for (const socket of this.sockets) socket.pause();
  }

  thaw(): void {
    if (!this.frozen) return;
    this.frozen = false;
    this.release();
    for (const socket of this.sockets) socket.resume();
  }

  /** While on, new connections are reset at once (existing ones are left alone). */
  refuse(on = true): void {
    this.refusing = on;
  }

  /** Stops listening and destroys every connection. Safe to call twice. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.thaw();
    const closed = once(this.server, 'close');
    this.server.close();
    this.drop();
    await closed;
  }

  private accept(client: Socket): void {
    if (this.refusing || this.closing) {
      client.resetAndDestroy();
      return;
    }
    const upstream = createConnection({ host: this.target.host, port: this.target.port });
    for (const [socket, peer] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      this.sockets.add(socket);
      if (this.frozen) socket.pause();
      socket.on('error', () => peer.destroy());
      socket.on('close', () => {
        this.sockets.delete(socket);
        peer.destroy();
      });
      this.forward(socket, peer);
    }
  }

  /** Each chunk is due at arrival + delay; a promise chain keeps chunks in order. */
  private forward(from: Socket, to: Socket): void {
    let chain = Promise.resolve();
    from.on('data', (chunk: Buffer) => {
      const due = Date.now() + this.delayMs;
      chain = chain.then(async () => {
        const wait = due - Date.now();
        if (wait > 0) await sleep(wait);
        await this.thawed;
        if (!to.destroyed) to.write(chunk);
      });
    });
    from.on('end', () => {
      chain = chain.then(() => void to.end());
    });
  }
}

/** Starts a {@link FaultProxy} in front of `targetHost:targetPort` (host defaults to loopback). */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const server = createServer();
  const proxy = new FaultProxy(server, { host: options.targetHost ?? HOST, port: options.targetPort });
  server.listen({ port: 0, host: HOST });
  await once(server, 'listening');
  return proxy;
}
