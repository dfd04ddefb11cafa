import { connect } from 'node:net';

/** One sample as a Graphite line is built from. */
export interface GraphiteSample {
  readonly host: string;
  /** Vitals metric name (`cpu.usage`); dots are path separators in Graphite, kept as they are. */
  readonly name: string;
  readonly labels?: Readonly<Record<string, string>>;
  /** ms since the epoch (sent as seconds, with a fraction when not whole). */
  readonly timestamp: number;
  readonly value: number;
}

/**
 * A sample as a Graphite 1.1 tagged line, `name;tag=v;host=h value seconds\n`: the host travels as a
 * tag, so it lands as sent whatever VITALS_GRAPHITE_HOST_SEGMENT says. Label values must hold no space,
 * `;` or newline (the protocol has no escaping).
 */
export function graphiteLine(sample: GraphiteSample): string {
  let path = sample.name;
  for (const [k, v] of Object.entries(sample.labels ?? {})) path += `;${k}=${v}`;
  path += `;host=${sample.host}`;
  const value = Number.isNaN(sample.value)
    ? 'nan'
    : sample.value === Number.POSITIVE_INFINITY
      ? 'inf'
      : sample.value === Number.NEGATIVE_INFINITY
        ? '-inf'
        : String(sample.value);
  return `${path} ${value} ${sample.timestamp / 1000}\n`;
}

/**
 * Sends lines (each ending in `\n`) over one TCP connection, honouring the socket's backpressure, and
 * closes it; resolves with what was sent once the server has everything (the connection closed
 * cleanly). Storing is asynchronous: wait for `GraphiteListener.settled(lines)` in-process, or poll a
 * query, to know the samples are stored.
 */
export function sendGraphite(
  address: { readonly host: string; readonly port: number },
  lines: Iterable<string>,
): Promise<{ lines: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: address.host, port: address.port, noDelay: true });
    const iterator = lines[Symbol.iterator]();
    let count = 0;
    let bytes = 0;
    let failed = false;
    socket.on('error', (err) => {
      failed = true;
      reject(err);
    });
    socket.on('close', () => {
      if (!failed) resolve({ lines: count, bytes });
    });
    const pump = (): void => {
      let chunk = '';
      for (;;) {
        const next = iterator.next();
        if (!next.done) {
          chunk += next.value;
          count += 1;
          if (chunk.length < 64 * 1024) continue;
        }
        if (chunk.length > 0) {
          bytes += Buffer.byteLength(chunk);
          const more = socket.write(chunk);
          chunk = '';
          if (!next.done && !more) {
            socket.once('drain', pump);
            return;
          }
        }
        if (next.done) {
          socket.end();
          return;
        }
      }
    };
    socket.once('connect', pump);
  });
}
