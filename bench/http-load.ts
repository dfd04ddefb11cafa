// The load generator of the HTTP ingest benchmark, run as its own process so it does not share the
// server's event loop: `node --import tsx bench/http-load.ts <url> <token> <seconds> [rate]`.
// Every request is a JSON batch of 1,000 samples (10 hosts × 100 series, one snapshot each) with a
// fresh timestamp; prints autocannon's result as JSON on stdout.
import autocannon from 'autocannon';

const [url, token, seconds, rate] = process.argv.slice(2);
if (!url || !token) throw new Error('usage: http-load <url> <token> <seconds> [rate]');

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
    hosts.push({ host: `load-${h}`, snapshots: [{ timestamp: t, metrics }] });
  }
  return JSON.stringify({ hosts });
}

const result = await autocannon({
  url: `${url}/api/v1/ingest`,
  method: 'POST',
  connections: rate ? 8 : 32,
  pipelining: 1,
  duration: Number(seconds ?? 10),
  ...(rate ? { overallRate: Number(rate) } : {}),
  headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
  requests: [{ setupRequest: (req) => ({ ...req, body: body() }) }],
});
process.stdout.write(
  `${JSON.stringify({ requests: result.requests, latency: result.latency, non2xx: result.non2xx, errors: result.errors, duration: result.duration })}\n`,
);
