// Agent cost: CPU (% of one core) and RSS of `vitals agent` at a 5 s interval, measured from
// /proc/<pid>/stat and /proc/<pid>/status over at least a minute, against a local HTTP sink that
// answers 200. Run alone: `node --import tsx bench/agent.ts [seconds]`; `agentBench()` for `npm run bench`.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Figure } from './report.ts';

const SECTION = 'Agent';
const root = new URL('..', import.meta.url).pathname;
const BUILD = join(root, 'node_modules/.cache/vitals-agent-build');

export interface AgentBenchOptions {
  /** Measured window, after the warm-up. @defaultValue 60000 */
  readonly durationMs?: number;
  /** @defaultValue 5000 */
  readonly intervalMs?: number;
  /** Start-up (module loading, first JIT) left out of the figures. @defaultValue 10000 */
  readonly warmupMs?: number;
  /** `compiled`: the agent built to JS, as installed; `tsx`: straight from the sources. @defaultValue 'compiled' */
  readonly mode?: 'compiled' | 'tsx';
  /** `node` flags. @defaultValue `['--max-semi-space-size=1']`, as docs/vitals-agent.service runs it */
  readonly nodeFlags?: readonly string[];
}

/** Compiles the agent and the contract modules it imports (nothing else) to JS. */
function buildAgent(): string {
  const flags = ['--ignoreConfig', '--outDir', BUILD, '--rootDir', join(root, 'src'), '--module', 'nodenext'];
  flags.push('--moduleResolution', 'nodenext', '--target', 'es2023', '--rewriteRelativeImportExtensions');
  flags.push('--allowImportingTsExtensions', '--verbatimModuleSyntax', '--skipLibCheck', '--types', 'node');
  execFileSync(join(root, 'node_modules/.bin/tsc'), [...flags, join(root, 'src/agent/main.ts')], {
    cwd: root,
  });
  return join(BUILD, 'agent/main.js');
}

/** CPU ticks (user + system) and RSS in kB of a process and its descendants. */
function usage(pid: number): { ticks: number; rssKb: number } {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // exited meanwhile
    }
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) {
    for (const [child, parent] of parents) if (parent === tree[i]) tree.push(child);
  }
  let ticks = 0;
  let rssKb = 0;
  for (const p of tree) {
    const text = readFileSync(`/proc/${p}/stat`, 'utf8');
    const stat = text.slice(text.lastIndexOf(')') + 2).split(' ');
    ticks += Number(stat[11]) + Number(stat[12]);
    rssKb += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0);
  }
  return { ticks, rssKb };
}

function clockTicks(): number {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
}

async function sink(): Promise<{ url: string; snapshots: () => number; close: () => Promise<void> }> {
  let snapshots = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req
      .on('data', (c: Buffer) => chunks.push(c))
      .on('end', () => {
        if (req.url === '/api/v1/ingest') {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
            hosts: { snapshots?: unknown[] }[];
          };
          snapshots += body.hosts.reduce((n, h) => n + (h.snapshots?.length ?? 0), 0);
        }
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end('{"samples":0,"hosts":1,"stored":"redis"}');
      });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    snapshots: () => snapshots,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function agentBench(options: AgentBenchOptions = {}): Promise<Figure[]> {
  const {
    durationMs = 60_000,
    intervalMs = 5000,
    warmupMs = 10_000,
    mode = 'compiled',
    nodeFlags = ['--max-semi-space-size=1'],
  } = options;
  const http = await sink();
  const entry = mode === 'compiled' ? [buildAgent()] : ['--import', 'tsx', join(root, 'src/agent/main.ts')];
  const args = [
    ...nodeFlags,
    ...entry,
    '--server',
    http.url,
    '--token',
    'vt_bench',
    '--interval',
    `${intervalMs}ms`,
  ];
  args.push('--spool-dir', mkdtempSync(join(tmpdir(), 'vitals-agent-bench-')), '--log-level', 'warn');
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const pid = child.pid ?? 0;
  try {
    await sleep(warmupMs);
    const first = usage(pid);
    const startedAt = performance.now();
    const rss: number[] = [first.rssKb];
    const sent = http.snapshots();
    while (performance.now() - startedAt < durationMs) {
      await sleep(Math.min(1000, durationMs - (performance.now() - startedAt)));
      rss.push(usage(pid).rssKb);
    }
    const last = usage(pid);
    const seconds = (performance.now() - startedAt) / 1000;
    const cpuPct = ((last.ticks - first.ticks) / clockTicks() / seconds) * 100;
    const mb = (kb: number) => kb / 1024;
    const form = `${mode === 'compiled' ? 'compiled JS' : 'tsx from sources'}${nodeFlags.length > 0 ? ` ${nodeFlags.join(' ')}` : ''}`;
    const note = `${form}, ${Math.round(seconds)} s, ${http.snapshots() - sent} snapshots sent`;
    return [
      {
        section: SECTION,
        name: `agent CPU at a ${intervalMs / 1000} s interval`,
        value: cpuPct,
        unit: '% of one core',
        target: { op: '≤', value: 1 },
        note,
      },
      {
        section: SECTION,
        name: 'agent RSS, peak',
        value: mb(Math.max(...rss)),
        unit: 'MB',
        target: { op: '≤', value: 60 },
        note,
      },
      {
        section: SECTION,
        name: 'agent RSS, mean',
        value: mb(rss.reduce((a, b) => a + b, 0) / rss.length),
        unit: 'MB',
        note,
      },
    ];
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
    await http.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const seconds = Number(process.argv[2] ?? 60);
  const forms: AgentBenchOptions[] = [
    { mode: 'compiled' },
    { mode: 'compiled', nodeFlags: [] },
    { mode: 'tsx' },
  ];
  for (const form of forms) {
    for (const f of await agentBench({ ...form, durationMs: seconds * 1000 })) {
      process.stdout.write(`${f.section} | ${f.name}: ${f.value.toFixed(3)} ${f.unit} (${f.note ?? ''})\n`);
    }
  }
}
