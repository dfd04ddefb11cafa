// Whether a build is up to date with its sources. A build writes a stamp of its inputs (each file's path,
// mtime and size, hashed) into its output when it finishes; the output is current while the inputs' stamp
// is still the same. Paths take part, so an added, removed or renamed file counts as a change.
// Only Node built-ins: scripts/start.js and bin/vitals.js use this before dependencies are installed.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/** What each build reads, and where its output and stamp are, relative to the checkout. */
export const BUILDS = {
  /** `npm run build`: src/ compiled to dist/ (scripts/build.js). */
  server: {
    inputs: ['src', 'tsconfig.json', 'tsconfig.build.json'],
    output: 'dist',
    entry: 'cli/vitals.js',
  },
  /** `npm run build:web`: the dashboard bundle in web/dist (scripts/build.js web). */
  web: {
    inputs: ['web/src', 'web/public', 'web/index.html', 'web/vite.config.ts', 'web/tsconfig.json'],
    output: 'web/dist',
    entry: 'index.html',
  },
};

const STAMP_FILE = '.vitals-build.json';

function listFiles(root, input, lines) {
  const path = join(root, input);
  if (!existsSync(path)) return;
  const stat = statSync(path);
  if (stat.isFile()) {
    lines.push(`${input}\t${stat.mtimeMs}\t${stat.size}`);
    return;
  }
  for (const entry of readdirSync(path, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = join(entry.parentPath, entry.name);
    const { mtimeMs, size } = statSync(file);
    lines.push(`${relative(root, file)}\t${mtimeMs}\t${size}`);
  }
}

/** The stamp of a build's inputs as they are now in the checkout at `root`. */
export function sourceStamp(root, build) {
  const lines = [];
  for (const input of BUILDS[build].inputs) listFiles(root, input, lines);
  return createHash('sha256').update(lines.sort().join('\n')).digest('hex');
}

/** Writes `stamp` (taken before the build began, so edits made during it count) into the output. */
export function writeStamp(outputDir, stamp) {
  writeFileSync(
    join(outputDir, STAMP_FILE),
    `${JSON.stringify({ stamp, builtAt: new Date().toISOString() })}\n`,
  );
}

function builtStamp(outputDir) {
  try {
    return JSON.parse(readFileSync(join(outputDir, STAMP_FILE), 'utf8')).stamp;
  } catch {
    return undefined;
  }
}

/**
 * True when the build must run: its output or stamp is missing, or the inputs changed since.
 * @param outputDir where the build wrote; @defaultValue the build's `output` in `root`
 */
export function isStale(root, build, outputDir = join(root, BUILDS[build].output)) {
  if (!existsSync(join(outputDir, BUILDS[build].entry))) return true;
  return builtStamp(outputDir) !== sourceStamp(root, build);
}
