import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { buildBundle, launchBrowser, type TestBrowser } from './browser.ts';
import { snapshot } from './samples.ts';
import { ADMIN_TOKEN, type DashboardServer, startDashboardServer } from './server.ts';

/**
 * Where the browser tests write screenshots and figures.json: a git-ignored build folder, so `npm test`
 * never rewrites tracked files. `npm run screenshots` refreshes the committed ones in docs/screenshots.
 */
export const SCREENSHOTS = join(import.meta.dirname, '../../.artifacts/screenshots');

export interface Fixture {
  readonly server: DashboardServer;
  readonly browser: TestBrowser;
  readonly distDir: string;
  /** A page signed in as the admin, on `path`. */
  signedIn(path?: string, token?: string): Promise<Page>;
  /** Pushes one snapshot of `host` every second (as the built-in local agent would) until stopped. */
  feed(host: string, cpu: (i: number) => number): () => void;
  close(): Promise<void>;
}

export async function startFixture(): Promise<Fixture> {
  const distDir = await buildBundle();
  const server = await startDashboardServer(distDir);
  const browser = await launchBrowser();
  const feeds = new Set<NodeJS.Timeout>();
  mkdirSync(SCREENSHOTS, { recursive: true });
  return {
    server,
    browser,
    distDir,
    async signedIn(path = '/', token = ADMIN_TOKEN) {
      const page = await browser.page();
      await page.goto(`${server.url}${path}`);
      await page.getByLabel('API token').fill(token);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.locator('header.top').waitFor();
      return page;
    },
    feed(host, cpu) {
      let i = 0;
      const push = () => {
        const body = { hosts: [{ host, name: host, snapshots: [snapshot(Date.now(), {}, cpu(i++))] }] };
        server.ingest(body).catch(() => undefined);
      };
      push();
      const timer = setInterval(push, 1000);
      feeds.add(timer);
      return () => {
        clearInterval(timer);
        feeds.delete(timer);
      };
    },
    async close() {
      for (const timer of feeds) clearInterval(timer);
      await browser.close();
      await server.close();
      rmSync(distDir, { recursive: true, force: true });
    },
  };
}

/** A full-page screenshot into SCREENSHOTS, after checking the page never shows "Invalid Date". */
export async function shoot(page: Page, name: string): Promise<void> {
  await expectNoInvalidText(page);
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

export async function expectNoInvalidText(page: Page): Promise<void> {
  const text = (await page.locator('body').textContent()) ?? '';
  expect(text).not.toContain('Invalid Date');
  expect(text).not.toMatch(/\bNaN\b/);
}

/** Evaluates a browser expression (a string: this project's type-check has no DOM types). */
export function inPage<T = unknown>(page: Page, expression: string): Promise<T> {
  return page.evaluate<T>(expression);
}

/** What a page received and logged since it was watched: for "no failed request, no console error". */
export interface PageWatch {
  /** Every answer of 400 or more the page received, as `status path`. */
  readonly failed: string[];
  /** Where this page's console problems start in `f.browser.problems`. */
  readonly since: number;
}

export function watchPage(f: Fixture, page: Page): PageWatch {
  const failed: string[] = [];
  page.on('response', (res) => {
    if (res.status() >= 400) failed.push(`${res.status()} ${new URL(res.url()).pathname}`);
  });
  return { failed, since: f.browser.problems.length };
}
