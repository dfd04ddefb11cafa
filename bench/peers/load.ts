// The load generator of the peer ingest benchmark, in its own process so it shares no event loop with
// what it measures: `node --import tsx bench/peers/load.ts '<json LoadSpec>'`. It builds the fleet's
// bodies (line protocol, or another format of `protocol-payloads.ts`), sends the first `warmup` of them, prints `ready`, waits for a line on stdin, then sends
// the rest over `connections` keep-alive connections and prints one JSON line of figures.
import { Agent, request } from 'node:http';
import { createInterface } from 'node:readline';
import { type FleetOptions, fleetBodies } from './payloads.ts';
import { fleetSeriesBodies, remoteWriteBody } from './protocol-payloads.ts';

export interface LoadSpec {
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly fleet: FleetOptions;
  readonly warmup: number;
  readonly connections: number;
  /** The bodies' format (default: line protocol); the system's headers name its content type. */
  readonly format?: 'influx' | 'remote-write' | 'otlp';
  /**
   * Paced: body i is not sent before the time the samples of the bodies before it take at this many
   * samples a second (an open-loop schedule, so a slow answer does not slow the offered rate).
   * Unpaced (as fast as the connections are answered) without it.
   */
  readonly samplesPerSec?: number;
}

export interface LoadResult {
  readonly samples: number;
  readonly requests: number;
  readonly seconds: number;
  readonly latenciesMs: number[];
  readonly failures: number;
  readonly firstFailure?: string;
}

const spec = JSON.parse(process.argv[2] ?? '{}') as LoadSpec;
const agent = new Agent({ keepAlive: true, maxSockets: spec.connections });
const target = new URL(spec.url);

interface Body {
  readonly data: string | Uint8Array;
  readonly samples: number;
}

function send(body: string | Uint8Array): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: target.hostname,
        port: target.port,
        path: `${target.pathname}${target.search}`,
        method: 'POST',
        headers: { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body), ...spec.headers },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (c: string) => {
          text += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function sendAll(
  bodies: readonly Body[],
  latencies: number[],
  samplesPerSec?: number,
): Promise<{ failures: number; first?: string }> {
  let next = 0;
  let failures = 0;
  let first: string | undefined;
  // When each body is due (paced runs): the samples before it at the offered rate.
  const due: number[] = [];
  for (let i = 0, sent = 0; i < bodies.length; sent += bodies[i]?.samples ?? 0, i++)
    due.push(samplesPerSec ? (sent / samplesPerSec) * 1000 : 0);
  const start = performance.now();
  await Promise.all(
    Array.from({ length: spec.connections }, async () => {
      while (next < bodies.length) {
        const at = next++;
        const body = bodies[at]?.data ?? '';
        const wait = start + (due[at] ?? 0) - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        const t0 = performance.now();
        const res = await send(body);
        latencies.push(performance.now() - t0);
        if (res.status < 200 || res.status > 299) {
          failures++;
          first ??= `${res.status} ${res.text.slice(0, 300)}`;
        }
      }
    }),
  );
  return { failures, first };
}

/** The OTLP encoder is loaded only when asked for. */
async function build(): Promise<Body[]> {
  if (spec.format === 'remote-write') return fleetSeriesBodies(spec.fleet).map(remoteWriteBody);
  if (spec.format === 'otlp') {
    const { otlpBody } = await import('./otlp-payload.ts');
    return fleetSeriesBodies(spec.fleet).map(otlpBody);
  }
  return fleetBodies(spec.fleet).map((b) => ({ data: b.text, samples: b.samples }));
}

const bodies = await build();
const warm = await sendAll(bodies.slice(0, spec.warmup), []);
if (warm.failures > 0) throw new Error(`warm-up refused: ${warm.first}`);
process.stdout.write('ready\n');
const go = createInterface({ input: process.stdin });
await new Promise<void>((resolve) => go.once('line', () => resolve()));
go.close();
process.stdin.destroy();

const timed = bodies.slice(spec.warmup);
const samples = timed.reduce((n, b) => n + b.samples, 0);
const latencies: number[] = [];
const t0 = performance.now();
const outcome = await sendAll(timed, latencies, spec.samplesPerSec);
const result: LoadResult = {
  samples,
  requests: timed.length,
  seconds: (performance.now() - t0) / 1000,
  latenciesMs: latencies,
  failures: outcome.failures,
  ...(outcome.first ? { firstFailure: outcome.first } : {}),
};
process.stdout.write(`${JSON.stringify(result)}\n`);
agent.destroy();
