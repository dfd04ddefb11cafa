import { captureColumns } from '../capture/columns.ts';
import { extendCapture } from '../capture/extend.ts';
import type { Capture } from '../capture/format.ts';
import { startInflux } from '../peers/influx.ts';
import { removeDir, tempDir } from '../peers/proc.ts';
import type { PeerFigure } from '../peers/report.ts';
import { storeEverywhere } from '../peers/store.ts';
import type { SampleStore } from '../peers/system.ts';
import { startVictoria } from '../peers/victoria.ts';
import { startVitalsDirect } from '../peers/vitals-direct.ts';
import { BEHIND, perSample, STORAGE } from './peers-capture.ts';

const STEP_MS = 5000;

/** The capture replayed to `days` days at 5 s (`bench/capture/extend.ts`), ending where it begins. */
export async function extensionFigures(
  capture: Capture,
  shiftMs: number,
  opts: { days: number; seed: number },
): Promise<PeerFigure> {
  const end = (capture.scrapes[0]?.timestamp ?? 0) + shiftMs;
  const extension = extendCapture(captureColumns(capture), {
    end,
    days: opts.days,
    stepMs: STEP_MS,
    seed: opts.seed,
  });
  const workDir = tempDir('extension');
  const systems: SampleStore[] = [];
  try {
    systems.push(await startVitalsDirect(capture.series), await startVictoria(), await startInflux());
    // Bodies of 20 steps (about 10,000 samples); two in flight keep the machine usable meanwhile.
    const stored = await storeEverywhere(extension.rows(), capture.series, systems, {
      rowsPerBody: 20,
      inFlight: 2,
      workDir,
      label: 'extension',
    });
    return {
      section: STORAGE,
      name: `synthetic extension: ${stored.samples.toLocaleString('en-US')} samples, the capture replayed to ${opts.days} days at 5 s`,
      unit: 'B/sample',
      better: 'lower',
      values: perSample(stored.bytes, stored.samples),
      behind: BEHIND.extension,
    };
  } finally {
    for (const s of systems) await s.close();
    removeDir(workDir);
  }
}

/** Parts of the capture one day is replayed from, to see what each system makes of repetition. */
const POOLS = [
  { name: 'the whole capture', from: 0, to: 1 },
  { name: 'its first half', from: 0, to: 0.5 },
  { name: 'its second half', from: 0.5, to: 1 },
] as const;

/**
 * One day at 5 s replayed from the whole capture and from each of its halves, stored by Vitals and
 * VictoriaMetrics. The extension copies segments of the capture, so a smaller pool repeats the same
 * value sequences more often: a system whose bytes fall with the pool compresses the repetition, which
 * months of real data would not give it.
 */
export async function poolFigures(capture: Capture, shiftMs: number, seed: number): Promise<PeerFigure[]> {
  const end = (capture.scrapes[0]?.timestamp ?? 0) + shiftMs;
  const n = capture.scrapes.length;
  const out: PeerFigure[] = [];
  for (const pool of POOLS) {
    const scrapes = capture.scrapes.slice(Math.floor(pool.from * n), Math.floor(pool.to * n));
    const extension = extendCapture(captureColumns({ ...capture, scrapes }), {
      end,
      days: 1,
      stepMs: STEP_MS,
      seed,
    });
    const workDir = tempDir('pool');
    const systems: SampleStore[] = [];
    try {
      systems.push(await startVitalsDirect(capture.series), await startVictoria());
      const stored = await storeEverywhere(extension.rows(), capture.series, systems, {
        rowsPerBody: 20,
        inFlight: 2,
        workDir,
        label: `one day from ${pool.name}`,
      });
      const minutes = Math.round(((scrapes.at(-1)?.timestamp ?? 0) - (scrapes[0]?.timestamp ?? 0)) / 60_000);
      out.push({
        section: STORAGE,
        name: `the same replayed to 1 day from ${pool.name} (${minutes} min): ${stored.samples.toLocaleString('en-US')} samples`,
        unit: 'B/sample',
        better: 'lower',
        values: perSample(stored.bytes, stored.samples),
        behind: BEHIND.pool,
      });
    } finally {
      for (const s of systems) await s.close();
      removeDir(workDir);
    }
  }
  return out;
}
