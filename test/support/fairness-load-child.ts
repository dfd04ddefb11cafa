// One org at its limits, for test/support/fairness.ts, in its own process so that its own work does not
// run on the server's event loop. On `start` it opens live streams, keeps exports running back to back
// and hammers a route, each a few more than the org's limits allow and without ever waiting out a
// refusal. `pause` stops the load (requests in flight are dropped, no new ones; the live streams stay
// open and idle), `resume` takes it up again: the test switches between the two often, so that both
// conditions see the same machine. `stop` closes everything and reports what it got. Driven over IPC.
import http from 'node:http';

export interface LoadPlan {
  readonly url: string;
  /** Tokens of the loading org; work is spread over them round-robin. */
  readonly tokens: readonly string[];
  readonly host: string;
  /** Live streams to try to hold open. */
  readonly streams: number;
  /** Export loops to run (each starts the next export as soon as one ends or is refused). */
  readonly exports: number;
  /** Requests kept in flight against `hammerPath`. */
  readonly hammer: number;
  readonly hammerPath: string;
}

export interface LoadReport {
  /** Status codes seen per kind of work, e.g. `{ live: { 200: 5, 429: 2 } }`. */
  readonly statuses: Record<string, Record<number, number>>;
  /** Bytes of export bodies received. */
  readonly exportBytes: number;
}

type Command = { cmd: 'start'; plan: LoadPlan } | { cmd: 'pause' | 'resume' | 'stop' | 'exit' };

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
let running = false;
let paused = false;
let resumed: Promise<void> = Promise.resolve();
let wake = () => {};
const open = new Set<http.ClientRequest>();
/** Requests dropped on `pause`: everything but the live streams. */
const work = new Set<http.ClientRequest>();
const statuses: Record<string, Record<number, number>> = {};
let exportBytes = 0;

function count(kind: string, status: number): void {
  const seen = statuses[kind] ?? {};
  seen[status] = (seen[status] ?? 0) + 1;
  statuses[kind] = seen;
}

/** One GET; resolves once its response closed (a held stream: once it answered 200). */
function get(plan: LoadPlan, path: string, token: string, kind: string, hold = false): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      open.delete(req);
      work.delete(req);
      resolve();
    };
    const req = http.get(
      `${plan.url}${path}`,
      { agent, headers: { authorization: `Bearer ${token}` } },
      (res) => {
        count(kind, res.statusCode ?? 0);
        res.on('data', (chunk: Buffer) => {
          if (kind === 'export') exportBytes += chunk.length;
        });
        res.on('close', done);
        if (hold && res.statusCode === 200) resolve();
      },
    );
    open.add(req);
    if (!hold) work.add(req);
    req.on('error', done);
  });
}

async function loop(step: () => Promise<void>): Promise<void> {
  while (running) {
    await resumed;
    if (running) await step();
  }
}

function pause(): void {
  if (paused) return;
  paused = true;
  resumed = new Promise((resolve) => {
    wake = resolve;
  });
  for (const req of work) req.destroy();
}

function resume(): void {
  paused = false;
  wake();
}

function start(plan: LoadPlan): void {
  running = true;
  const token = (i: number) => plan.tokens[i % plan.tokens.length] as string;
  for (let i = 0; i < plan.streams; i++) void get(plan, '/api/v1/live', token(i), 'live', true);
  for (let i = 0; i < plan.exports; i++) {
    void loop(() => get(plan, `/api/v1/hosts/${plan.host}/export?format=csv`, token(i), 'export'));
  }
  for (let i = 0; i < plan.hammer; i++) void loop(() => get(plan, plan.hammerPath, token(i), 'hammer'));
}

function stop(): LoadReport {
  running = false;
  resume();
  for (const req of open) req.destroy();
  open.clear();
  const report = { statuses: structuredClone(statuses), exportBytes };
  for (const kind of Object.keys(statuses)) delete statuses[kind];
  exportBytes = 0;
  return report;
}

process.on('message', (message: Command) => {
  if (message.cmd === 'start') {
    start(message.plan);
    process.send?.({ started: true });
  } else if (message.cmd === 'pause' || message.cmd === 'resume') {
    if (message.cmd === 'pause') pause();
    else resume();
    process.send?.({ [message.cmd]: true });
  } else if (message.cmd === 'stop') {
    process.send?.({ report: stop() });
  } else {
    agent.destroy();
    process.exit(0);
  }
});
process.send?.({ ready: true });
