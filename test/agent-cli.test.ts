import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeIngest } from '../src/agent/test-support.ts';
import type { IngestRequest } from '../src/contract/index.ts';

const root = new URL('..', import.meta.url).pathname;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the agent's own entry (the same command as `vitals agent`) with a clean agent environment. */
async function agent(args: string[], untilExit = true): Promise<Run & { kill: () => Promise<Run> }> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITALS_AGENT_')));
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src/agent/main.ts'), ...args], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const run: Run = { code: null, stdout: '', stderr: '' };
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    run.stdout += d;
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    run.stderr += d;
  });
  const exited = once(child, 'exit').then(([code]) => {
    run.code = code as number | null;
    return run;
  });
  if (untilExit) await exited;
  return {
    ...run,
    get code() {
      return run.code;
    },
    get stdout() {
      return run.stdout;
    },
    get stderr() {
      return run.stderr;
    },
    kill: () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

const spool = () => mkdtempSync(join(tmpdir(), 'vitals-agent-cli-'));
const peers: FakeIngest[] = [];
afterEach(async () => {
  for (const p of peers.splice(0)) await p.close();
});
async function peer(): Promise<FakeIngest> {
  const p = await new FakeIngest().listen(0);
  peers.push(p);
  return p;
}

describe('vitals agent (process)', () => {
  it('prints one collection as the request body and exits 0 when run with --once', async () => {
    const run = await agent(['--once', '--host-id', 'cli-test', '--labels', 'env=test']);
    expect(run.code).toBe(0);
    const body = JSON.parse(run.stdout) as IngestRequest;
    expect(body.hosts[0]).toMatchObject({ host: 'cli-test', labels: { env: 'test' } });
    const metrics = body.hosts[0]?.snapshots?.[0]?.metrics ?? {};
    expect(metrics['cpu.usage']).toBeGreaterThanOrEqual(0);
    expect(metrics['mem.used_pct']).toBeGreaterThan(0);
  });

  it('exits 2 listing every problem when the settings are invalid', async () => {
    const run = await agent(['--interval', 'often', '--server', 'ftp://x']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--interval');
    expect(run.stderr).toContain('--server: expected an http:// or https:// URL');
    expect(run.stderr).toContain('--token / VITALS_AGENT_TOKEN (or --token-file): required');
  });

  it('exits 3 naming the token when the server refuses it', async () => {
    const server = await peer();
    server.fallback = {
      status: 401,
      body: { error: { code: 'unauthorized', message: 'missing or invalid bearer token' } },
    };
    const run = await agent([
      '--server',
      server.url,
      '--token',
      'vt_wrong',
      '--interval',
      '1s',
      '--spool-dir',
      spool(),
    ]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('refused the token (HTTP 401');
    expect(run.stdout + run.stderr).not.toContain('vt_wrong');
  });

  it('pushes snapshots and exits 0 on SIGTERM when the server accepts them', async () => {
    const server = await peer();
    const running = await agent(
      ['--server', server.url, '--token', 'vt_ok', '--interval', '1s', '--spool-dir', spool()],
      false,
    );
    const deadline = Date.now() + 10_000;
    while (server.stored.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const run = await running.kill();
    expect(run.code).toBe(0);
    expect(server.stored.length).toBeGreaterThanOrEqual(2);
    expect(server.received[0]?.authorization).toBe('Bearer vt_ok');
  });

  it('health exits 0 when the server answers and accepts the token', async () => {
    const server = await peer();
    const run = await agent(['health', '--server', server.url, '--token', 'vt_ok', '--spool-dir', spool()]);
    expect(run.stdout).toMatch(/server +ok/);
    expect(run.stdout).toMatch(/token +ok/);
    expect(run.code).toBe(0);
  });

  it('health exits 1 when the server cannot be reached', async () => {
    const server = await peer();
    await server.close();
    peers.splice(peers.indexOf(server), 1);
    const run = await agent(['health', '--server', server.url, '--token', 'vt_ok', '--spool-dir', spool()]);
    expect(run.stdout).toMatch(/server +FAIL/);
    expect(run.code).toBe(1);
  });

  it('health exits 3 when the server refuses the token', async () => {
    const server = await peer();
    server.fallback = {
      status: 403,
      body: { error: { code: 'forbidden', message: 'this token lacks the "ingest" scope' } },
    };
    const run = await agent(['health', '--server', server.url, '--token', 'vt_read', '--spool-dir', spool()]);
    expect(run.stdout).toMatch(/token +FAIL .*ingest/);
    expect(run.code).toBe(3);
  });
});
