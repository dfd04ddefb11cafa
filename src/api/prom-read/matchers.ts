/**
 * Label matchers of a remote-read query, with Prometheus' semantics: `=` and `!=` compare the value, a
 * label a series lacks has the empty value (so `x=""` selects series without `x`), and `=~` / `!~`
 * match the whole value (the regex is anchored at both ends).
 *
 * Regexes are RE2 syntax, as in Prometheus, run by Vitals' own linear-time matcher (`regex.ts`): no
 * pattern can make a match run for ever, so none needs refusing for its shape. A regex is bounded in
 * length, and one that does not parse is refused with a 400 naming the matcher and the problem.
 */
import { MATCH, type PromLabelMatcher } from '../../contract/prometheus-remote.ts';
import { PublicError } from '../errors.ts';
import { compileWhole, RegexSyntaxError, type WholeMatcher } from './regex.ts';

/** Longest regex a matcher may carry. */
export const MAX_REGEX_LENGTH = 1024;

export interface Matcher {
  readonly name: string;
  /** Whether a series whose label `name` has `value` ('' when it lacks the label) is selected. */
  test(value: string): boolean;
}

const NAMES = ['=', '!=', '=~', '!~'];

function refuse(index: number, m: PromLabelMatcher, problem: string): PublicError {
  const op = NAMES[m.type] ?? `type ${m.type}`;
  const value = m.value.length > 100 ? `${m.value.slice(0, 100)}…` : m.value;
  return new PublicError('bad_request', `matcher ${index} (${m.name}${op}"${value}"): ${problem}`);
}

/** The matchers of one query, compiled; a 400 naming the matcher for an unknown type or a bad regex. */
export function compileMatchers(matchers: readonly PromLabelMatcher[]): Matcher[] {
  return matchers.map((m, index) => {
    const name = m.name ?? '';
    const value = m.value ?? '';
    if (name === '') throw refuse(index, m, 'the label name is empty');
    switch (m.type ?? 0) {
      case MATCH.EQ:
        return { name, test: (v: string) => v === value };
      case MATCH.NEQ:
        return { name, test: (v: string) => v !== value };
      case MATCH.RE:
      case MATCH.NRE: {
        if (value.length > MAX_REGEX_LENGTH) {
          throw refuse(index, m, `the regex is ${value.length} characters; the limit is ${MAX_REGEX_LENGTH}`);
        }
        let re: WholeMatcher;
        try {
          re = compileWhole(value);
        } catch (err: unknown) {
          if (!(err instanceof RegexSyntaxError)) throw err;
          throw refuse(index, m, `invalid regex: ${err.message}`);
        }
        const positive = m.type === MATCH.RE;
        const seen = new Map<string, boolean>();
        return {
          name,
          test: (v: string) => {
            let hit = seen.get(v);
            if (hit === undefined) {
              hit = re.test(v);
              if (seen.size < 100_000) seen.set(v, hit);
            }
            return hit === positive;
          },
        };
      }
      default:
        throw refuse(index, m, `unknown matcher type ${m.type}`);
    }
  });
}

/** Whether every matcher accepts the label set (labels given as name → value). */
export function matchesAll(matchers: readonly Matcher[], labels: ReadonlyMap<string, string>): boolean {
  for (const m of matchers) if (!m.test(labels.get(m.name) ?? '')) return false;
  return true;
}
