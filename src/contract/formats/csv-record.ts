/** RFC 4180 fields: one record per call; quoted fields may hold commas, doubled quotes and line breaks. */
import { fail } from './sample.ts';

/** Returned (not thrown) when a quoted field is still open at the end of the text given. */
export const INCOMPLETE = Symbol('incomplete CSV record');

/** Reads a quoted field starting at `start` (the opening quote); returns the field and where it ended. */
function readQuotedField(text: string, start: number): [string, number] | typeof INCOMPLETE {
  let field = '';
  let from = start + 1;
  for (;;) {
    const quote = text.indexOf('"', from);
    if (quote < 0) return INCOMPLETE;
    field += text.slice(from, quote);
    if (text.charAt(quote + 1) !== '"') return [field, quote + 1];
    field += '"';
    from = quote + 2;
  }
}

/**
 * Splits `text` into fields, or returns `INCOMPLETE` when a quoted field runs past its end (the record
 * continues on the next line). Throws `LineSyntaxError` for a quote inside an unquoted field or text after
 * a closing quote.
 */
export function splitCsvRecord(text: string): string[] | typeof INCOMPLETE {
  const fields: string[] = [];
  let pos = 0;
  for (;;) {
    if (text.charAt(pos) === '"') {
      const quoted = readQuotedField(text, pos);
      if (quoted === INCOMPLETE) return INCOMPLETE;
      fields.push(quoted[0]);
      pos = quoted[1];
      if (pos < text.length && text.charAt(pos) !== ',')
        fail(`unexpected text after a closing quote in field ${fields.length}`);
    } else {
      const comma = text.indexOf(',', pos);
      const field = text.slice(pos, comma < 0 ? text.length : comma);
      if (field.includes('"')) fail(`a quote inside unquoted field ${fields.length + 1}`);
      fields.push(field);
      pos += field.length;
    }
    if (pos >= text.length) return fields;
    pos += 1; // the comma
  }
}

/** Quotes a field when RFC 4180 requires it. */
export function quoteCsvField(field: string): string {
  return /[",\r\n]/.test(field) ? `"${field.replaceAll('"', '""')}"` : field;
}
