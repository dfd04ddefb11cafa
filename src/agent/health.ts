import { randomUUID } from 'node:crypto';
import { accessSync, constants, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import type { IngestRequest } from '../contract/wire.ts';
import { errorMessage, httpSend } from './http.ts';
import { classify } from './ingest-client.ts';
import type { AgentSettings } from './settings.ts';
import { inspectSpool } from './spool-files.ts';

export interface HealthCheck {
  readonly name: 'spool' | 'server' | 'token';
  readonly ok: boolean;
  readonly detail: string;
}

/** Exit codes of `vitals agent` and `vitals agent health`. */
export const EXIT = { ok: 0, failed: 1, badSettings: 2, tokenRejected: 3 } as const;

function spoolCheck(dir: string): HealthCheck {
  try {
    const existing = existsSync(dir);
    accessSync(existing ? dir : dirname(dir), constants.W_OK);
    if (!existing) return { name: 'spool', ok: true, detail: `${dir} will be created` };
    const { pendingSnapshots, bytes } = inspectSpool(dir);
    return {
      name: 'spool',
      ok: true,
      detail: `${dir}: ${pendingSnapshots} snapshots waiting (${bytes} bytes)`,
    };
  } catch (err: unknown) {
    return {
      name: 'spool',
      ok: false,
      detail: `${dir} is not writable: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
}

async function reachable(settings: AgentSettings): Promise<HealthCheck> {
  const started = performance.now();
  try {
    const res = await httpSend({
      method: 'GET',
      url: `${settings.server}/livez`,
      timeoutMs: settings.timeoutMs,
    });
    const ms = Math.round(performance.now() - started);
    const ok = res.status >= 200 && res.status < 300;
    return {
      name: 'server',
      ok,
      detail: `GET /livez answered ${res.status} in ${ms} ms${ok ? '' : `: ${errorMessage(res)}`}`,
    };
  } catch (err: unknown) {
    return {
      name: 'server',
      ok: false,
      detail: `${settings.server} cannot be reached: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
}

/**
 * Proves the token by pushing this host with no samples: the agent's own first push registers the
 * host anyway, so nothing changes that the agent would not change.
 */
async function tokenCheck(settings: AgentSettings): Promise<HealthCheck & { rejected: boolean }> {
  const body: IngestRequest = { hosts: [{ host: settings.hostId, name: settings.name, snapshots: [] }] };
  try {
    const res = await httpSend({
      method: 'POST',
      url: `${settings.server}/api/v1/ingest`,
      headers: {
        authorization: `Bearer ${settings.token}`,
        'content-type': 'application/json',
        'idempotency-key': randomUUID(),
      },
      body: Buffer.from(JSON.stringify(body)),
      timeoutMs: settings.timeoutMs,
    });
    const outcome = classify(res);
    const ok = outcome.kind === 'stored';
    const detail = `POST /api/v1/ingest answered ${res.status}${ok ? ': the token may ingest' : `: ${errorMessage(res)}`}`;
    return { name: 'token', ok, detail, rejected: outcome.kind === 'fatal' };
  } catch (err: unknown) {
    return {
      name: 'token',
      ok: false,
      detail: `not checked: ${err instanceof Error ? err.message : String(err)}`,
      rejected: false,
    };
  }
}

/** `vitals agent health`: the spool, the server's liveness and the token. Exit 0 only when all pass. */
export async function checkHealth(
  settings: AgentSettings,
): Promise<{ checks: HealthCheck[]; exitCode: number }> {
  const spool = spoolCheck(settings.spoolDir);
  const server = await reachable(settings);
  const token = server.ok ? await tokenCheck(settings) : undefined;
  const checks = [
    spool,
    server,
    token ?? { name: 'token' as const, ok: false, detail: 'not checked: the server is unreachable' },
  ];
  const exitCode = token?.rejected ? EXIT.tokenRejected : checks.every((c) => c.ok) ? EXIT.ok : EXIT.failed;
  return { checks, exitCode };
}
