// `npm run soak`: the reliability suite (test/reliability) with its long profile — Redis stopped 60 s,
// frozen 20 s, out of memory 20 s, six kill -9 of the server under load, kill -9 while Redis is down,
// and 100,000 fuzz cases — one file after the other. Prints the figures and, when every test passed,
// writes them into docs/RELIABILITY.md between the `soak:begin` and `soak:end` markers.
// Extra arguments go to vitest (e.g. a file filter).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const work = mkdtempSync(join(tmpdir(), 'vitals-soak-'));
const reportFile = join(work, 'report.jsonl');
const resultsFile = join(work, 'vitest.json');
const docFile = join(root, 'docs', 'RELIABILITY.md');

const started = Date.now();
const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');
const args = [
  'run',
  'test/reliability',
  // One file at a time: the scenarios' figures are the server's, not a neighbour's load.
  '--maxWorkers=1',
  '--no-file-parallelism',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${resultsFile}`,
  ...process.argv.slice(2),
];
const run = spawnSync(process.execPath, [vitest, ...args], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, VITALS_SOAK: '1', VITALS_RELIABILITY_REPORT: reportFile },
});
const minutes = Math.round((Date.now() - started) / 6000) / 10;

let passed = 0;
let failed = 0;
if (existsSync(resultsFile)) {
  const json = JSON.parse(readFileSync(resultsFile, 'utf8'));
  passed = json.numPassedTests ?? 0;
  failed =
    (json.numFailedTests ?? 0) +
    (json.testResults ?? []).filter((f) => f.status === 'failed' && f.assertionResults?.length === 0).length;
} else {
  failed = 1;
}

const reports = existsSync(reportFile)
  ? readFileSync(reportFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line))
  : [];
const markdown = render(reports, { minutes, passed, failed });
process.stdout.write(`\n${markdown}\n`);

if (failed === 0 && run.status === 0 && reports.length > 0 && existsSync(docFile)) {
  const doc = readFileSync(docFile, 'utf8');
  const begin = '<!-- soak:begin -->';
  const end = '<!-- soak:end -->';
  const from = doc.indexOf(begin);
  const to = doc.indexOf(end);
  if (from >= 0 && to > from) {
    writeFileSync(docFile, `${doc.slice(0, from + begin.length)}\n${markdown}\n${doc.slice(to)}`);
    process.stdout.write(`figures written to ${docFile}\n`);
  }
} else {
  process.stdout.write(`docs/RELIABILITY.md left unchanged (the run did not pass); report: ${reportFile}\n`);
}
if (failed === 0 && run.status === 0) rmSync(work, { recursive: true, force: true });
process.stdout.write(`\n${passed} passed, ${failed} failed\n`);
process.exit(run.status === 0 && failed === 0 ? 0 : 1);

function n(x) {
  return Number(x ?? 0).toLocaleString('en-US');
}

function render(all, run) {
  const date = new Date().toISOString().slice(0, 10);
  const lines = [
    `Last soak run: ${date}, \`npm run soak\`, ${run.minutes} min in all, ${run.passed} tests passed, ${run.failed} failed.`,
    `Machine: ${process.platform} ${process.arch}, Node ${process.versions.node}, ${cpuCount()} cores.`,
    '',
    '| scenario | fault | ack | acknowledged | lost | duplicated (read / raw head) | phantom | unacknowledged (stored) | answers | write latency p50 / p99 / max |',
    '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | --- | --- |',
  ];
  const scenarios = all.filter((r) => r.kind === 'scenario');
  for (const r of scenarios) {
    for (const m of r.modes) {
      const answers = Object.entries(m.statuses)
        .map(([s, c]) => `${s}: ${n(c)}`)
        .join(', ');
      const lost =
        m.ack === 'buffered' && m.lost > 0
          ? `${n(m.lost)} (all acknowledged ≤ ${m.lossWindowMs} ms before a kill)`
          : n(m.lost);
      lines.push(
        `| ${r.scenario} | ${r.fault} | ${m.ack} | ${n(m.acked)} | ${lost} | ${n(m.duplicatedRead)} / ${n(m.duplicatedRaw)} | ${n(m.phantom)} | ${n(m.unacked)} (${n(m.unackedStored)}) | ${answers} | ${m.latency.p50} / ${m.latency.p99} / ${m.latency.max} ms |`,
      );
    }
  }
  lines.push(
    '',
    '| scenario | run time | server starts | server max RSS | where durable writes went | notes |',
  );
  lines.push('| --- | ---: | ---: | ---: | --- | --- |');
  for (const r of scenarios) {
    const durable = r.modes.find((m) => m.ack === 'durable');
    const where = Object.entries(durable?.stored ?? {})
      .map(([k, v]) => `${k}: ${n(v)}`)
      .join(', ');
    const notes = Object.entries(r.notes ?? {})
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    lines.push(
      `| ${r.scenario} | ${r.seconds} s | ${r.server.starts} | ${r.server.maxRssMb} MB | ${where} | ${notes} |`,
    );
  }
  for (const f of all.filter((r) => r.kind === 'fuzz')) {
    const total = {};
    for (const byStatus of Object.values(f.statuses)) {
      for (const [s, c] of Object.entries(byStatus)) total[s] = (total[s] ?? 0) + c;
    }
    const classes = Object.entries(total)
      .sort(([a], [b]) => Number(a) - Number(b))
      .map(([s, c]) => `${s}: ${n(c)}`)
      .join(', ');
    const fivexx = Object.entries(total)
      .filter(([s]) => Number(s) >= 500)
      .reduce((sum, [, c]) => sum + c, 0);
    lines.push(
      '',
      `Fuzzing: ${n(f.cases)} cases over ${Object.keys(f.statuses).length} routes (plus warm-up); ${fivexx} answers ≥ 500; ` +
        `${f.unhandled} unhandled rejections; RSS ${f.rssStartMb} → ${f.rssEndMb} MB and JS heap ` +
        `${f.heapStartMb} → ${f.heapEndMb} MB from the end of the warm-up to the end. Answers: ${classes}.`,
    );
  }
  return lines.join('\n');
}

function cpuCount() {
  try {
    return readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('processor')).length;
  } catch {
    return '?';
  }
}
