import { closeSync, openSync, writeSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Row } from '../capture/columns.ts';
import { linePrefixes, rowsToLines, rowsToOpenMetrics } from './payloads.ts';
import { BACKFILL_BLOCK_HOURS, backfill, blockBytes } from './prometheus.ts';
import type { SampleStore, SystemName } from './system.ts';

export interface Stored {
  /** Samples every system was given (the same for all). */
  readonly samples: number;
  readonly bytes: Readonly<Partial<Record<SystemName, number>>>;
}

export interface StoreOptions {
  /** Scrapes (rows) per request body. */
  readonly rowsPerBody: number;
  /** Bodies in flight at once, each sent to every system at the same time. */
  readonly inFlight: number;
  /** Where promtool's input files and output blocks go. */
  readonly workDir: string;
  /** Named in the progress lines on stderr. */
  readonly label: string;
}

const PROGRESS_EVERY_ROWS = 20_000;

/**
 * Sends the rows to every line-protocol system as the same bodies, and writes them as OpenMetrics
 * files, one per backfill block, each turned into TSDB blocks by promtool as soon as it is complete
 * (while the systems take the next bodies). Then brings every system to rest and weighs what it keeps.
 */
export async function storeEverywhere(
  rows: Iterable<Row>,
  series: readonly string[],
  systems: readonly SampleStore[],
  options: StoreOptions,
): Promise<Stored> {
  const prefixes = linePrefixes(series);
  const blocks = new BlockFiles(options.workDir, series);
  const pending = new Set<Promise<void>>();
  let samples = 0;
  let chunk: Row[] = [];
  const flush = async () => {
    const rowsSent = chunk;
    chunk = [];
    const { text, samples: n } = rowsToLines(rowsSent, prefixes);
    blocks.add(rowsSent);
    samples += n;
    const sent = Promise.all(systems.map((s) => s.write(rowsSent, text))).then(() => undefined);
    pending.add(sent);
    void sent.finally(() => pending.delete(sent)).catch(() => undefined);
    if (pending.size >= options.inFlight) await Promise.race(pending);
  };
  let count = 0;
  const t0 = performance.now();
  const elapsed = () => `${Math.round((performance.now() - t0) / 1000)} s`;
  for (const row of rows) {
    if (++count % PROGRESS_EVERY_ROWS === 0)
      process.stderr.write(
        `peers: ${options.label}: ${count.toLocaleString('en-US')} scrapes sent, ${elapsed()}\n`,
      );
    chunk.push(row);
    if (chunk.length >= options.rowsPerBody) await flush();
  }
  if (chunk.length > 0) await flush();
  await Promise.all(pending);
  await blocks.finish();
  process.stderr.write(
    `peers: ${options.label}: ${samples.toLocaleString('en-US')} samples sent, ${elapsed()}\n`,
  );
  await Promise.all(systems.map((s) => s.settle()));
  process.stderr.write(`peers: ${options.label}: settled, ${elapsed()}\n`);
  const bytes: Partial<Record<SystemName, number>> = { prometheus: blockBytes(blocks.outDir) };
  for (const s of systems) bytes[s.name] = await s.storedBytes();
  return { samples, bytes };
}

/** OpenMetrics files cut at the backfill grid, each handed to promtool once complete (one at a time). */
class BlockFiles {
  readonly outDir: string;
  private readonly blockMs = BACKFILL_BLOCK_HOURS * 3_600_000;
  private fd: number | undefined;
  private block = Number.NaN;
  private files = 0;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly workDir: string,
    private readonly series: readonly string[],
  ) {
    this.outDir = join(workDir, 'blocks');
  }

  add(rows: readonly Row[]): void {
    let from = 0;
    rows.forEach((row, i) => {
      const block = Math.floor(row.timestamp / this.blockMs);
      if (block === this.block) return;
      this.write(rows.slice(from, i));
      from = i;
      this.cut(block);
    });
    this.write(rows.slice(from));
  }

  async finish(): Promise<void> {
    this.cut(Number.NaN);
    await this.running;
  }

  private write(rows: readonly Row[]): void {
    if (rows.length > 0 && this.fd !== undefined) writeSync(this.fd, rowsToOpenMetrics(rows, this.series));
  }

  /** Ends the current file (handing it to promtool after the previous one) and starts the next. */
  private cut(block: number): void {
    if (this.fd !== undefined) {
      writeSync(this.fd, '# EOF\n');
      closeSync(this.fd);
      const file = join(this.workDir, `block-${this.files}.om`);
      const previous = this.running;
      this.running = previous
        .then(() => backfill(file, this.outDir, BACKFILL_BLOCK_HOURS))
        .then(() => rm(file, { force: true }));
      // Surfaces a failed backfill at `finish` even when no other step awaits it first.
      this.running.catch(() => undefined);
      this.files++;
      this.fd = undefined;
    }
    this.block = block;
    if (!Number.isNaN(block)) this.fd = openSync(join(this.workDir, `block-${this.files}.om`), 'w');
  }
}
