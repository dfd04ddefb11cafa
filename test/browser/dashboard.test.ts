import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../harness/index.ts';
import { expectNoInvalidText, type Fixture, inPage, shoot, startFixture } from './fixture.ts';
import { history } from './samples.ts';
import { ADMIN_TOKEN } from './server.ts';

/** The CPU text of a host's overview row, e.g. "42 %". */
function cpuText(page: Page, host: string): Promise<string | null> {
  return page.locator(`tr[data-host="${host}"] td`).nth(1).locator('.meter-value').textContent();
}

describe('dashboard in Chromium: sign-in, overview, host page, live updates', () => {
  let f: Fixture;
  let stopFeed: () => void;

  beforeAll(async () => {
    f = await startFixture();
    const now = Date.now();
    await f.server.ingest(
      history('web-1', now - 6 * 3_600_000, now - 60_000, 30_000, { mounts: ['/', '/data'] }, 'Web 1'),
    );
    // The busy host's CPU sits over its 90 % threshold.
    await f.server.ingest({
      hosts: [
        {
          host: 'batch-7',
          name: 'Batch 7',
          labels: { env: 'prod' },
          snapshots: [
            {
              timestamp: now - 2000,
              metrics: { 'cpu.usage': 97, 'mem.used_pct': 81, 'disk.used_pct{mount="/"}': 40 },
            },
          ],
        },
      ],
    });
    stopFeed = f.feed('local', (i) => 20 + ((i * 17) % 60));
  });
  afterAll(async () => {
    stopFeed?.();
    await f?.close();
  });

  it('does refuse a wrong token, then signs in and keeps the token in session storage only', async () => {
    const page = await f.browser.page();
    await page.goto(f.server.url);
    await expect.poll(() => page.title()).toBe('Sign in · Vitals');
    await shoot(page, 'sign-in');
    await page.getByLabel('API token').fill('vt_not-a-real-token-at-all-xxxxxxxxxx');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'not valid' }).waitFor();
    await page.getByLabel('API token').fill(ADMIN_TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    expect(await inPage(page, "sessionStorage.getItem('vitals.token')")).toBe(ADMIN_TOKEN);
    expect(await inPage(page, "localStorage.getItem('vitals.token')")).toBeNull();
    expect(await inPage(page, 'document.cookie')).toBe('');
    await page.close();
  });

  it("does show every host with status and thresholds' colours, and updates the local host live", async () => {
    const page = await f.signedIn();
    await page.locator('tr[data-host="local"]').waitFor();
    await expect.poll(() => page.locator('.live').textContent(), { timeout: 10_000 }).toBe('Live');
    const busy = page.locator('tr[data-host="batch-7"]');
    await expect.poll(() => busy.locator('.meter').first().getAttribute('class')).toContain('level-crit');
    expect(await busy.locator('.badge').textContent()).toBe('Up');
    // Without a reload, the local host's CPU changes as samples arrive over SSE.
    const seen = new Set([await cpuText(page, 'local')]);
    await waitFor(async () => seen.add(await cpuText(page, 'local')).size >= 3, {
      timeoutMs: 15_000,
      intervalMs: 200,
      message: 'live CPU values',
    });
    await shoot(page, 'overview');
    await page.close();
  });

  it('does search and filter by keyboard', async () => {
    const page = await f.signedIn();
    await page.locator('tr[data-host="web-1"]').waitFor();
    await page.keyboard.press('/');
    await page.keyboard.type('env=prod');
    await expect.poll(() => page.locator('table.hosts tbody tr').count()).toBe(1);
    expect(await page.locator('tr[data-host="batch-7"]').count()).toBe(1);
    await page.getByLabel('Search hosts').fill('');
    await page.getByLabel('Status').selectOption('down');
    await expect.poll(() => page.locator('table.hosts tbody tr').count()).toBe(0);
    // The first Tab stop is the skip link.
    await page.getByLabel('Status').selectOption('all');
    await page.reload();
    await page.locator('tr[data-host="web-1"]').waitFor();
    await page.keyboard.press('Tab');
    expect(await inPage(page, 'document.activeElement?.textContent')).toBe('Skip to content');
    await page.close();
  });

  it('does open a host, draw its charts with bands, change the range and keep updating live', async () => {
    const page = await f.signedIn();
    await page.getByRole('link', { name: 'Web 1' }).click();
    await page.waitForURL(/\/hosts\/web-1$/);
    for (const chart of ['cpu', 'memory', 'disk', 'network', 'load']) {
      await page.locator(`[data-chart="${chart}"] canvas`).waitFor();
    }
    expect(await page.locator('figure.chart figcaption').allTextContents()).toEqual([
      'CPU',
      'Memory',
      'Disk used, per mount',
      'Network',
      'Load average',
    ]);
    await page.locator('.segmented label', { hasText: '6 h' }).click();
    await page.waitForURL(/range=6h/);
    await expect.poll(() => page.locator('.page-head p').textContent()).toContain('min buckets');
    await shoot(page, 'host');
    // A custom range: the inputs start at the shown window, in the viewer's time zone.
    await page.locator('.segmented label', { hasText: 'Custom' }).click();
    // 90 days back, well within VITALS_MAX_QUERY_SPAN, as a local date-time input value.
    const fromText = await inPage<string>(
      page,
      '(() => { const d = new Date(Date.now() - 90 * 86400000); d.setSeconds(0, 0); return new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16); })()',
    );
    await page.getByLabel('From').fill(fromText);
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(/range=custom&from=\d+&to=\d+/);
    expect(new URL(page.url()).searchParams.get('from')).toBe(
      String(await inPage<number>(page, `new Date('${fromText}').getTime()`)),
    );
    await expect.poll(() => page.locator('.page-head p').textContent()).not.toContain('now (live)');
    // The local host on 15 min: 5 s buckets, so live samples add points within seconds.
    await page.goto(`${f.server.url}/hosts/local?range=15m`);
    const cpu = page.locator('[data-chart="cpu"]');
    await cpu.locator('canvas').waitFor();
    const before = Number(await cpu.getAttribute('data-points'));
    await expect
      .poll(async () => Number(await cpu.getAttribute('data-points')), { timeout: 15_000 })
      .toBeGreaterThan(before);
    await expectNoInvalidText(page);
    await page.close();
  });

  it('does export the shown range as CSV', async () => {
    const page = await f.signedIn('/hosts/web-1?range=1h');
    await page.locator('[data-chart="cpu"] canvas').waitFor();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^web-1-.*\.csv$/);
    const path = await download.path();
    const { readFileSync } = await import('node:fs');
    const csv = readFileSync(path, 'utf8');
    expect(csv.split('\n').length).toBeGreaterThan(10);
    expect(csv).toContain('cpu.usage');
    await page.close();
  });

  it('does switch to the dark theme and remember it', async () => {
    const page = await f.signedIn();
    await page.locator('tr[data-host="local"]').waitFor();
    await page.getByLabel('Theme').selectOption('dark');
    expect(await inPage(page, 'document.documentElement.dataset.theme')).toBe('dark');
    await page.reload();
    expect(await inPage(page, 'document.documentElement.dataset.theme')).toBe('dark');
    await page.locator('tr[data-host="web-1"] svg.sparkline').first().waitFor();
    await shoot(page, 'overview-dark');
    await page.getByLabel('Theme').selectOption('system');
    await page.close();
  });

  it('does log no browser error beyond the refused sign-in', () => {
    const unexpected = f.browser.problems.filter((p) => !p.includes('401'));
    expect(unexpected).toEqual([]);
  });
});
