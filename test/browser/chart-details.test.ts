import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoInvalidText, type Fixture, inPage, startFixture } from './fixture.ts';
import { snapshot } from './samples.ts';

const HOUR = 3_600_000;

/** Six hours of a host pushing every 5 min, with network rates of tens of MB/s (labels like "25.0 MB/s"). */
function busyHistory(host: string, name: string, now: number) {
  const snapshots = [];
  for (let t = now - 6 * HOUR; t <= now - 60_000; t += 300_000) {
    const s = snapshot(t);
    s.metrics['net.rx_bps{iface="eth0"}'] = 20e6 + (t % 7) * 1e6;
    s.metrics['net.tx_bps{iface="eth0"}'] = 12.5e6;
    snapshots.push(s);
  }
  return { hosts: [{ host, name, snapshots }] };
}

describe('dashboard in Chromium: chart axes and hosts that share a name', () => {
  let f: Fixture;

  beforeAll(async () => {
    f = await startFixture();
    const now = Date.now();
    await f.server.ingest(busyHistory('twin-a', 'Twin', now));
    await f.server.ingest(busyHistory('twin-b', 'Twin', now));
  }, 120_000);
  afterAll(async () => f?.close());

  it('does tell apart two hosts with the same display name by their ids', async () => {
    const page = await f.signedIn();
    await page.locator('tr[data-host="twin-b"]').waitFor();
    await page.getByRole('link', { name: 'Twin (twin-a)', exact: true }).waitFor();
    await page.getByRole('link', { name: 'Twin (twin-b)', exact: true }).click();
    await page.waitForURL(/\/hosts\/twin-b$/);
    await page.close();
  });

  it('does draw the whole 24 h on a 24 h range although data starts 6 h ago', async () => {
    const page = await f.signedIn('/hosts/twin-a?range=24h');
    const cpu = page.locator('[data-chart="cpu"]');
    await cpu.locator('canvas').waitFor();
    await expect.poll(async () => Number(await cpu.getAttribute('data-points'))).toBeGreaterThan(10);
    await expect.poll(async () => cpu.getAttribute('data-x-min')).not.toBeNull();
    const min = Number(await cpu.getAttribute('data-x-min'));
    const max = Number(await cpu.getAttribute('data-x-max'));
    expect(max - min).toBeGreaterThanOrEqual(24 * HOUR);
    expect(min).toBeLessThanOrEqual(Date.now() - 24 * HOUR + 60_000);
    await expectNoInvalidText(page);
    await page.close();
  });

  it('does show the network y-axis labels whole, none clipped at the left edge', async () => {
    const page = await f.signedIn('/hosts/twin-a?range=6h');
    const canvas = page.locator('[data-chart="network"] canvas');
    await canvas.waitFor();
    await expect
      .poll(async () => page.locator('[data-chart="network"]').getAttribute('data-x-min'))
      .not.toBeNull();
    // Painted pixels in the two leftmost device-pixel columns, above the x axis: only a clipped y-axis
    // label can reach there.
    const painted = await inPage<number>(
      page,
      `(() => {
        const c = document.querySelector('[data-chart="network"] canvas');
        const h = Math.floor(c.height * 0.75);
        const px = c.getContext('2d').getImageData(0, 0, 2, h).data;
        let n = 0;
        for (let i = 3; i < px.length; i += 4) if (px[i] > 0) n++;
        return n;
      })()`,
    );
    expect(painted).toBe(0);
    // The labels are there at all: the axis area right of those columns is painted.
    const axisInk = await inPage<number>(
      page,
      `(() => {
        const c = document.querySelector('[data-chart="network"] canvas');
        const h = Math.floor(c.height * 0.75);
        const px = c.getContext('2d').getImageData(0, 0, Math.floor(40 * devicePixelRatio), h).data;
        let n = 0;
        for (let i = 3; i < px.length; i += 4) if (px[i] > 0) n++;
        return n;
      })()`,
    );
    expect(axisInk).toBeGreaterThan(20);
    await page.close();
  });
});
