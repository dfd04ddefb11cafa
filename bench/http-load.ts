// The load generator of the HTTP ingest benchmark, run as its own process so it does not share the
// server's event loop: `node --import tsx bench/http-load.ts <url> <token> <seconds> [rate]
// [--connections N] [--format json|influx] [--host-prefix P] [--ack durable|buffered]`. Every request is a batch of 1,000 samples (10 hosts × 100
// series, one snapshot each) with a fresh timestamp: JSON to /api/v1/ingest, or (`--format influx`) the
// same samples as line protocol to /api/v1/write; prints autocannon's result as JSON on stdout.
import autocannon from 'autocannon';

const argv = process.argv.slice(2);
/** The value after `--name`, removed from argv with it. */
function flag(name: string): string | undefined {
  const at = argv.indexOf(`--${name}`);
  return at < 0 ? undefined : argv.splice(at, 2)[1];
}
const connectionsFlag = flag('connections');
// Several load generators at once (one per server process) write hosts of their own.
const hostPrefix = flag('host-prefix') ?? 'load-';
// `--ack buffered`: answered at once, written behind (the default is the server's, durable).
const ack = flag('ack');
const format = flag('format') ?? 'json';
const [url, token, seconds, rate] = argv;
if (!url || !token || (format !== 'json' && format !== 'influx'))
  throw new Error('usage: http-load <url> <token> <seconds> [rate] [--connections N] [--format json|influx]');

const SERIES = Array.from({ length: 100 }, (_, i) =>
  i < 30 ? `cpu.core.usage{core="${i}"}` : `app.metric_${i}`,
);
let t = Date.now() - 3_600_000;

function body(): string {
  t += 1;
  const hosts = [];
  for (let h = 0; h < 10; h++) {
    const metrics: Record<string, number> = {};
    for (const [i, key] of SERIES.entries()) metrics[key] = Math.round(((t + i * 7 + h) % 1000) / 10) / 10;
    hosts.push({ host: `${hostPrefix}${h}`, snapshots: [{ timestamp: t, metrics }] });
  }
  return JSON.stringify({ hosts });
}

/** The same samples as line protocol: per host, a line per core (`cpu.core,core=i usage=…`) and one
 * line with the 70 app fields; millisecond timestamps. */
function lines(): string {
  t += 1;
  const out: string[] = [];
  for (let h = 0; h < 10; h++) {
    const value = (i: number) => Math.round(((t + i * 7 + h) % 1000) / 10) / 10;
    for (let i = 0; i < 30; i++) out.push(`cpu.core,host=${hostPrefix}${h},core=${i} usage=${value(i)} ${t}`);
    const fields = SERIES.slice(30).map((_, k) => `metric_${k + 30}=${value(k + 30)}`);
    out.push(`app,host=${hostPrefix}${h} ${fields.join(',')} ${t}`);
  }
  return out.join('\n');
}

const influx = format === 'influx';
const result = await autocannon({
  url: `${influx ? `${url}/api/v1/write?precision=ms` : `${url}/api/v1/ingest`}${ack ? `${influx ? '&' : '?'}ack=${ack}` : ''}`,
  method: 'POST',
  connections: connectionsFlag ? Number(connectionsFlag) : rate ? 8 : 32,
  pipelining: 1,
  duration: Number(seconds ?? 10),
  ...(rate ? { overallRate: Number(rate) } : {}),
  headers: {
    authorization: `Bearer ${token}`,
    'content-type': influx ? 'text/plain; charset=utf-8' : 'application/json',
  },
  requests: [{ setupRequest: (req) => ({ ...req, body: influx ? lines() : body() }) }],
});
process.stdout.write(
  `${JSON.stringify({ requests: result.requests, latency: result.latency, non2xx: result.non2xx, errors: result.errors, duration: result.duration })}\n`,
);
