/** A read position over one line, for the hand-written scanners (faster and clearer than one big regex). */
import { fail } from './sample.ts';

export class Cursor {
  pos = 0;

  constructor(readonly text: string) {}

  get atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  peek(): string {
    return this.text.charAt(this.pos);
  }

  /** Consumes `char` if it comes next. */
  eat(char: string): boolean {
    if (this.text.charAt(this.pos) !== char) return false;
    this.pos += 1;
    return true;
  }

  expect(char: string, what: string): void {
    if (!this.eat(char)) fail(`expected ${what} at column ${this.pos + 1}`);
  }

  /** Matches a sticky (`/y`) regex at the current position and consumes the match. */
  match(sticky: RegExp): string | undefined {
    sticky.lastIndex = this.pos;
    const found = sticky.exec(this.text);
    if (found === null) return undefined;
    this.pos = sticky.lastIndex;
    return found[0];
  }

  /** Skips spaces and tabs; returns whether there were any. */
  skipBlanks(): boolean {
    const start = this.pos;
    while (this.peek() === ' ' || this.peek() === '\t') this.pos += 1;
    return this.pos > start;
  }
}
