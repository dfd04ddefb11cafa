/**
 * A linear-time regex matcher for label matchers: RE2's syntax (as Prometheus uses it), compiled to
 * an NFA and run by simulation over the value's code points, so matching costs at most
 * (value length × program size) steps whatever the pattern: no pattern can make it backtrack for ever.
 * Only whole-value matching is needed (Prometheus anchors matcher regexes at both ends), so no
 * captures are kept; laziness (`*?`) changes nothing for that.
 *
 * Supported: literals and escaped punctuation, `.`, classes `[a-z\d[:alpha:]]` (negated too), the
 * Perl classes `\d \w \s` and their negations, `\pL` / `\p{Greek}` (and `\P…`), `\n \t \r \f \v \a`,
 * `\x7f` / `\x{263a}`, octal `\123`, `\Q…\E`, groups `(…)`, `(?:…)`, `(?P<name>…)`, `(?<name>…)`,
 * alternation, `* + ? {n} {n,} {n,m}` (counts up to 1000) with or without a lazy `?`, the assertions
 * `^ $ \A \z \b \B`, and the flags `i`, `m`, `s`, `U` as `(?flags)`, `(?flags:…)` or `(?-flags)`.
 * A syntax error throws a `RegexSyntaxError` naming it.
 */

export class RegexSyntaxError extends Error {
  override name = 'RegexSyntaxError';
}

/** Instructions of the program the NFA runs. */
type Inst =
  | { op: 'char'; test: (cp: number) => boolean }
  | { op: 'split'; x: number; y: number }
  | { op: 'jmp'; x: number }
  | { op: 'assert'; kind: Assertion }
  | { op: 'match' };

type Assertion = 'bot' | 'eot' | 'bol' | 'eol' | 'word' | 'notword';

/** The parsed pattern. */
type Node =
  | { t: 'char'; test: (cp: number) => boolean }
  | { t: 'cat'; items: Node[] }
  | { t: 'alt'; items: Node[] }
  | { t: 'rep'; node: Node; min: number; max: number }
  | { t: 'assert'; kind: Assertion };

interface Flags {
  i: boolean;
  m: boolean;
  s: boolean;
}

const MAX_REPEAT = 1000;
/** Largest program: bounds the work per character of a value. */
export const MAX_PROGRAM = 5_000;

const isWordCp = (cp: number): boolean =>
  (cp >= 48 && cp <= 57) || (cp >= 65 && cp <= 90) || (cp >= 97 && cp <= 122) || cp === 95;
const isDigitCp = (cp: number): boolean => cp >= 48 && cp <= 57;
const isSpaceCp = (cp: number): boolean => cp === 32 || (cp >= 9 && cp <= 13 && cp !== 11);

/** RE2's POSIX classes (ASCII). */
const POSIX: Readonly<Record<string, (cp: number) => boolean>> = {
  alnum: (cp) => isDigitCp(cp) || (cp >= 65 && cp <= 90) || (cp >= 97 && cp <= 122),
  alpha: (cp) => (cp >= 65 && cp <= 90) || (cp >= 97 && cp <= 122),
  ascii: (cp) => cp <= 0x7f,
  blank: (cp) => cp === 32 || cp === 9,
  cntrl: (cp) => cp < 32 || cp === 0x7f,
  digit: isDigitCp,
  graph: (cp) => cp >= 0x21 && cp <= 0x7e,
  lower: (cp) => cp >= 97 && cp <= 122,
  print: (cp) => cp >= 0x20 && cp <= 0x7e,
  punct: (cp) =>
    (cp >= 0x21 && cp <= 0x2f) ||
    (cp >= 0x3a && cp <= 0x40) ||
    (cp >= 0x5b && cp <= 0x60) ||
    (cp >= 0x7b && cp <= 0x7e),
  space: (cp) => cp === 32 || (cp >= 9 && cp <= 13),
  upper: (cp) => cp >= 65 && cp <= 90,
  word: isWordCp,
  xdigit: (cp) => isDigitCp(cp) || (cp >= 65 && cp <= 70) || (cp >= 97 && cp <= 102),
};

const SIMPLE_ESCAPES: Readonly<Record<string, number>> = { n: 10, t: 9, r: 13, f: 12, v: 11, a: 7 };

/** Code point → its other cases (for the `i` flag). */
function foldings(cp: number): number[] {
  const s = String.fromCodePoint(cp);
  const out = new Set<number>([cp]);
  for (const v of [s.toLowerCase(), s.toUpperCase()]) {
    const c = v.codePointAt(0);
    if (c !== undefined && String.fromCodePoint(c) === v) out.add(c);
  }
  return [...out];
}

function caseless(test: (cp: number) => boolean): (cp: number) => boolean {
  return (cp) => test(cp) || foldings(cp).some((f) => f !== cp && test(f));
}

/** RE2's `\p{Name}`: a general category (`L`, `Lu`) or a script (`Greek`). */
function unicodeProperty(name: string): RegExp {
  try {
    return new RegExp(`^\\p{${name}}$`, 'u');
  } catch {
    return new RegExp(`^\\p{Script=${name}}$`, 'u');
  }
}

class Parser {
  private pos = 0;
  private readonly cps: number[];

  constructor(pattern: string) {
    this.cps = Array.from(pattern, (c) => c.codePointAt(0) as number);
  }

  private peek(offset = 0): string | undefined {
    const cp = this.cps[this.pos + offset];
    return cp === undefined ? undefined : String.fromCodePoint(cp);
  }

  /** Index (in code points) of `seq` at or after `from`, or -1. */
  private find(seq: string, from: number): number {
    const want = Array.from(seq, (c) => c.codePointAt(0) as number);
    for (let i = from; i + want.length <= this.cps.length; i++) {
      if (want.every((cp, k) => this.cps[i + k] === cp)) return i;
    }
    return -1;
  }

  private text(from: number, to: number): string {
    return String.fromCodePoint(...this.cps.slice(from, to));
  }

  private fail(problem: string): never {
    throw new RegexSyntaxError(problem);
  }

  parse(): Node {
    const node = this.alternation({ i: false, m: false, s: false }, 0);
    if (this.pos < this.cps.length) this.fail('unexpected )');
    return node;
  }

  /** Alternatives up to a `)` or the end; flags set inside apply to the rest of the group. */
  private alternation(outer: Flags, depth: number): Node {
    const flags = { ...outer };
    const items: Node[] = [this.sequence(flags, depth)];
    while (this.peek() === '|') {
      this.pos++;
      items.push(this.sequence(flags, depth));
    }
    return items.length === 1 ? (items[0] as Node) : { t: 'alt', items };
  }

  private sequence(flags: Flags, depth: number): Node {
    const items: Node[] = [];
    for (;;) {
      const c = this.peek();
      if (c === undefined || c === '|' || c === ')') break;
      const atom = this.atom(flags, depth);
      if (atom === undefined) continue;
      items.push(this.quantified(atom));
    }
    return items.length === 1 ? (items[0] as Node) : { t: 'cat', items };
  }

  private quantified(atom: Node): Node {
    let node = atom;
    let repeated = false;
    for (;;) {
      const c = this.peek();
      let min: number;
      let max: number;
      if (c === '*') [min, max] = [0, Number.POSITIVE_INFINITY];
      else if (c === '+') [min, max] = [1, Number.POSITIVE_INFINITY];
      else if (c === '?') [min, max] = [0, 1];
      else if (c === '{') {
        const count = this.count();
        if (!count) return node;
        [min, max] = count;
      } else return node;
      if (c !== '{') this.pos++;
      if (this.peek() === '?') this.pos++;
      if (repeated) this.fail('bad repetition operator: a repetition of a repetition');
      repeated = true;
      node = { t: 'rep', node, min, max };
    }
  }

  /** `{n}`, `{n,}` or `{n,m}` at the position (consumed), or undefined: then `{` is a literal. */
  private count(): [number, number] | undefined {
    const rest = String.fromCodePoint(...this.cps.slice(this.pos, this.pos + 16));
    const m = /^\{(\d+)(,(\d*))?\}/.exec(rest);
    if (!m) return undefined;
    const min = Number(m[1]);
    const max = m[2] === undefined ? min : m[3] === '' ? Number.POSITIVE_INFINITY : Number(m[3]);
    if (min > MAX_REPEAT || (Number.isFinite(max) && max > MAX_REPEAT)) {
      this.fail(`bad repetition count: counts above ${MAX_REPEAT} are not supported`);
    }
    if (max < min) this.fail(`bad repetition count {${min},${max}}`);
    this.pos += m[0].length;
    return [min, max];
  }

  /** One atom, or undefined for what matches nothing itself (a flag group). */
  private atom(flags: Flags, depth: number): Node | undefined {
    const c = this.peek() as string;
    this.pos++;
    switch (c) {
      case '(':
        return this.group(flags, depth);
      case '[':
        return this.klass(flags);
      case '.':
        return { t: 'char', test: flags.s ? () => true : (cp) => cp !== 10 };
      case '^':
        return { t: 'assert', kind: flags.m ? 'bol' : 'bot' };
      case '$':
        return { t: 'assert', kind: flags.m ? 'eol' : 'eot' };
      case '\\':
        return this.escape(flags, false) as Node;
      case '*':
      case '+':
      case '?':
        return this.fail(`missing argument to repetition operator: ${c}`);
      case '{': {
        this.pos--;
        if (this.count()) this.fail('missing argument to repetition operator: {');
        this.pos++;
        return this.literal('{', flags);
      }
      default:
        return this.literal(c, flags);
    }
  }

  private literal(c: string, flags: Flags): Node {
    const cp = c.codePointAt(0) as number;
    if (!flags.i) return { t: 'char', test: (x) => x === cp };
    const set = new Set(foldings(cp));
    return { t: 'char', test: (x) => set.has(x) || foldings(x).some((f) => set.has(f)) };
  }

  private group(flags: Flags, depth: number): Node | undefined {
    if (depth > 100) this.fail('groups nested too deep');
    if (this.peek() === '?') {
      this.pos++;
      const next = this.peek();
      if (next === 'P' || next === '<') {
        if (next === 'P') this.pos++;
        if (this.peek() !== '<') this.fail('invalid named capture');
        const close = this.cps.indexOf(62, this.pos);
        const name = close < 0 ? '' : String.fromCodePoint(...this.cps.slice(this.pos + 1, close));
        if (!/^[A-Za-z0-9_]+$/.test(name)) this.fail('invalid named capture');
        this.pos = close + 1;
        return this.groupBody({ ...flags }, depth);
      }
      // Flags: (?i) (?-s) (?im:…)
      const inner = { ...flags };
      let negate = false;
      let any = false;
      for (;;) {
        const f = this.peek();
        if (f === undefined) this.fail('missing closing )');
        this.pos++;
        if (f === ':') return this.groupBody(inner, depth);
        if (f === ')') {
          if (!any && !negate) this.fail('missing flags in (?)');
          Object.assign(flags, inner);
          return undefined;
        }
        if (f === '-') {
          if (negate) this.fail('invalid flags');
          negate = true;
          continue;
        }
        if (f === 'i' || f === 'm' || f === 's') inner[f] = !negate;
        else if (f !== 'U') this.fail(`invalid or unsupported group flag or syntax (?${f}`);
        any = true;
      }
    }
    return this.groupBody({ ...flags }, depth);
  }

  private groupBody(flags: Flags, depth: number): Node {
    const node = this.alternation(flags, depth + 1);
    if (this.peek() !== ')') this.fail('missing closing )');
    this.pos++;
    return node;
  }

  /** After a backslash. In a class, only what stands for characters is allowed. */
  private escape(flags: Flags, inClass: boolean): Node | number | ((cp: number) => boolean) {
    const c = this.peek();
    if (c === undefined) this.fail('trailing backslash at end of expression');
    this.pos++;
    const wrap = (test: (cp: number) => boolean): Node | ((cp: number) => boolean) =>
      inClass ? test : { t: 'char', test: flags.i ? caseless(test) : test };
    const single = (cp: number) => (inClass ? cp : this.literal(String.fromCodePoint(cp), flags));
    switch (c) {
      case 'd':
        return wrap(isDigitCp);
      case 'D':
        return wrap((cp) => !isDigitCp(cp));
      case 'w':
        return wrap(isWordCp);
      case 'W':
        return wrap((cp) => !isWordCp(cp));
      case 's':
        return wrap(isSpaceCp);
      case 'S':
        return wrap((cp) => !isSpaceCp(cp));
      case 'p':
      case 'P':
        return wrap(this.unicodeClass(c === 'P'));
      case 'x':
        return single(this.hex());
      case 'A':
      case 'z':
      case 'b':
      case 'B': {
        if (inClass) this.fail(`invalid escape \\${c} in a class`);
        const kind: Assertion = c === 'A' ? 'bot' : c === 'z' ? 'eot' : c === 'b' ? 'word' : 'notword';
        return { t: 'assert', kind };
      }
      case 'Q': {
        if (inClass) this.fail('invalid escape \\Q in a class');
        const end = this.find('\\E', this.pos);
        const text = Array.from(this.text(this.pos, end < 0 ? this.cps.length : end));
        this.pos = end < 0 ? this.cps.length : end + 2;
        return { t: 'cat', items: text.map((ch) => this.literal(ch, flags)) };
      }
      default:
        break;
    }
    if (c in SIMPLE_ESCAPES) return single(SIMPLE_ESCAPES[c] as number);
    if (/[0-7]/.test(c)) {
      // Octal: \0, \012; RE2 has no back-references, \1-\7 alone are octal only after a 0 or with 3 digits.
      let digits = c;
      while (digits.length < 3 && /[0-7]/.test(this.peek(digits.length - 1) ?? '')) {
        digits += this.peek(digits.length - 1);
      }
      if (c !== '0' && digits.length < 3)
        this.fail(`invalid escape \\${c} (back-references are not supported)`);
      this.pos += digits.length - 1;
      return single(Number.parseInt(digits, 8));
    }
    if (/[!-/:-@[-`{-~]/.test(c)) return single(c.codePointAt(0) as number);
    return this.fail(`invalid escape sequence \\${c}`);
  }

  private hex(): number {
    let text: string;
    if (this.peek() === '{') {
      const close = this.cps.indexOf(125, this.pos);
      if (close < 0) this.fail('invalid escape \\x{');
      text = String.fromCodePoint(...this.cps.slice(this.pos + 1, close));
      this.pos = close + 1;
    } else {
      text = `${this.peek() ?? ''}${this.peek(1) ?? ''}`;
      this.pos += 2;
    }
    if (!/^[0-9A-Fa-f]{1,8}$/.test(text) || Number.parseInt(text, 16) > 0x10ffff)
      this.fail(`invalid escape \\x${text}`);
    return Number.parseInt(text, 16);
  }

  private unicodeClass(negated: boolean): (cp: number) => boolean {
    let name: string;
    if (this.peek() === '{') {
      const close = this.cps.indexOf(125, this.pos);
      if (close < 0) this.fail('invalid character class range \\p{');
      name = String.fromCodePoint(...this.cps.slice(this.pos + 1, close));
      this.pos = close + 1;
    } else {
      name = this.peek() ?? '';
      this.pos++;
    }
    let negate = negated;
    if (name.startsWith('^')) {
      negate = !negate;
      name = name.slice(1);
    }
    let re: RegExp;
    try {
      if (!/^[A-Za-z_]+$/.test(name)) throw new Error();
      re = name === 'Any' ? /[\s\S]/u : unicodeProperty(name);
    } catch {
      return this.fail(`invalid character class range \\p{${name}}`);
    }
    return (cp) => re.test(String.fromCodePoint(cp)) !== negate;
  }

  private klass(flags: Flags): Node {
    let negated = false;
    if (this.peek() === '^') {
      negated = true;
      this.pos++;
    }
    const tests: Array<(cp: number) => boolean> = [];
    let first = true;
    for (;;) {
      const c = this.peek();
      if (c === undefined) this.fail('missing closing ]');
      if (c === ']' && !first) {
        this.pos++;
        break;
      }
      first = false;
      if (c === '[' && this.peek(1) === ':') {
        const close = this.find(':]', this.pos + 2);
        const raw = close < 0 ? '' : this.text(this.pos + 2, close);
        const neg = raw.startsWith('^');
        const test = POSIX[neg ? raw.slice(1) : raw];
        if (!test) this.fail(`invalid character class range [:${raw}:]`);
        tests.push(neg ? (cp) => !test(cp) : test);
        this.pos = close + 2;
        continue;
      }
      const lo = this.classAtom(flags);
      if (typeof lo === 'function') {
        tests.push(lo);
        continue;
      }
      if (this.peek() === '-' && this.peek(1) !== ']' && this.peek(1) !== undefined) {
        this.pos++;
        const hi = this.classAtom(flags);
        if (typeof hi === 'function' || hi < lo) this.fail('invalid character class range');
        tests.push((cp) => cp >= lo && cp <= hi);
      } else {
        tests.push((cp) => cp === lo);
      }
    }
    const any = (cp: number) => tests.some((t) => t(cp));
    const folded = flags.i ? caseless(any) : any;
    return { t: 'char', test: negated ? (cp) => !folded(cp) : folded };
  }

  /** A character of a class (its code point) or a class escape (a test). */
  private classAtom(flags: Flags): number | ((cp: number) => boolean) {
    const c = this.peek() as string;
    this.pos++;
    if (c !== '\\') return c.codePointAt(0) as number;
    const escaped = this.escape(flags, true);
    if (typeof escaped === 'object') return this.fail('invalid escape in a class');
    return escaped;
  }
}

/** Compiles the tree into instructions (appended to `prog`). */
function emit(node: Node, prog: Inst[]): void {
  if (prog.length > MAX_PROGRAM)
    throw new RegexSyntaxError(`expression too large (over ${MAX_PROGRAM} steps)`);
  switch (node.t) {
    case 'char':
      prog.push({ op: 'char', test: node.test });
      return;
    case 'assert':
      prog.push({ op: 'assert', kind: node.kind });
      return;
    case 'cat':
      for (const item of node.items) emit(item, prog);
      return;
    case 'alt': {
      const jumps: Array<{ op: 'jmp'; x: number }> = [];
      node.items.forEach((item, i) => {
        if (i < node.items.length - 1) {
          const split = { op: 'split' as const, x: prog.length + 1, y: 0 };
          prog.push(split);
          emit(item, prog);
          const jmp = { op: 'jmp' as const, x: 0 };
          prog.push(jmp);
          jumps.push(jmp);
          split.y = prog.length;
        } else {
          emit(item, prog);
        }
      });
      for (const j of jumps) j.x = prog.length;
      return;
    }
    case 'rep': {
      for (let k = 0; k < node.min; k++) emit(node.node, prog);
      if (node.max === Number.POSITIVE_INFINITY) {
        // L: split body, out; body; jmp L
        const split = { op: 'split' as const, x: prog.length + 1, y: 0 };
        const at = prog.length;
        prog.push(split);
        emit(node.node, prog);
        prog.push({ op: 'jmp', x: at });
        split.y = prog.length;
        return;
      }
      const splits: Array<{ op: 'split'; x: number; y: number }> = [];
      for (let k = node.min; k < node.max; k++) {
        const split = { op: 'split' as const, x: prog.length + 1, y: 0 };
        prog.push(split);
        splits.push(split);
        emit(node.node, prog);
      }
      for (const s of splits) s.y = prog.length;
      return;
    }
  }
}

function holds(kind: Assertion, cps: readonly number[], at: number): boolean {
  switch (kind) {
    case 'bot':
      return at === 0;
    case 'eot':
      return at === cps.length;
    case 'bol':
      return at === 0 || cps[at - 1] === 10;
    case 'eol':
      return at === cps.length || cps[at] === 10;
    case 'word':
    case 'notword': {
      const before = at > 0 && isWordCp(cps[at - 1] as number);
      const after = at < cps.length && isWordCp(cps[at] as number);
      return (before !== after) === (kind === 'word');
    }
  }
}

/** A compiled regex: `test(value)` is whether it matches the whole value. */
export interface WholeMatcher {
  test(value: string): boolean;
}

/** Compiles an RE2-syntax pattern for whole-value matching; throws a `RegexSyntaxError`. */
export function compileWhole(pattern: string): WholeMatcher {
  const tree = new Parser(pattern).parse();
  const prog: Inst[] = [];
  emit(tree, prog);
  prog.push({ op: 'match' });
  if (prog.length > MAX_PROGRAM)
    throw new RegexSyntaxError(`expression too large (over ${MAX_PROGRAM} steps)`);
  const size = prog.length;
  return {
    test(value: string): boolean {
      const cps = Array.from(value, (c) => c.codePointAt(0) as number);
      let current: number[] = [];
      let next: number[] = [];
      const seen = new Int32Array(size).fill(-1);
      let generation = 0;
      // Adds `pc` and everything reachable from it without reading a character, at position `at`.
      const add = (list: number[], start: number, at: number) => {
        const stack = [start];
        while (stack.length > 0) {
          const pc = stack.pop() as number;
          if (seen[pc] === generation) continue;
          seen[pc] = generation;
          const inst = prog[pc] as Inst;
          if (inst.op === 'jmp') stack.push(inst.x);
          else if (inst.op === 'split') stack.push(inst.y, inst.x);
          else if (inst.op === 'assert') {
            if (holds(inst.kind, cps, at)) stack.push(pc + 1);
          } else list.push(pc);
        }
      };
      add(current, 0, 0);
      for (let at = 0; at < cps.length; at++) {
        if (current.length === 0) return false;
        generation++;
        next = [];
        const cp = cps[at] as number;
        for (const pc of current) {
          const inst = prog[pc] as Inst;
          if (inst.op === 'char' && inst.test(cp)) add(next, pc + 1, at + 1);
        }
        current = next;
      }
      return current.some((pc) => (prog[pc] as Inst).op === 'match');
    },
  };
}
