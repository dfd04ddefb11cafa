// The evaluator: rules → observations per org and instant, and the one-process-at-a-time loop.
export { type EvalHostSource, PUSH_INTERVAL_MS, RuleEvaluator, silenceAllowedMs } from './evaluator.ts';
export {
  EvaluationLoop,
  type EvaluationLoopDeps,
  type EvaluationStatus,
  type RoundFigures,
  type RoundOutcome,
} from './loop.ts';
export { PREVIEW_LIMIT, previewRule, type RulePreview } from './preview.ts';
export { RAW_WINDOW_MAX_MS } from './read.ts';
export { fitLine, increase, judge, predict, reduce } from './reduce.ts';
export { DERIVED } from './select.ts';
