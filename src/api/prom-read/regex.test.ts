import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileWhole, RegexSyntaxError } from './regex.ts';

const whole = (pattern: string, value: string) => compileWhole(pattern).test(value);

/** Patterns whose syntax and meaning are the same in RE2 and in JavaScript's `u` mode. */
const pattern: fc.Arbitrary<string> = fc.letrec<{ re: string; atom: string }>((tie) => ({
  atom: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom('a', 'b', 'c', '.', '\\.', '[ab]', '[^a]', '[a-c]', '\\d', '\\w', '\\s', '\\W', '1', ' '),
    tie('re').map((r) => `(?:${r})`),
    tie('re').map((r) => `(${r})`),
  ),
  re: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    tie('atom'),
    fc
      .tuple(tie('atom'), fc.constantFrom('*', '+', '?', '{0,2}', '{2}', '{1,}', '*?', '+?', '??'))
      .map(([a, q]) => `${a}${q}`),
    fc.array(tie('atom'), { minLength: 2, maxLength: 4 }).map((xs) => xs.join('')),
    fc.tuple(tie('re'), tie('re')).map(([x, y]) => `${x}|${y}`),
  ),
})).re;

const value = fc.string({
  unit: fc.constantFrom('a', 'b', 'c', '.', '1', ' ', '_', '\n', 'é'),
  maxLength: 12,
});

describe('linear-time regex', () => {
  it('matches whole values exactly as an anchored JavaScript regex does (property)', () => {
    fc.assert(
      fc.property(pattern, fc.array(value, { minLength: 1, maxLength: 8 }), (p, values) => {
        const js = new RegExp(`^(?:${p})$`, 'u');
        const ours = compileWhole(p);
        for (const v of values) expect(ours.test(v), `${p} on ${JSON.stringify(v)}`).toBe(js.test(v));
      }),
      { numRuns: 3000 },
    );
  });

  it('reads RE2 syntax', () => {
    expect(whole('(?P<x>a)b', 'ab')).toBe(true);
    expect(whole('(?<x>a)b', 'ab')).toBe(true);
    expect(whole('(?i)WEB-[a-z]+', 'web-AB')).toBe(true);
    expect(whole('a(?i)b', 'aB')).toBe(true);
    expect(whole('a(?i)b', 'AB')).toBe(false);
    expect(whole('(?i:a)b', 'Ab')).toBe(true);
    expect(whole('(?i:a)b', 'AB')).toBe(false);
    expect(whole('(?s).', '\n')).toBe(true);
    expect(whole('.', '\n')).toBe(false);
    expect(whole('(?m)a$\\n^b', 'a\nb')).toBe(true);
    expect(whole('\\Aab\\z', 'ab')).toBe(true);
    expect(whole('a\\b b', 'a b')).toBe(true);
    expect(whole('a\\Bb', 'ab')).toBe(true);
    expect(whole('[[:alpha:]]+[[:digit:]]', 'abc1')).toBe(true);
    expect(whole('[[:^alpha:]]', '1')).toBe(true);
    expect(whole('[]a]+', ']a')).toBe(true);
    expect(whole('[^]a]', 'b')).toBe(true);
    expect(whole('\\x41\\x{42}\\101', 'ABA')).toBe(true);
    expect(whole('[\\x00-\\x1f]', '\t')).toBe(true);
    expect(whole('\\Qa.b\\E', 'a.b')).toBe(true);
    expect(whole('\\Qa.b\\E', 'axb')).toBe(false);
    expect(whole('\\pL+', 'héllo')).toBe(true);
    expect(whole('\\p{Greek}', 'λ')).toBe(true);
    expect(whole('\\PL', '1')).toBe(true);
    expect(whole('.', '😀')).toBe(true);
    expect(whole('a{,2}', 'a{,2}')).toBe(true);
    expect(whole('x{2,3}', 'xxx')).toBe(true);
    expect(whole('x{2,3}', 'xxxx')).toBe(false);
    expect(whole('(a*)*', 'aaa')).toBe(true);
    expect(whole('\\s', '\v')).toBe(false);
    expect(whole('', '')).toBe(true);
    expect(whole('a|', '')).toBe(true);
  });

  it('refuses invalid patterns, naming the problem', () => {
    const problem = (p: string) => {
      try {
        compileWhole(p);
      } catch (err: unknown) {
        expect(err).toBeInstanceOf(RegexSyntaxError);
        return (err as Error).message;
      }
      throw new Error(`${p} was accepted`);
    };
    expect(problem('(')).toMatch(/missing closing \)/);
    expect(problem(')')).toMatch(/unexpected \)/);
    expect(problem('[a')).toMatch(/missing closing ]/);
    expect(problem('*a')).toMatch(/missing argument/);
    expect(problem('a**')).toMatch(/bad repetition operator/);
    expect(problem('a{2,1}')).toMatch(/bad repetition count/);
    expect(problem('a{1001}')).toMatch(/counts above 1000/);
    expect(problem('(?=a)')).toMatch(/invalid or unsupported/);
    expect(problem('(a)\\1')).toMatch(/back-references/);
    expect(problem('\\y')).toMatch(/invalid escape/);
    expect(problem('[z-a]')).toMatch(/invalid character class range/);
    expect(problem('[[:nope:]]')).toMatch(/invalid character class range/);
    expect(problem('\\p{Nope}')).toMatch(/invalid character class range/);
    expect(problem('a\\')).toMatch(/trailing backslash/);
    expect(problem('(?:a{1000}){10}')).toMatch(/too large/);
  });

  it('takes linear time on the patterns that make backtracking engines explode', () => {
    const value = `${'a'.repeat(255)}!`;
    for (const p of [
      '(a+)+',
      '(a|a)*',
      '(a|aa)*b',
      '.*.*.*.*.*.*.*.*x',
      'a?'.repeat(30) + 'a'.repeat(30),
      '(.*a){20}',
    ]) {
      const started = performance.now();
      expect(whole(p, value)).toBe(false);
      expect(performance.now() - started, p).toBeLessThan(500);
    }
  });
});
