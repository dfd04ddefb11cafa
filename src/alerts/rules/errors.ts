import { type FailureKind, VitalsError } from '../../contract/index.ts';

/** Why a rule operation failed; messages name the field or the rule, never a secret. */
export class AlertRuleError extends VitalsError {
  override name = 'AlertRuleError';
  constructor(
    readonly kind: FailureKind,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause, ...(kind === 'unavailable' && { retryAfterSec: 1 }) });
  }
}

export function invalidRule(field: string, problem: string): AlertRuleError {
  return new AlertRuleError('invalid', `${field}: ${problem}`);
}
