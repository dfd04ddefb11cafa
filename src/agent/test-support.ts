// A fake HTTP peer for the agent's tests: scripted answers for the edge cases (429, 503, 401, 400, a
// hang), idempotency keys remembered like the real server. Not shipped (tsconfig.build.json excludes it).
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import type { IngestRequest, Snapshot } from '../contract/wire.ts';

/** `hang`: never answer. `lost`: store the batch, then never answer (a reply lost on the way back). */
export type Answer = { status: number; headers?: Record<string, string>; body?: unknown } | 'hang' | 'lost';

export interface Received {
  readonly key: string;
  readonly authorization: string;
  readonly encoding: string;
  readonly body: IngestRequest;
}

export class FakeIngest {
  readonly received: Received[] = [];
  /** Snapshots stored once per idempotency key, in arrival order. */
  readonly stored: Snapshot[] = [];
  readonly answers: Answer[] = [];
  fallback: Answer = { status: 200 };
  private readonly seen = new Map<string, { status: number; body: unknown }>();
  private readonly server: Server;
  port = 0;

  constructor() {
    this.server = createServer((req, res) => {
      void this.handle(req).then((answer) => {
        if (answer === 'hang') return;
        res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
        res.end(JSON.stringify(answer.body ?? {}));
      });
    });
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Listens on `port` (0: any free one). */
  async listen(port = this.port): Promise<this> {
    this.server.listen(port, '127.0.0.1');
    await once(this.server, 'listening');
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  /** Stops listening and drops open connections (the agent then sees refused connections). */
  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private async handle(req: IncomingMessage): Promise<Exclude<Answer, 'lost'>> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (req.url === '/livez') return { status: 200, body: { status: 'ok' } };
    const raw = Buffer.concat(chunks);
    const encoding = String(req.headers['content-encoding'] ?? '');
    const body = JSON.parse((encoding === 'gzip' ? gunzipSync(raw) : raw).toString('utf8')) as IngestRequest;
    const key = String(req.headers['idempotency-key'] ?? '');
    this.received.push({ key, authorization: String(req.headers.authorization ?? ''), encoding, body });
    const answer = this.answers.shift() ?? this.fallback;
    if (answer === 'hang') return answer;
    if (answer !== 'lost' && answer.status >= 300) return answer;
    const result = this.seen.get(key) ?? this.store(key, body);
    return answer === 'lost' ? 'hang' : result;
  }

  private store(key: string, body: IngestRequest): { status: number; body: unknown } {
    const snapshots = body.hosts.flatMap((h) => h.snapshots ?? []);
    this.stored.push(...snapshots);
    const result = {
      status: 200,
      body: { samples: snapshots.length, hosts: body.hosts.length, stored: 'redis' },
    };
    this.seen.set(key, result);
    return result;
  }
}
