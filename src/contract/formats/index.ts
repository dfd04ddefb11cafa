/**
 * Text formats for importing and exporting samples: Prometheus text / OpenMetrics, Influx line protocol
 * and CSV. Pure functions over strings and iterables; the caller does the I/O.
 */
export {
  createParser,
  type FormatOptions,
  formatByFormat,
  type ParseOptions,
  parseByFormat,
  parseStreamByFormat,
  SAMPLE_FORMATS,
  type SampleFormat,
} from './by-format.ts';
export {
  CSV_HEADER,
  type CsvFormatOptions,
  createCsvParser,
  formatCsv,
  formatCsvHeader,
  formatCsvRow,
  iterateCsv,
  parseCsv,
} from './csv.ts';
export { detectFormat, type FormatHints } from './detect.ts';
export { HOST_LABEL, hostFromLabels, labelsWithHost } from './host-field.ts';
export {
  createInfluxParser,
  INFLUX_EXTENDED_ESCAPES_HEADER,
  type InfluxParseOptions,
  type InfluxPrecision,
  iterateInflux,
  parseInflux,
} from './influx.ts';
export {
  formatInflux,
  formatInfluxHeader,
  formatInfluxLine,
  formatInfluxLines,
  type InfluxFormatOptions,
} from './influx-format.ts';
export { linesOf, splitLines, type TextInput } from './lines.ts';
export {
  createExpositionParser,
  type ExpositionFlavor,
  type ExpositionNames,
  type ExpositionParseOptions,
  expositionFlavorFromContentType,
  iterateExposition,
  parseExposition,
  parseExpositionLine,
} from './openmetrics.ts';
export {
  createExpositionFamilies,
  type ExpositionFamilies,
  type ExpositionFormatOptions,
  type ExpositionType,
  formatExposition,
  formatExpositionLines,
} from './openmetrics-format.ts';
export {
  prometheusNameFromVitals,
  vitalsHelpText,
  vitalsNameFromHelp,
  vitalsNameFromPrometheus,
} from './prometheus-names.ts';
export {
  FormatError,
  formatFloat,
  type LineParser,
  type ParseError,
  type ParseItem,
  type ParseResult,
  parseFloatToken,
  type Sample,
} from './sample.ts';
