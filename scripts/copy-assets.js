// Copies the non-TypeScript files the server reads at run time (Lua scripts) from src/ into dist/,
// keeping their paths, so the compiled server finds them where the sources do.
import { cpSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const src = join(root, 'src');
const dist = join(root, 'dist');
let copied = 0;
for (const entry of readdirSync(src, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !entry.name.endsWith('.lua')) continue;
  const from = join(entry.parentPath, entry.name);
  cpSync(from, join(dist, relative(src, from)));
  copied++;
}
process.stdout.write(`copied ${copied} Lua scripts into dist/\n`);
