/**
 * Warm-up to a steady rate. V8 compiles a server's hot paths over its first thousands of calls: on
 * 2026-12-06 a Vitals server's CPU per newest-value query fell from 0.40 to 0.08 ms over its first
 * 5,000 queries, and a 30-day aggregate from 8.6 to ~4 ms over its first 150, while a compiled peer is
 * steady from its first request. A warm-up of a fixed count measures one system's warm-up against
 * another's steady state; a figure is taken once every subject is steady.
 *
 * `block()` runs one block of calls and returns one figure per subject, lower being better (a median
 * time, CPU per call). Blocks run until `patience` blocks in a row leave every subject's figure no
 * more than `tolerance` below the lowest it had before them (at most `maxBlocks`): one block without
 * a new low is not enough, as this machine's noise can hide a few percent of compilation still to
 * come. Returns the blocks run and each subject's figures, block by block, for the report.
 */
export async function warmUntilSteady<K>(
  block: () => Promise<ReadonlyMap<K, number>>,
  opts: { readonly tolerance?: number; readonly patience?: number; readonly maxBlocks: number },
): Promise<{ blocks: number; history: Map<K, number[]> }> {
  const tolerance = opts.tolerance ?? 0.05;
  const patience = opts.patience ?? 2;
  const history = new Map<K, number[]>();
  let calm = 0;
  for (let b = 1; b <= opts.maxBlocks; b++) {
    const figures = await block();
    let improving = b < 2;
    for (const [subject, figure] of figures) {
      const before = history.get(subject) ?? [];
      if (before.length > 0 && figure < (1 - tolerance) * Math.min(...before)) improving = true;
      history.set(subject, [...before, figure]);
    }
    calm = improving ? 0 : calm + 1;
    if (calm >= patience) return { blocks: b, history };
  }
  return { blocks: opts.maxBlocks, history };
}

/** "4 blocks: 0.40 → 0.26 → 0.09 → 0.08" per subject, for a figure's note. */
export function warmNote<K>(history: ReadonlyMap<K, number[]>, digits = 2): string {
  return [...history]
    .map(([subject, figures]) => `${String(subject)} ${figures.map((f) => f.toFixed(digits)).join(' → ')}`)
    .join('; ');
}
