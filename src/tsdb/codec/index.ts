/**
 * Compression codecs of the time-series engine. A sealed window of one host is stored as one
 * timestamp column shared by all its series, plus per series a presence mask (which of those
 * timestamps it has) and a value column (its values at the present timestamps, in order).
 * Byte layouts: FORMAT.md beside this file.
 */
export { Float64Arena, float64s } from './arena.ts';
export { CodecError } from './errors.ts';
export { decodeGorilla, encodeGorilla } from './gorilla.ts';
export {
  type Bucket,
  type DecodeRate,
  type HostTable,
  type Measurement,
  type MeasureOptions,
  type ModeName,
  measureCodecs,
  measureDecodeRate,
} from './measure.ts';
export { allPresent, countPresent, decodePresence, encodePresence } from './presence.ts';
export { decodeTimestamps, encodeTimestamps } from './timestamps.ts';
export { decodeValues, encodeValues, ValueMode, valueModeOf } from './values.ts';
