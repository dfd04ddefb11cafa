import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MATCH } from '../../contract/prometheus-remote.ts';
import { PublicError } from '../errors.ts';
import { compileMatchers, MAX_REGEX_LENGTH, matchesAll } from './matchers.ts';
import { compareLabels, promLabels, promMetricName } from './query.ts';

const one = (type: number, value: string, name = 'job') => {
  const [m] = compileMatchers([{ type, name, value }]);
  if (!m) throw new Error('no matcher');
  return m;
};

/** A regex matching exactly `text` (every metacharacter escaped). */
const escapeRegex = (text: string) => text.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');

function refusal(type: number, value: string): string {
  try {
    compileMatchers([{ type, name: 'job', value }]);
  } catch (err: unknown) {
    expect(err).toBeInstanceOf(PublicError);
    expect((err as PublicError).code).toBe('bad_request');
    return (err as PublicError).message;
  }
  throw new Error(`${value} was accepted`);
}

describe('remote-read matchers', () => {
  it('= and != compare the whole value; != is the negation of =', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (value, label) => {
        expect(one(MATCH.EQ, value).test(label)).toBe(label === value);
        expect(one(MATCH.NEQ, value).test(label)).toBe(label !== value);
      }),
    );
  });

  it('=~ is anchored at both ends and !~ is its negation', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), fc.string({ maxLength: 30 }), (text, other) => {
        const re = one(MATCH.RE, escapeRegex(text));
        const nre = one(MATCH.NRE, escapeRegex(text));
        expect(re.test(text)).toBe(true);
        expect(re.test(other)).toBe(other === text);
        expect(re.test(`${text}x`)).toBe(false);
        expect(re.test(`x${text}`)).toBe(false);
        for (const v of [text, other, `${text}x`]) expect(nre.test(v)).toBe(!re.test(v));
      }),
    );
  });

  it('a missing label has the empty value', () => {
    const labels = new Map([['job', 'api']]);
    const select = (type: number, name: string, value: string) =>
      matchesAll(compileMatchers([{ type, name, value }]), labels);
    expect(select(MATCH.EQ, 'zone', '')).toBe(true);
    expect(select(MATCH.NEQ, 'zone', '')).toBe(false);
    expect(select(MATCH.EQ, 'job', '')).toBe(false);
    expect(select(MATCH.RE, 'zone', '.*')).toBe(true);
    expect(select(MATCH.RE, 'zone', '.+')).toBe(false);
    expect(select(MATCH.NRE, 'zone', '.+')).toBe(true);
    expect(select(MATCH.RE, 'job', 'a.*|b')).toBe(true);
    expect(select(MATCH.RE, 'job', 'ap')).toBe(false);
  });

  it('anchors alternations as a whole and reads RE2 spellings', () => {
    const alt = one(MATCH.RE, 'foo|bar');
    expect(['foo', 'bar', 'foobar', 'xfoo'].map((v) => alt.test(v))).toEqual([true, true, false, false]);
    expect(one(MATCH.RE, '(?i)web-.*').test('WEB-1')).toBe(true);
    expect(one(MATCH.RE, '(?P<n>a)b').test('ab')).toBe(true);
    expect(one(MATCH.RE, '\\Aab\\z').test('ab')).toBe(true);
    expect(one(MATCH.RE, '[]a]+').test(']a]')).toBe(true);
    expect(one(MATCH.RE, 'a.b').test('a\nb')).toBe(false);
    expect(one(MATCH.RE, '.').test('😀')).toBe(true);
    expect(one(MATCH.RE, 'x{2,3}').test('xxx')).toBe(true);
    expect(one(MATCH.RE, '(?:a|b)?c').test('bc')).toBe(true);
    expect(one(MATCH.RE, '[ab]+').test('abba')).toBe(true);
  });

  it('refuses regexes that are invalid or too long, naming the problem', () => {
    expect(refusal(MATCH.RE, '(')).toMatch(/invalid regex: missing closing \)/);
    expect(refusal(MATCH.RE, '[a')).toMatch(/missing closing ]/);
    expect(refusal(MATCH.RE, '*a')).toMatch(/missing argument/);
    expect(refusal(MATCH.RE, '(?=a)a')).toMatch(/invalid or unsupported/);
    expect(refusal(MATCH.RE, '(a)\\1')).toMatch(/back-references/);
    expect(refusal(MATCH.NRE, 'a{1001}')).toMatch(/counts above 1000/);
    expect(refusal(MATCH.RE, 'a'.repeat(MAX_REGEX_LENGTH + 1))).toMatch(/limit is 1024/);
    expect(refusal(5, 'x')).toMatch(/unknown matcher type 5/);
  });

  it('accepts the patterns a backtracking engine chokes on, and answers them at once', () => {
    const value = `${'a'.repeat(255)}!`;
    for (const p of ['(a+)+', '(a|aa)*', '.*a.*a.*a.*a.*a.*b', 'a(?i)b|(x+x+)+y']) {
      const started = performance.now();
      expect(one(MATCH.RE, p).test(value)).toBe(false);
      expect(one(MATCH.NRE, p).test(value)).toBe(true);
      expect(performance.now() - started, p).toBeLessThan(500);
    }
  });

  it('never throws anything but a 400 on any regex (property)', () => {
    const piece = fc.constantFrom(
      'a',
      'b',
      '.',
      '*',
      '+',
      '?',
      '|',
      '(',
      ')',
      '[',
      ']',
      '{2}',
      '{1,}',
      '\\',
      '^',
      '$',
      '(?:',
      '(?=',
      '(?i)',
      'x',
      '\\d',
      '[:alpha:]',
      '-',
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 14 }), fc.string({ maxLength: 20 }), (parts, v) => {
        let matcher: ReturnType<typeof one>;
        try {
          matcher = one(MATCH.RE, parts.join(''));
        } catch (err: unknown) {
          expect(err).toBeInstanceOf(PublicError);
          return;
        }
        expect(typeof matcher.test(v)).toBe('boolean');
      }),
      { numRuns: 3000 },
    );
  });
});

describe('label mapping', () => {
  it('maps names with dots, adds instance, and sorts labels', () => {
    expect(promMetricName('cpu.usage')).toBe('cpu_usage');
    const { sorted, map } = promLabels({ id: 'web-1', name: '' }, 'disk.used_pct{mount="/",instance="x"}');
    expect(sorted).toEqual([
      { name: '__name__', value: 'disk_used_pct' },
      { name: 'instance', value: 'web-1' },
      { name: 'mount', value: '/' },
    ]);
    expect(map.get('instance')).toBe('web-1');
    expect(promLabels({ id: 'h', name: 'host:9100' }, 'up').sorted[1]).toEqual({
      name: 'instance',
      value: 'host:9100',
    });
  });

  it('orders label sets as Prometheus does', () => {
    const l = (...pairs: string[]) =>
      pairs.map((p) => ({ name: p.split('=')[0] as string, value: p.split('=')[1] as string }));
    expect(compareLabels(l('a=1'), l('a=1', 'b=2'))).toBeLessThan(0);
    expect(compareLabels(l('a=2'), l('a=1', 'b=2'))).toBeGreaterThan(0);
    expect(compareLabels(l('a=1', 'c=1'), l('a=1', 'b=9'))).toBeGreaterThan(0);
    expect(compareLabels(l('a=1'), l('a=1'))).toBe(0);
  });
});
