// The Graphite load generator of the protocol benchmark, in its own process:
// `node --import tsx bench/peers/graphite-load.ts '<json GraphiteLoadSpec>'`. It builds the fleet's
// plaintext bodies, prints `ready` with the samples they hold, waits for a line on stdin, then writes
// them over `connections` TCP connections (each taking the next body when its socket drains), closes
// them and prints one JSON line: samples and the seconds the writes took. Graphite has no answers, so
// when the samples are stored is for the caller to find out from the system itself.
import { connect, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import type { FleetOptions } from './payloads.ts';
import { fleetSeriesBodies, graphiteBody } from './protocol-payloads.ts';

export interface GraphiteLoadSpec {
  readonly host: string;
  readonly port: number;
  readonly fleet: FleetOptions;
  readonly connections: number;
  /** The path of a series: `${prefix}${host}.${name}`. */
  readonly prefix: string;
}

export interface GraphiteLoadResult {
  readonly samples: number;
  readonly seconds: number;
}

const spec = JSON.parse(process.argv[2] ?? '{}') as GraphiteLoadSpec;
const bodies = fleetSeriesBodies(spec.fleet).map((b) =>
  graphiteBody(b, (host, name) => `${spec.prefix}${host}.${name}`),
);
const samples = bodies.reduce((n, b) => n + b.samples, 0);
process.stdout.write(`ready ${samples}\n`);
const go = createInterface({ input: process.stdin });
await new Promise<void>((resolve) => go.once('line', () => resolve()));
go.close();
process.stdin.destroy();

function open(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: spec.host, port: spec.port }, () => resolve(socket));
    socket.on('error', reject);
  });
}

const t0 = performance.now();
let next = 0;
await Promise.all(
  Array.from({ length: spec.connections }, async () => {
    const socket = await open();
    while (next < bodies.length) {
      const body = bodies[next++];
      if (body && !socket.write(body.data)) await new Promise((resolve) => socket.once('drain', resolve));
    }
    await new Promise<void>((resolve) => socket.end(resolve));
  }),
);
const result: GraphiteLoadResult = { samples, seconds: (performance.now() - t0) / 1000 };
process.stdout.write(`${JSON.stringify(result)}\n`);
