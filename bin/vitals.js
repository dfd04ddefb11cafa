#!/usr/bin/env node
// Entry of the `vitals` command. It runs the compiled JavaScript in dist/ when `npm run build` made it
// from the sources as they are now; otherwise (a checkout being worked on) the TypeScript sources, which
// tsx compiles on load. Either way the command runs in this process, so signals reach it.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isStale } from '../scripts/build-stamp.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

// A deployment may ship dist/ without src/: nothing to compare with, the build is what there is.
if (!existsSync(join(root, 'src')) || !isStale(root, 'server')) {
  await import('../dist/cli/vitals.js');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/vitals.ts');
}
