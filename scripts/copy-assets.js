// The non-TypeScript files the server reads at run time: every Lua script of src/ (read beside the module
// that loads it, `new URL('./lua/…', import.meta.url)`), copied into the compiled output at the same paths.
import { cpSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

const ASSET = /\.lua$/;

/** Copies src/**\/*.lua into `outDir`; returns how many files it copied. */
export function copyAssets(srcDir, outDir) {
  let copied = 0;
  for (const entry of readdirSync(srcDir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !ASSET.test(entry.name)) continue;
    const from = join(entry.parentPath, entry.name);
    cpSync(from, join(outDir, relative(srcDir, from)));
    copied++;
  }
  return copied;
}
