import type { ServerResponse } from 'node:http';

export interface SseOptions {
  /** A `ping` event this often, so proxies keep the stream open and clients notice a dead one. @defaultValue 15000 */
  readonly heartbeatMs?: number;
  /** Bytes queued for a slow client before its stream is ended (it reconnects and reloads). @defaultValue 1 MiB */
  readonly maxBufferedBytes?: number;
  /** Reconnect delay the browser is told to use. @defaultValue 3000 */
  readonly retryMs?: number;
}

/**
 * One server-sent-events stream on a raw response: named events with JSON data, heartbeats, and an
 * end that runs the cleanup once whoever closes first (client, server shutdown, slow client).
 */
export class SseStream {
  private readonly heartbeat: NodeJS.Timeout;
  private readonly cleanups: Array<() => void> = [];
  private ended = false;

  constructor(
    private readonly res: ServerResponse,
    private readonly options: SseOptions = {},
  ) {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      // nginx and similar proxies would otherwise buffer the stream.
      'x-accel-buffering': 'no',
      connection: 'keep-alive',
    });
    res.write(`retry: ${options.retryMs ?? 3000}\n\n`);
    this.heartbeat = setInterval(() => this.send('ping', { at: Date.now() }), options.heartbeatMs ?? 15_000);
    this.heartbeat.unref();
    res.on('close', () => this.end());
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /** Runs `cleanup` once when the stream ends. */
  onEnd(cleanup: () => void): void {
    if (this.ended) cleanup();
    else this.cleanups.push(cleanup);
  }

  send(event: string, data: unknown): void {
    if (this.ended) return;
    // JSON never holds a raw newline, so the data fits one `data:` line.
    this.res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    if (this.res.writableLength > (this.options.maxBufferedBytes ?? 1024 * 1024)) this.end();
  }

  /** Ends the stream, after a last event when one is given. */
  end(last?: { event: string; data: unknown }): void {
    if (this.ended) return;
    if (last) this.send(last.event, last.data);
    this.ended = true;
    clearInterval(this.heartbeat);
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    this.res.end();
  }
}
