import { SAMPLE_FORMATS, type SampleFormat } from '../contract/formats/index.ts';

/** commander argument parser of `--format`. */
export function parseFormat(value: string): SampleFormat {
  if (!(SAMPLE_FORMATS as readonly string[]).includes(value)) {
    throw new Error(`unknown format "${value}"; expected one of ${SAMPLE_FORMATS.join(', ')}`);
  }
  return value as SampleFormat;
}
