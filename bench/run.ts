// `npm run bench [-- --json FILE] [-- --quick]`: runs every benchmark against private redis-servers,
// prints the figures and writes docs/BENCHMARKS.md (and FILE as JSON).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { agentBench } from './agent.ts';
import { type Figure, markdown, meets } from './report.ts';
import { alertsBench } from './sections/alerts.ts';
import { eventsBench } from './sections/events.ts';
import { fairnessBench } from './sections/fairness.ts';
import { httpBench } from './sections/http.ts';
import { infoOverheadBench } from './sections/info-overhead.ts';
import { ingestBench } from './sections/ingest.ts';
import { latestFigures, queryBench } from './sections/query.ts';
import { storageBench } from './sections/storage.ts';
import { timingOverheadBench } from './sections/timing-overhead.ts';

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

const args = process.argv.slice(2);
const jsonAt = args.indexOf('--json');
const jsonFile = jsonAt >= 0 ? args[jsonAt + 1] : undefined;
const quick = args.includes('--quick');
const seed = 2026;

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
await run(storageBench({ hosts: quick ? 1 : 2, days: quick ? 2 : 10, seed }));
// Queries first, on a fresh heap: the ingest section leaves a large hot tier and garbage behind.
await run(queryBench({ days: quick ? 3 : 30, seed }));
const ingest = await ingestBench({ hosts: quick ? 100 : 1000, minutes: quick ? 5 : 15, seed });
print(ingest.figures);
figures.push(...ingest.figures);
try {
  await run(latestFigures(ingest.db));
} finally {
  await ingest.db.close();
}

await run(timingOverheadBench({ hosts: quick ? 50 : 200, minutes: 15, rounds: quick ? 4 : 10, seed }));
await run(alertsBench(quick ? { hosts: 100 } : {}));
await run(eventsBench(quick ? { events: 20_000 } : {}));
await run(infoOverheadBench({ collections: quick ? 10 : 40, intervalSec: 15 }));
await run(httpBench({ seconds: quick ? 4 : 10 }));
if (!quick) await run(fairnessBench());
if (!quick) await run(agentBench());

figures.push(...dashboardFigures());

const meta = {
  date: new Date().toISOString(),
  machine: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`,
  mode: quick ? 'quick (smaller data sets)' : 'full',
};
if (!quick) writeFileSync(new URL('../docs/BENCHMARKS.md', import.meta.url), markdown(figures, meta));
if (jsonFile) writeFileSync(jsonFile, JSON.stringify({ meta, figures }, null, 2));
process.stdout.write(quick ? 'quick run: docs/BENCHMARKS.md left unchanged\n' : 'wrote docs/BENCHMARKS.md\n');
