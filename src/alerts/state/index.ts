export { AlertStates, type AlertStatesDeps } from './alert-states.ts';
export { matches, silenceState, silencing } from './silence-match.ts';
export { type SilenceInput, Silences } from './silences.ts';
export {
  type AlertAction,
  type AlertActionName,
  AlertStateError,
  DEFAULT_FLAPPING,
  HISTORY_MS,
  type HistoryEntry,
  OPEN_STATUSES,
  type Silence,
  type SilenceMatcher,
  type SilenceState,
} from './types.ts';
export type { AlertFilter, AlertPage, AlertSummary, HistoryQuery } from './views.ts';
