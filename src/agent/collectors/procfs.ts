import { readFileSync } from 'node:fs';

/**
 * Reads a kernel text file. `/proc` and `/sys` files are generated in memory and never block, so they
 * are read synchronously: `fs.promises.readFile` costs four thread-pool round trips per file (open,
 * stat, read, close), which made collecting about five times as expensive.
 */
export async function readText(path: string): Promise<string> {
  return readFileSync(path, 'utf8');
}

/** Like `readText`, but `undefined` when the file cannot be read (a sensor or device that went away). */
export async function readOptional(path: string): Promise<string | undefined> {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** The whitespace-separated fields of one line. */
export function fields(line: string): string[] {
  return line.trim().split(/\s+/);
}

/** Non-empty lines of a file's text. */
export function lines(text: string): string[] {
  return text.split('\n').filter((l) => l.trim() !== '');
}
