export * from './formats/index.ts';
export { ID_PATTERN, LABEL_NAME, type Labels, METRIC_NAME, parseSeriesKey, seriesKey } from './series.ts';
