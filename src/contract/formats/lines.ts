/**
 * Feeding text to a `LineParser`. Lines end at LF only; the runners then drop one trailing CR (CRLF files).
 * A lone CR is data in our formats (a Prometheus label value may hold one), which is why the CLI should
 * stream files through `linesOf` rather than `node:readline`, which also ends a line at a lone CR.
 */
import type { LineParser, ParseItem, ParseResult } from './sample.ts';

/** Lines or a whole text; a string is split here (a string is itself iterable, but by characters). */
export type TextInput = string | Iterable<string>;

/** Splits at LF, keeping any CR (the runners drop it); a final LF does not start another line. */
export function* splitLines(text: string): Generator<string> {
  let start = 0;
  while (start < text.length) {
    const end = text.indexOf('\n', start);
    const stop = end < 0 ? text.length : end;
    yield text.slice(start, stop);
    start = stop + 1;
  }
}

/** Splits a stream of chunks (e.g. a `fs.createReadStream`) into lines, decoding UTF-8 across chunk edges. */
export async function* linesOf(chunks: AsyncIterable<string | Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8');
  let pending = '';
  for await (const chunk of chunks) {
    pending += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    const lastBreak = pending.lastIndexOf('\n');
    if (lastBreak < 0) continue;
    yield* splitLines(pending.slice(0, lastBreak + 1));
    pending = pending.slice(lastBreak + 1);
  }
  pending += decoder.decode();
  if (pending !== '') yield* splitLines(pending);
}

/** Spreadsheet tools start CSV files with a byte order mark; it is not part of the first field. */
function withoutBom(text: string, line: number): string {
  return line === 1 && text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function withoutCr(text: string): string {
  return text.endsWith('\r') ? text.slice(0, -1) : text;
}

export function* runLineParser(parser: LineParser, input: TextInput): Generator<ParseItem> {
  const lines = typeof input === 'string' ? splitLines(input) : input;
  let line = 0;
  for (const text of lines) {
    line += 1;
    yield* parser.feed(withoutBom(withoutCr(text), line), line);
  }
  yield* parser.end();
}

export async function* runLineParserAsync(
  parser: LineParser,
  lines: AsyncIterable<string>,
): AsyncGenerator<ParseItem> {
  let line = 0;
  for await (const text of lines) {
    line += 1;
    yield* parser.feed(withoutBom(withoutCr(text), line), line);
  }
  yield* parser.end();
}

export function collect(items: Iterable<ParseItem>): ParseResult {
  const result: ParseResult = { samples: [], errors: [] };
  for (const item of items) {
    if ('sample' in item) result.samples.push(item.sample);
    else result.errors.push(item.error);
  }
  return result;
}
