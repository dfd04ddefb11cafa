// `npm run bench [-- --json FILE] [-- --quick] [-- --only SECTION]`: runs every benchmark (or the one
// named) against private redis-servers, prints the figures and writes docs/BENCHMARKS.md (and FILE as
// JSON); with --only, only that section's part of docs/BENCHMARKS.md is replaced. `--peers` adds the
// comparison with VictoriaMetrics, InfluxDB and Prometheus (`--only peers` runs it alone; `--peers-days N`
// shortens its 30-day data set); it keeps its own block of docs/BENCHMARKS.md, carried over otherwise.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { isStale } from '../scripts/build-stamp.js';
import { agentBench } from './agent.ts';
import {
  type PeerFigure,
  PROTOCOL_BLOCK,
  peerBlockOf,
  peerMarkdown,
  printPeers,
  withPeerBlock,
} from './peers/report.ts';
import { type Figure, markdown, meets, replaceSections } from './report.ts';
import { alertsBench } from './sections/alerts.ts';
import { eventsBench } from './sections/events.ts';
import { fairnessBench } from './sections/fairness.ts';
import { httpBench } from './sections/http.ts';
import { infoOverheadBench } from './sections/info-overhead.ts';
import { ingestBench } from './sections/ingest.ts';
import { peersBench } from './sections/peers.ts';
import { PROTOCOL_INTRO, protocolFigures } from './sections/peers-protocols.ts';
import { latestFigures, queryBench } from './sections/query.ts';
import { scaleBench } from './sections/scale.ts';
import { startupBench } from './sections/startup.ts';
import { storageBench } from './sections/storage.ts';
import { timingOverheadBench } from './sections/timing-overhead.ts';
import { workersBench } from './sections/workers.ts';

/**
 * The dashboard's figures are measured by the browser tests in Chromium; they are shown here too: from
 * the last test run (.artifacts/screenshots), else from the committed ones (`npm run screenshots`).
 */
function dashboardFigures(): Figure[] {
  const file = [
    new URL('../.artifacts/screenshots/figures.json', import.meta.url),
    new URL('../docs/screenshots/figures.json', import.meta.url),
  ].find((f) => existsSync(f));
  if (!file) return [];
  const { measuredAt, figures: measured } = JSON.parse(readFileSync(file, 'utf8')) as {
    measuredAt: string;
    figures: Figure[];
  };
  return measured.map((f) => ({
    ...f,
    section: `${f.section} (measured by the browser tests, ${measuredAt})`,
  }));
}

// Servers the benchmark starts run dist/ (bin/vitals.js): build it when src/ is newer.
const root = new URL('..', import.meta.url).pathname;
if (isStale(root, 'server')) {
  process.stdout.write('bench: compiling src/ into dist/ first\n');
  if (spawnSync(process.execPath, [`${root}scripts/build.js`], { stdio: 'inherit' }).status !== 0)
    process.exit(1);
}

const args = process.argv.slice(2);
const jsonAt = args.indexOf('--json');
const jsonFile = jsonAt >= 0 ? args[jsonAt + 1] : undefined;
const quick = args.includes('--quick');
const seed = 2026;
const SECTIONS = [
  'storage',
  'query',
  'ingest',
  'timing',
  'alerts',
  'events',
  'info',
  'http',
  'workers',
  'scale',
  'fairness',
  'agent',
  'startup',
  'peers',
  'protocols',
];
const onlyAt = args.indexOf('--only');
const only = onlyAt >= 0 ? args[onlyAt + 1] : undefined;
if (onlyAt >= 0 && !SECTIONS.includes(only ?? '')) {
  process.stderr.write(`bench: --only takes one of ${SECTIONS.join(', ')}\n`);
  process.exit(2);
}
const wanted = (section: string) => only === undefined || only === section;

function print(figures: readonly Figure[]): void {
  for (const f of figures) {
    const met = meets(f);
    const base = f.baseline === undefined ? '' : ` (baseline ${f.baseline.toPrecision(4)})`;
    process.stdout.write(
      `${f.section} | ${f.name}: ${f.value.toPrecision(4)} ${f.unit}${base}${met === undefined ? '' : met ? ' ✓' : ' ✗'}\n`,
    );
  }
}

const figures: Figure[] = [];
const run = async (step: Promise<Figure[]>) => {
  const got = await step;
  print(got);
  figures.push(...got);
};

// Several days per host, so the open window's head weighs about what it does at the 30-day retention the
// target is about (one day of data would make the unsealed head up to 9 % of everything).
if (wanted('storage')) await run(storageBench({ hosts: quick ? 1 : 2, days: quick ? 2 : 10, seed }));
// Queries first, on a fresh heap: the ingest section leaves a large hot tier and garbage behind.
if (wanted('query')) await run(queryBench({ days: quick ? 3 : 30, seed }));
if (wanted('ingest')) {
  const ingest = await ingestBench({ hosts: quick ? 100 : 1000, minutes: quick ? 5 : 15, seed });
  print(ingest.figures);
  figures.push(...ingest.figures);
  try {
    await run(latestFigures(ingest.db));
  } finally {
    await ingest.db.close();
  }
}

if (wanted('timing'))
  await run(timingOverheadBench({ hosts: quick ? 50 : 200, minutes: 15, rounds: quick ? 4 : 10, seed }));
if (wanted('alerts')) await run(alertsBench(quick ? { hosts: 100 } : {}));
if (wanted('events')) await run(eventsBench(quick ? { events: 20_000 } : {}));
if (wanted('info')) await run(infoOverheadBench({ collections: quick ? 10 : 40, intervalSec: 15 }));
if (wanted('http')) await run(httpBench({ seconds: quick ? 4 : 10 }));
if (wanted('workers')) await run(workersBench({ seconds: quick ? 4 : 10 }));
if (wanted('scale')) await run(scaleBench({ seconds: quick ? 4 : 8 }));
if (!quick && wanted('fairness')) await run(fairnessBench());
if (!quick && wanted('agent')) await run(agentBench());
// Spawns servers and CLI commands: last, so the other sections' leftovers do not slow its processes.
if (wanted('startup')) await run(startupBench({ runs: quick ? 2 : 5, idleMs: quick ? 3000 : 5000 }));
// Vitals beside VictoriaMetrics, InfluxDB and Prometheus: only when asked for, it takes about an hour.
const peers = only === 'peers' || (only === undefined && args.includes('--peers'));
const peerFigures: PeerFigure[] = [];
let peerIntro: string[] = [];
if (peers) {
  // victoria-metrics and influxdb are installed from Debian when missing (as root with apt-get), or named.
  const deps = new URL('../scripts/system-deps.js', import.meta.url).pathname;
  if (spawnSync(process.execPath, [deps, '--peers'], { stdio: 'inherit' }).status !== 0) process.exit(1);
  const daysAt = args.indexOf('--peers-days');
  const days = daysAt >= 0 ? Number(args[daysAt + 1]) : quick ? 2 : 30;
  if (!Number.isInteger(days) || days < 1) throw new Error('--peers-days takes a whole number of days ≥ 1');
  const got = await peersBench({ days, hosts: 50, hours: quick ? 1 : 4, seed });
  peerFigures.push(...got.figures);
  peerIntro = got.intro;
}

// Remote_write, OTLP and Graphite beside VictoriaMetrics (issue 18): with --peers, or alone.
const protocols = only === 'protocols' || peers;
const protocolFigureList: PeerFigure[] = [];
if (protocols) {
  if (!peers) {
    const deps = new URL('../scripts/system-deps.js', import.meta.url).pathname;
    if (spawnSync(process.execPath, [deps, '--peers'], { stdio: 'inherit' }).status !== 0) process.exit(1);
  }
  const got = await protocolFigures({ hosts: 50, hours: quick ? 1 : 4, seed });
  printPeers(got);
  protocolFigureList.push(...got);
}

if (only === undefined) figures.push(...dashboardFigures());

const meta = {
  date: new Date().toISOString(),
  machine: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`,
  mode: quick ? 'quick (smaller data sets)' : 'full',
};
const doc = new URL('../docs/BENCHMARKS.md', import.meta.url);
const previous = existsSync(doc) ? readFileSync(doc, 'utf8') : '';
if (!quick && only === undefined) writeFileSync(doc, markdown(figures, meta));
if (!quick && only !== undefined)
  writeFileSync(
    doc,
    // The machine is shared: the load average says how quiet it was for this section alone.
    replaceSections(
      readFileSync(doc, 'utf8'),
      figures,
      `alone with --only ${only}, ${meta.date}, load average ${loadavg()[0]?.toFixed(1)}`,
    ),
  );
const peerBlock = peers ? peerMarkdown(peerFigures, meta, peerIntro) : peerBlockOf(previous);
if (!quick && peerBlock) writeFileSync(doc, withPeerBlock(readFileSync(doc, 'utf8'), peerBlock));
const protocolBlock = protocols
  ? peerMarkdown(protocolFigureList, meta, PROTOCOL_INTRO, PROTOCOL_BLOCK)
  : peerBlockOf(previous, PROTOCOL_BLOCK);
if (!quick && protocolBlock)
  writeFileSync(doc, withPeerBlock(readFileSync(doc, 'utf8'), protocolBlock, PROTOCOL_BLOCK));
if (jsonFile)
  writeFileSync(
    jsonFile,
    JSON.stringify({ meta, figures, peers: peerFigures, protocols: protocolFigureList }, null, 2),
  );
process.stdout.write(
  quick
    ? 'quick run: docs/BENCHMARKS.md left unchanged\n'
    : `wrote docs/BENCHMARKS.md${only ? ` (section ${only} only)` : ''}\n`,
);
