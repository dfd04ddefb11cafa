import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

/** Debian's Chromium; never a downloaded browser. */
export const CHROMIUM = '/usr/bin/chromium';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface TestBrowser {
  readonly context: BrowserContext;
  /** A new tab; console errors and failed requests are collected into `problems`. */
  page(): Promise<Page>;
  readonly problems: string[];
  close(): Promise<void>;
}

/** Chromium with a fresh user data dir, in the viewer's time zone of the test (UTC here, set explicitly). */
export async function launchBrowser(
  options: { timezoneId?: string; colorScheme?: 'light' | 'dark' } = {},
): Promise<TestBrowser> {
  const dir = mkdtempSync(join(tmpdir(), 'vitals-chromium-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    args: ARGS,
    headless: true,
    viewport: { width: 1400, height: 900 },
    timezoneId: options.timezoneId ?? 'Europe/Berlin',
    colorScheme: options.colorScheme ?? 'light',
    acceptDownloads: true,
  });
  // Fail an action in 10 s with its own message rather than at the test's 30 s timeout.
  context.setDefaultTimeout(10_000);
  const problems: string[] = [];
  return {
    context,
    problems,
    async page() {
      const page = await context.newPage();
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(`console: ${m.text()}`);
      });
      page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
      return page;
    },
    async close() {
      await context.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Builds the dashboard into a temp dir as `npm run build:web` does (the tests never depend on a stale
 * web/dist). A child process, because vitest's NODE_ENV=test would make Vite keep development code.
 */
export async function buildBundle(): Promise<string> {
  const outDir = mkdtempSync(join(tmpdir(), 'vitals-web-dist-'));
  const root = join(import.meta.dirname, '../..');
  const vite = join(root, 'node_modules/vite/bin/vite.js');
  const args = [
    vite,
    'build',
    '--config',
    'web/vite.config.ts',
    '--outDir',
    outDir,
    '--emptyOutDir',
    '--logLevel',
    'warn',
  ];
  await promisify(execFile)(process.execPath, args, {
    cwd: root,
    env: { ...process.env, NODE_ENV: 'production' },
  });
  return outDir;
}

/** Bytes of the bundle the browser loads (HTML, JS, CSS), raw and gzipped. */
export function bundleSize(distDir: string): { raw: number; gzip: number } {
  let raw = 0;
  let gzip = 0;
  for (const entry of readdirSync(distDir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !/\.(html|js|css)$/.test(entry.name)) continue;
    const body = readFileSync(join(entry.parentPath, entry.name));
    raw += body.length;
    gzip += gzipSync(body, { level: 9 }).length;
  }
  return { raw, gzip };
}
