import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { type Config, createLogger, type Logger } from '../config/index.ts';
import type { SampleFormat } from '../contract/index.ts';
import { RedisTenancy } from '../tenancy/index.ts';
import { exportLines, lastMaintenance, runMaintenance, sealHost } from '../tsdb/index.ts';
import { hostRegistrar } from './host-registrar.ts';
import { DEFAULT_ORG, importFile } from './import.ts';
import { checkImportOrg } from './import-hosts.ts';
import { configOrExit } from './server.ts';
import { openStorage, type Storage } from './storage.ts';

/** Runs a one-shot job against storage; any failure prints one line and exits non-zero. */
async function withStorage(
  job: string,
  fn: (storage: Storage, config: Config, logger: Logger) => Promise<number>,
): Promise<void> {
  const config = configOrExit(process.env);
  if (!config) return;
  const logger = createLogger(
    { logLevel: config.server.logLevel === 'info' ? 'warn' : config.server.logLevel },
    'stderr',
  );
  let storage: Storage | undefined;
  try {
    storage = await openStorage(config, logger, job);
    process.exitCode = await fn(storage, config, logger);
  } catch (err: unknown) {
    process.stderr.write(`vitals ${job}: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  } finally {
    await storage?.close();
  }
}

/** A time given as ms since epoch, an ISO date, or `now-<duration>` such as `now-7d`. */
export function parseTime(value: string, now = Date.now()): number {
  if (/^\d+$/.test(value)) return Number(value);
  const rel = /^now(?:-(\d+)([smhd]))?$/.exec(value);
  if (rel)
    return (
      now -
      (rel[1] ? Number(rel[1]) * { s: 1e3, m: 6e4, h: 36e5, d: 864e5 }[rel[2] as 's' | 'm' | 'h' | 'd'] : 0)
    );
  const parsed = Date.parse(value);
  if (Number.isNaN(parsed))
    throw new Error(`cannot read time "${value}": use ms since epoch, an ISO date or now-7d`);
  return parsed;
}

export interface ImportCliOptions {
  format: SampleFormat;
  org?: string;
  host?: string;
  strict?: boolean;
  progress?: boolean;
}

export function runImport(file: string, opts: ImportCliOptions): Promise<void> {
  return withStorage('import', async (storage, config, logger) => {
    const org = opts.org ?? DEFAULT_ORG;
    // Hosts are registered as a push registers them, and every running server lists them at once.
    // No secret keys: a host registered here holds no collector secrets to seal.
    const tenancy = new RedisTenancy({
      redis: storage.redis,
      keys: storage.keys,
      logger,
      hosts: { autoRegister: config.api.autoRegisterHosts },
    });
    await checkImportOrg(tenancy, org);
    const report = await importFile(
      storage,
      {
        file,
        format: opts.format,
        org,
        host: opts.host,
        strict: Boolean(opts.strict),
        progress: opts.progress !== false && process.stderr.isTTY,
      },
      {
        registrar: hostRegistrar(tenancy, config.api.autoRegisterHosts),
        seal: (o, h) => sealHost(storage.tsdb.ctx, o, h, { upTo: Date.now() }),
      },
    ).finally(() => tenancy.close());
    for (const e of report.errors) process.stderr.write(`line ${e.line}: ${e.message}: ${e.text}\n`);
    if (opts.strict && report.skipped > 0) {
      process.stderr.write(`--strict: ${report.skipped} bad line(s); nothing was written\n`);
      return 1;
    }
    process.stdout.write(
      `imported ${report.samples} samples for ${report.hosts.length} host(s) of org ${org}; skipped ${report.skipped} bad line(s)\n`,
    );
    return 0;
  });
}

export interface ExportCliOptions {
  format: SampleFormat;
  org?: string;
  host?: string[];
  from?: string;
  to?: string;
  output?: string;
}

export function runExport(opts: ExportCliOptions): Promise<void> {
  return withStorage('export', async (storage) => {
    const now = Date.now();
    const from = opts.from ? parseTime(opts.from, now) : now - storage.tsdb.ctx.options.retentionMs.raw;
    const to = opts.to ? parseTime(opts.to, now) : now;
    const out: Writable = opts.output ? createWriteStream(opts.output) : process.stdout;
    const lines = exportLines(storage.tsdb.ctx, {
      format: opts.format,
      org: opts.org ?? DEFAULT_ORG,
      hosts: opts.host ?? [],
      from,
      to,
    });
    await writeLines(lines, out);
    if (opts.output)
      await new Promise<void>((resolve, reject) =>
        out.end((err?: Error | null) => (err ? reject(err) : resolve())),
      );
    return 0;
  });
}

/**
 * Writes lines with back-pressure, so a huge export streams instead of piling up in memory. A reader
 * that went away (`vitals export … | head`) ends the export quietly; any other write error is thrown.
 */
export async function writeLines(lines: AsyncIterable<string>, out: Writable): Promise<void> {
  const stopped = new AbortController();
  let failure: unknown;
  // Stays attached: a write still queued when the reader left reports EPIPE later, and must not crash.
  out.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') failure ??= err;
    stopped.abort();
  });
  for await (const line of lines) {
    if (stopped.signal.aborted) break;
    if (!out.write(`${line}\n`)) await once(out, 'drain', { signal: stopped.signal }).catch(() => undefined);
  }
  if (failure !== undefined) throw failure;
}

/** Maintenance figures as people read them: times as ISO 8601 (UTC) instead of ms since epoch. */
export function readableMaintenance<T extends { lastRunAt: number }>(
  figures: T,
): Omit<T, 'lastRunAt'> & { lastRunAt: string } {
  return { ...figures, lastRunAt: new Date(figures.lastRunAt).toISOString() };
}

export function runMaintenanceNow(): Promise<void> {
  return withStorage('maintenance', async (storage) => {
    const run = await runMaintenance(storage.tsdb.ctx);
    const { failureDetails, ...figures } = run;
    process.stdout.write(`${JSON.stringify(readableMaintenance(figures), null, 2)}\n`);
    for (const f of failureDetails) process.stderr.write(`failed: ${JSON.stringify(f)}\n`);
    return failureDetails.length > 0 ? 1 : 0;
  });
}

export function showMaintenance(): Promise<void> {
  return withStorage('maintenance', async (storage) => {
    const last = await lastMaintenance(storage.tsdb.ctx);
    process.stdout.write(`${JSON.stringify(last ? readableMaintenance(last) : null, null, 2)}\n`);
    return 0;
  });
}
