import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoInvalidText, type Fixture, shoot, startFixture, watchPage } from './fixture.ts';
import { auth } from './server.ts';

const STEP = 10_000;
const GIB = 2 ** 30;

/**
 * 30 minutes of a node_exporter host, one scrape every 10 s: 2 CPUs 40 % busy, RAM 97 % used (over
 * the default 95 % threshold), / 60 % and /data 95 % full (over 90 %), a tmpfs, load, a network counter.
 */
function nodeExporterHistory(host: string, now: number) {
  const snapshots = [];
  for (let i = 0, t = now - 30 * 60_000; t < now; i++, t += STEP) {
    const fs = (mount: string, fstype: string, availPct: number): Record<string, number> => {
      const labels = `{device="/dev/${mount.length}",fstype="${fstype}",mountpoint="${mount}"}`;
      return {
        [`node_filesystem_avail_bytes${labels}`]: availPct * GIB,
        [`node_filesystem_size_bytes${labels}`]: 100 * GIB,
      };
    };
    const metrics: Record<string, number> = {
      node_memory_MemAvailable_bytes: 0.24 * GIB,
      node_memory_MemTotal_bytes: 8 * GIB,
      ...fs('/', 'ext4', 40),
      ...fs('/data', 'xfs', 5),
      ...fs('/run', 'tmpfs', 0),
      node_load1: 0.5 + (i % 7) / 10,
      node_load5: 0.6,
      node_load15: 0.7,
      'node_network_receive_bytes_total{device="eth0"}': i * 1_250_000,
    };
    for (const cpu of ['0', '1']) {
      // Per 10 s: 6 s idle, 3 s user, 1 s system → 40 % busy.
      metrics[`node_cpu_seconds_total{cpu="${cpu}",mode="idle"}`] = 5000 + i * 6;
      metrics[`node_cpu_seconds_total{cpu="${cpu}",mode="user"}`] = 800 + i * 3;
      metrics[`node_cpu_seconds_total{cpu="${cpu}",mode="system"}`] = 200 + i;
    }
    snapshots.push({ timestamp: t, metrics });
  }
  return { hosts: [{ host, name: 'Node 1', snapshots }] };
}

/** A host with redis_exporter-style names only (no memory limit): nothing the standard charts know. */
function customHistory(host: string, now: number) {
  const snapshots = [];
  for (let i = 0, t = now - 10 * 60_000; t < now; i++, t += STEP) {
    snapshots.push({
      timestamp: t,
      metrics: {
        redis_connected_clients: 5 + (i % 4),
        redis_memory_used_bytes: 3e6 + i * 1000,
        'redis_commands_total{cmd="get"}': i * 40,
        'redis_commands_total{cmd="set"}': i * 9,
      },
    });
  }
  return { hosts: [{ host, snapshots }] };
}

function meter(page: Page, id: string) {
  return page.locator(`[data-meter="${id}"] .meter`);
}

describe('dashboard in Chromium: every host has a page', () => {
  let f: Fixture;

  beforeAll(async () => {
    f = await startFixture();
    const now = Date.now();
    await f.server.ingest(nodeExporterHistory('node-1', now));
    await f.server.ingest(customHistory('cache-9', now));
    const quiet = await fetch(`${f.server.url}/api/v1/hosts`, {
      method: 'POST',
      headers: { ...auth(), 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'quiet-1' }),
    });
    expect(quiet.status).toBe(201);
  }, 120_000);
  afterAll(async () => f?.close());

  it('does derive CPU, memory and disk of a node_exporter host and judge them against its thresholds', async () => {
    const page = await f.signedIn('/hosts/node-1');
    const watch = watchPage(f, page);
    for (const chart of ['cpu', 'memory', 'disk', 'load'])
      await page.locator(`[data-chart="${chart}"] canvas`).waitFor();
    expect(await page.locator('figure.chart figcaption').allTextContents()).toEqual([
      'CPU',
      'Memory',
      'Disk used, per mount',
      'Load average',
    ]);
    await expect.poll(() => meter(page, 'cpu').locator('.meter-value').textContent()).toBe('40 %');
    expect(await meter(page, 'memory').locator('.meter-value').textContent()).toBe('97 %');
    expect(await meter(page, 'memory').getAttribute('class')).toContain('level-crit');
    expect(await meter(page, 'disk:/').getAttribute('class')).toContain('level-ok');
    expect(await meter(page, 'disk:/data').locator('.meter-value').textContent()).toBe('95 %');
    expect(await meter(page, 'disk:/data').getAttribute('class')).toContain('level-crit');
    expect(await page.locator('[data-meter="disk:/run"]').count()).toBe(0);
    const cpu = page.locator('[data-chart="cpu"]');
    expect(await cpu.getAttribute('data-threshold')).toBe('90');
    await expect.poll(async () => Number(await cpu.getAttribute('data-points'))).toBeGreaterThan(10);
    expect(await page.getByText('has not reported any metric yet').count()).toBe(0);
    await expectNoInvalidText(page);
    await shoot(page, 'host-node-exporter');
    expect(watch.failed).toEqual([]);
    await page.close();
  });

  it('does list every series in a picker and chart a picked metric, kept in the URL', async () => {
    const page = await f.signedIn('/hosts/node-1?range=1h');
    await page.getByRole('heading', { name: 'All series' }).waitFor();
    await page.locator('.series-group[data-metric="node_cpu_seconds_total"]').waitFor();
    expect(await page.locator('.series-group').count()).toBe(9);
    await page.getByLabel('Search series').fill('network');
    await expect.poll(() => page.locator('.series-group').count()).toBe(1);
    await page.getByRole('checkbox', { name: 'node_network_receive_bytes_total' }).check();
    await page.waitForURL(/metric=node_network_receive_bytes_total/);
    expect(new URL(page.url()).searchParams.get('range')).toBe('1h');
    const picked = page.locator('[data-chart="pick-node_network_receive_bytes_total"]');
    await picked.locator('canvas').waitFor();
    await expect.poll(async () => Number(await picked.getAttribute('data-points'))).toBeGreaterThan(10);
    // A link reproduces the choice; a range change keeps it.
    await page.goto(page.url());
    await picked.locator('canvas').waitFor();
    await page.locator('.segmented label', { hasText: '6 h' }).click();
    await page.waitForURL(/range=6h.*metric=node_network_receive_bytes_total/);
    await picked.locator('canvas').waitFor();
    await page.close();
  });

  it('does show a picker for a host whose series have no standard name, and chart single series', async () => {
    const page = await f.signedIn('/hosts/cache-9');
    await page.getByText('None of these series has a name the standard charts know').waitFor();
    expect(await page.locator('figure.chart').count()).toBe(0);
    expect(await page.getByText('has not reported any metric yet').count()).toBe(0);
    await page.getByRole('button', { name: 'Label sets of redis_commands_total' }).click();
    await page.getByRole('checkbox', { name: 'cmd="set"' }).check();
    await page.getByRole('checkbox', { name: 'redis_connected_clients' }).check();
    await page.waitForURL(/series=/);
    const commands = page.locator('[data-chart="pick-redis_commands_total"]');
    await commands.locator('canvas').waitFor();
    await page.locator('[data-chart="pick-redis_connected_clients"] canvas').waitFor();
    expect(await page.locator('figure.chart figcaption').allTextContents()).toEqual([
      'redis_commands_total',
      'redis_connected_clients',
    ]);
    await shoot(page, 'host-custom-series');
    await page.close();
  });

  it('does say a host has not reported only when it has no series at all', async () => {
    const page = await f.signedIn('/hosts/quiet-1');
    await page.getByText('This host has not reported any metric yet.').waitFor();
    expect(await page.getByRole('heading', { name: 'All series' }).count()).toBe(0);
    await page.close();
  });

  it('does judge the node_exporter host on the overview by the same derived figures', async () => {
    const page = await f.signedIn('/');
    const row = page.locator('tr[data-host="node-1"]');
    await row.waitFor();
    const values = row.locator('.meter-value');
    await expect.poll(() => values.allTextContents()).toEqual(['40 %', '97 %', '60 %']);
    expect(await row.locator('.meter').nth(1).getAttribute('class')).toContain('level-crit');
    await page.close();
  });

  it('does log no browser error beyond the refused sign-in', () => {
    expect(f.browser.problems.filter((p) => !p.includes('401'))).toEqual([]);
  });
});
