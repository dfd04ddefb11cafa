import type { Silence, SilenceMatcher, SilenceState } from './types.ts';

/** A silence's state at `now`: pending before `startsAt`, expired from `endsAt` on. */
export function silenceState(silence: Silence, now: number): SilenceState {
  if (silence.endsAt <= now) return 'expired';
  return silence.startsAt > now ? 'pending' : 'active';
}

const compiled = new Map<string, RegExp>();

/** An anchored regex, as Alertmanager matches (`value` must match the whole label value). */
export function matcherRegex(value: string): RegExp {
  let re = compiled.get(value);
  if (!re) {
    re = new RegExp(`^(?:${value})$`);
    if (compiled.size > 1000) compiled.clear();
    compiled.set(value, re);
  }
  return re;
}

/** Whether one matcher accepts a label set; a label that is absent has the empty value. */
export function matches(matcher: SilenceMatcher, labels: Readonly<Record<string, string>>): boolean {
  const value = labels[matcher.name] ?? '';
  const hit = matcher.isRegex ? matcherRegex(matcher.value).test(value) : value === matcher.value;
  return matcher.isEqual ? hit : !hit;
}

/** Ids of the silences active at `now` whose every matcher accepts `labels`, sorted. */
export function silencing(
  silences: readonly Silence[],
  labels: Readonly<Record<string, string>>,
  now: number,
): string[] {
  return silences
    .filter((s) => silenceState(s, now) === 'active' && s.matchers.every((m) => matches(m, labels)))
    .map((s) => s.id)
    .sort();
}
