import { HI, LO } from './float-words.ts';
import { INT_LIMIT } from './ints.ts';

/**
 * Largest number of decimals the decimal mode tries. Agents report at most 6; exporters print up to
 * 9 (`go_gc_duration_seconds`, `node_pressure_*`) or shortest round-trip forms such as `1.2345e-05`,
 * which need more. 15 keeps every 10^k an exact double; the scaled integers must still stay below
 * INT_LIMIT, so large values with many decimals fall back to XOR as before.
 */
export const MAX_SCALE = 15;

/** 10^k as exact doubles; the decoder divides by the same constants the encoder checked with. */
export const POW10: readonly number[] = Array.from({ length: MAX_SCALE + 1 }, (_, k) => 10 ** k);

export interface ScaledColumn {
  scale: number;
  /** Scaled integers; at a patched position, a copy of the previous integer (so its delta is 0). */
  ints: Float64Array;
  /** Positions whose values are not k-decimals (NaN, ±Infinity, -0, more decimals): stored raw. */
  patches: number[];
}

/**
 * Finds scales k in 0..MAX_SCALE such that `Math.round(v * 10^k) / 10^k === v` holds for all values
 * but at most `maxPatches`, with scaled integers below INT_LIMIT, and returns the scaled integers.
 * The exceptions are listed so the caller can store them raw: one NaN or stale marker must not push a
 * whole column into the far costlier XOR mode. Two candidates at most: the smallest scale that works
 * with patches, and the smallest that works without (one 3-decimal value among 1-decimals is cheaper
 * patched; a column that is half 3-decimals is cheaper at scale 3). The caller keeps the smaller.
 */
export function scaledCandidates(values: Float64Array, maxPatches: number): ScaledColumn[] {
  // needs[k] counts values whose smallest fitting scale is k; needs[MAX_SCALE + 1] counts misfits.
  const needs = new Array<number>(MAX_SCALE + 2).fill(0);
  for (let i = 0; i < values.length; i++) {
    const k = smallestScale(values[i] ?? 0);
    needs[k] = (needs[k] ?? 0) + 1;
  }
  const found: ScaledColumn[] = [];
  let above = values.length;
  for (let scale = 0; scale <= MAX_SCALE; scale++) {
    above -= needs[scale] ?? 0;
    if (above > maxPatches || (above > 0 && found.length > 0)) continue;
    // A value that fits at a small scale almost always fits at a larger one, but floating point makes
    // no such promise: scaling checks every value again at the chosen scale.
    const column = scaleAll(values, scale, found.length === 0 ? maxPatches : 0);
    if (column !== undefined) found.push(column);
    if (column !== undefined && column.patches.length === 0) break;
  }
  return found;
}

/** The fewest decimals that write `v` exactly as a scaled integer; MAX_SCALE + 1 when none do. */
export function smallestScale(v: number): number {
  for (let k = 0; k <= MAX_SCALE; k++) if (fits(v, k)) return k;
  return MAX_SCALE + 1;
}

function fits(v: number, scale: number): boolean {
  const p = POW10[scale] ?? 1;
  const s = Math.round(v * p);
  // `s / p === v` rejects NaN and ±Infinity; -0 is rejected explicitly because -0 === 0 and the
  // integer path would give it back as +0.
  return s / p === v && Math.abs(s) < INT_LIMIT && !Object.is(v, -0);
}

function scaleAll(values: Float64Array, scale: number, maxPatches: number): ScaledColumn | undefined {
  const p = POW10[scale] ?? 1;
  const ints = new Float64Array(values.length);
  const patches: number[] = [];
  let prev = Number.NaN;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] ?? 0;
    if (fits(v, scale)) {
      prev = Math.round(v * p);
      ints[i] = prev;
    } else {
      if (patches.length === maxPatches) return undefined;
      patches.push(i);
      ints[i] = prev;
    }
  }
  if (patches.length === values.length) return undefined;
  // Leading patches have no previous integer yet: they copy the first real one instead.
  if (patches[0] === 0) {
    const j = firstUnpatched(patches);
    ints.fill(ints[j] ?? 0, 0, j);
  }
  return { scale, ints, patches };
}

function firstUnpatched(patches: number[]): number {
  let i = 0;
  while (patches[i] === i) i++;
  return i;
}

/** Largest ulp distance a near-decimal value may have from its decimal; farther ones are patched. */
export const NEAR_MAX_ULPS = 2 ** 20;
/** Values probed per scale before a near-decimal scale is tried on the whole column. */
const NEAR_PROBE = 32;
/** Ulp distance every probed value must be within for a scale to be tried. */
const NEAR_PROBE_ULPS = 64;

export interface NearColumn extends ScaledColumn {
  /** Per value, its bit pattern minus that of `ints[i] / 10^scale` (0 at patched positions). */
  corrections: Float64Array;
}

const scratch = new Float64Array(1);
const scratchWords = new Uint32Array(scratch.buffer);

/**
 * Values that are decimals printed through binary arithmetic, such as an exporter's
 * `11.771992000000001` (microseconds × 1e-6): no scale gives them back exactly, but at the scale of
 * their real decimals `round(v * 10^k) / 10^k` lands a few ulps away. The smallest scale at which the
 * first values all land within a few ulps is tried on the whole column: per value the scaled integer
 * and its distance in ulps (the difference of the two bit patterns, which have the same sign), with
 * values farther than NEAR_MAX_ULPS, NaN, ±Infinity and -0 patched as in the exact mode. Undefined
 * when no scale gets within `maxPatches` patches.
 */
export function nearColumn(
  values: Float64Array,
  words: Uint32Array,
  maxPatches: number,
): NearColumn | undefined {
  for (let scale = 0; scale <= MAX_SCALE; scale++) {
    if (!probeNear(values, words, scale)) continue;
    const column = nearAll(values, words, scale, maxPatches);
    if (column !== undefined) return column;
  }
  return undefined;
}

function probeNear(values: Float64Array, words: Uint32Array, scale: number): boolean {
  let probed = 0;
  for (let i = 0; i < values.length && probed < NEAR_PROBE; i++) {
    const c = ulpsFrom(values[i] ?? 0, words, i, scale);
    if (c === undefined) continue;
    if (Math.abs(c) > NEAR_PROBE_ULPS) return false;
    probed++;
  }
  return probed > 0;
}

/** Bit pattern of values[i] minus that of its decimal at `scale`; undefined when they cannot be compared. */
function ulpsFrom(v: number, words: Uint32Array, i: number, scale: number): number | undefined {
  if (!Number.isFinite(v) || Object.is(v, -0)) return undefined;
  const p = POW10[scale] ?? 1;
  const s = Math.round(v * p);
  if (Math.abs(s) >= INT_LIMIT) return undefined;
  // The decoder divides the stored integer, and a stored zero comes back +0: compare with that.
  scratch[0] = s === 0 ? 0 : s / p;
  const hiAt = HI;
  const loAt = LO;
  const hiD = scratchWords[hiAt] ?? 0;
  const hiV = words[2 * i + hiAt] ?? 0;
  // Patterns of opposite signs (or a zero against a non-zero of the other sign) are not ulps apart.
  if (hiD >>> 31 !== hiV >>> 31) return undefined;
  const c = (hiV - hiD) * 2 ** 32 + ((words[2 * i + loAt] ?? 0) - (scratchWords[loAt] ?? 0));
  return Math.abs(c) <= NEAR_MAX_ULPS ? c : undefined;
}

function nearAll(
  values: Float64Array,
  words: Uint32Array,
  scale: number,
  maxPatches: number,
): NearColumn | undefined {
  const p = POW10[scale] ?? 1;
  const n = values.length;
  const ints = new Float64Array(n);
  const corrections = new Float64Array(n);
  const patches: number[] = [];
  let prev = Number.NaN;
  for (let i = 0; i < n; i++) {
    const v = values[i] ?? 0;
    const c = ulpsFrom(v, words, i, scale);
    if (c !== undefined) {
      prev = Math.round(v * p);
      ints[i] = prev;
      corrections[i] = c;
    } else {
      if (patches.length === maxPatches) return undefined;
      patches.push(i);
      ints[i] = prev;
    }
  }
  if (patches.length === n) return undefined;
  if (patches[0] === 0) {
    const j = firstUnpatched(patches);
    ints.fill(ints[j] ?? 0, 0, j);
  }
  return { scale, ints, patches, corrections };
}

/** Adds `c` ulps to the bit pattern of out[i] (c within ±NEAR_MAX_ULPS, so no sign change past zero is asked for). */
export function addUlps(words: Uint32Array, i: number, c: number, hiAt: number, loAt: number): void {
  const lo = (words[2 * i + loAt] ?? 0) + c;
  const carry = Math.floor(lo / 2 ** 32);
  words[2 * i + loAt] = lo - carry * 2 ** 32;
  words[2 * i + hiAt] = (words[2 * i + hiAt] ?? 0) + carry;
}
