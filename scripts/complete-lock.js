// Adds lock entries for platform packages the registry reachable here does not serve (macOS, Windows,
// Android and musl builds of biome and msgpackr-extract). npm leaves them out of package-lock.json when
// it cannot fetch them, and `npm ci` then refuses the lock; as optional packages of other platforms they
// are never installed here, so an entry with their platform is all npm ci needs.
// Run after any `npm install` that rewrites the lock: `node scripts/complete-lock.js`.
import { readFileSync, writeFileSync } from 'node:fs';

const path = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(path, 'utf8'));
const platforms = {
  'android-arm64': { os: ['android'], cpu: ['arm64'] },
  'android-x64': { os: ['android'], cpu: ['x64'] },
  'darwin-arm64': { os: ['darwin'], cpu: ['arm64'] },
  'darwin-x64': { os: ['darwin'], cpu: ['x64'] },
  'linux-arm': { os: ['linux'], cpu: ['arm'] },
  'linux-arm64-musl': { os: ['linux'], cpu: ['arm64'], libc: ['musl'] },
  'linux-x64-musl': { os: ['linux'], cpu: ['x64'], libc: ['musl'] },
  'win32-arm64': { os: ['win32'], cpu: ['arm64'] },
  'win32-x64': { os: ['win32'], cpu: ['x64'] },
};

let added = 0;
for (const entry of Object.values(lock.packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const at = `node_modules/${name}`;
    if (lock.packages[at]) continue;
    const platform = Object.entries(platforms).find(([suffix]) => name.endsWith(`-${suffix}`));
    if (!platform) continue;
    lock.packages[at] = { version, ...platform[1], optional: true, ...(entry.dev ? { dev: true } : {}) };
    added++;
  }
}
writeFileSync(path, `${JSON.stringify(lock, null, 2)}\n`);
process.stdout.write(`complete-lock: ${added} entr${added === 1 ? 'y' : 'ies'} added\n`);
