import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { command, type RedisServer, startRedis, waitFor, withConnection } from '../harness/index.ts';
import {
  expectNoInvalidText,
  type Fixture,
  inPage,
  type PageWatch,
  shoot,
  startFixture,
  watchPage,
} from './fixture.ts';
import { auth } from './server.ts';

/** Newest series keys of a host through the API (empty while it has none or does not exist). */
async function latestKeys(f: Fixture, host: string): Promise<string[]> {
  const res = await fetch(`${f.server.url}/api/v1/hosts/${host}/metrics/latest`, { headers: auth() });
  if (res.status !== 200) return [];
  const body = (await res.json()) as { metrics: Array<{ series: string }> };
  return body.metrics.map((m) => m.series);
}

/** Status of a Redis health report through the API. */
async function healthStatus(f: Fixture, host?: string): Promise<number> {
  const q = host ? `?host=${host}` : '';
  return (await fetch(`${f.server.url}/api/v1/redis/health${q}`, { headers: auth() })).status;
}

/**
 * The health routes answer 503 while a check fails (like /health), which Chromium logs as a failed
 * resource: those are expected exactly when the API says so; nothing else may fail or log an error.
 */
async function expectClean(f: Fixture, w: PageWatch, host?: string): Promise<void> {
  const failing = (await healthStatus(f, host)) === 503;
  const isHealth = (r: string): boolean => r === '503 /api/v1/redis/health';
  const health = w.failed.filter(isHealth);
  expect(w.failed.filter((r) => !isHealth(r))).toEqual([]);
  if (!failing) expect(health).toEqual([]);
  const logged = f.browser.problems.slice(w.since).filter((p) => !(failing && /status of 503/.test(p)));
  expect(logged).toEqual([]);
}

function figure(page: Page, id: string) {
  return page.locator(`[data-figure="${id}"] dd`).first();
}

describe('dashboard in Chromium: Redis page of a monitored Redis and the System page', () => {
  let f: Fixture;
  let target: RedisServer;

  beforeAll(async () => {
    f = await startFixture();
    // The monitored Redis: a second private redis-server with a memory limit (so memory is judged against
    // maxmemory), some traffic with hits and misses, and a slow command in its slow log.
    target = await startRedis();
    await command(target.port, 'CONFIG', 'SET', 'maxmemory', String(64 * 1024 * 1024));
    await withConnection(target.port, async (client) => {
      const pipe = client.pipeline();
      for (let i = 0; i < 200; i++) pipe.set(`k:${i}`, `v${i}`);
      for (let i = 0; i < 300; i++) pipe.get(`k:${i % 240}`); // 40 misses in every 240 lookups
      await pipe.exec();
      await client.call('DEBUG', 'SLEEP', '0.02');
    });
    // Vitals' own Redis gets a limit too, so its memory check judges usage rather than fragmentation.
    await command(f.server.redis.port, 'CONFIG', 'SET', 'maxmemory', String(512 * 1024 * 1024));
    const created = await fetch(`${f.server.url}/api/v1/hosts`, {
      method: 'POST',
      headers: { ...auth(), 'content-type': 'application/json' },
      body: JSON.stringify({
        id: 'cache-1',
        name: 'Cache 1',
        labels: { role: 'cache' },
        metricsInterval: 60,
        collector: { kind: 'redis', settings: { url: target.url } },
      }),
    });
    expect(created.status).toBe(201);
    const collect = await fetch(`${f.server.url}/api/v1/hosts/cache-1/collect`, {
      method: 'POST',
      headers: auth(),
    });
    expect(collect.status).toBeLessThan(300);
    await waitFor(async () => (await latestKeys(f, 'cache-1')).includes('redis.memory.used_memory'), {
      timeoutMs: 20_000,
      message: 'cache-1 collected',
    });
    // The self-monitor stores Vitals' own Redis every 15 s (test servers start with it off).
    const started = await fetch(`${f.server.url}/monitoring/start`, { method: 'POST', headers: auth() });
    expect(started.status).toBe(200);
    await waitFor(async () => (await latestKeys(f, 'vitals-redis')).includes('redis.memory.used_memory'), {
      timeoutMs: 40_000,
      intervalMs: 500,
      message: 'vitals-redis stored by the self-monitor',
    });
    // …and the process' own figures as host `vitals`.
    await waitFor(async () => (await latestKeys(f, 'vitals')).includes('vitals.queue.waiting'), {
      timeoutMs: 40_000,
      intervalMs: 500,
      message: 'vitals stored by the self-metrics',
    });
  }, 90_000);
  afterAll(async () => {
    await f?.close();
    await target?.close();
  });

  it('does show memory, hit rate, per-command latency, health badges and insights of a monitored Redis', async () => {
    const page = await f.signedIn('/redis/cache-1');
    const w = watchPage(f, page);
    await page.getByRole('heading', { name: 'Redis · Cache 1' }).waitFor();
    await expect.poll(() => figure(page, 'memory').textContent()).toMatch(/\d+(\.\d)? (B|KiB|MiB)$/);
    // Used vs max, with the percentage.
    expect(await page.locator('[data-figure="memory"]').textContent()).toContain('of 64.0 MiB');
    expect(await page.locator('[data-figure="memory"] .meter-value').textContent()).toMatch(/^\d+(\.\d)? %$/);
    // 260 hits and 40 misses: 86.7 %.
    await expect.poll(() => figure(page, 'hit-rate').textContent()).toBe('87 %');
    // A server-side latency row for GET, with its calls.
    const get = page.locator('table.commands tr[data-command="get" i]');
    await get.waitFor();
    expect(await get.locator('td').first().textContent()).toBe('300');
    expect(await get.locator('td').nth(2).textContent()).toMatch(/ms$/);
    // Health checks: a badge with words, an observed value and thresholds.
    const memory = page.locator('.check[data-check="memory"]');
    await memory.waitFor();
    expect(await memory.locator('.check-status').textContent()).toMatch(/^(Pass|Warn|Fail)$/);
    expect(await memory.locator('.check-value').textContent()).toMatch(/%$/);
    expect(await memory.locator('.check-thresholds').textContent()).toContain('fail at 90 %');
    expect(await page.locator('.check').count()).toBeGreaterThanOrEqual(5);
    // An insight, or the empty state.
    await page.locator('.insight, .empty-insights').first().waitFor();
    // The slow log shows DEBUG SLEEP by name only.
    await page
      .locator('table.slowlog')
      .getByText(/^debug \(\d+ args?\)$/i)
      .first()
      .waitFor();
    await shoot(page, 'redis');
    await expectClean(f, w, 'cache-1');
    await page.close();
  });

  it('does link the Redis page from the overview and the host page', async () => {
    const page = await f.signedIn('/');
    await page
      .locator('tr[data-host="cache-1"]')
      .getByRole('link', { name: 'Redis view of Cache 1' })
      .click();
    await page.getByRole('heading', { name: 'Redis · Cache 1' }).waitFor();
    await page.getByRole('link', { name: 'all series of Cache 1' }).click();
    await page.getByRole('heading', { name: 'Cache 1', exact: true }).waitFor();
    await page.getByRole('link', { name: 'Redis view' }).click();
    await page.getByRole('heading', { name: 'Redis · Cache 1' }).waitFor();
    await page.close();
  });

  it("does show Vitals' own Redis, the queue, ingest and client command timings on the System page", async () => {
    const page = await f.signedIn('/');
    const w = watchPage(f, page);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'System' }).click();
    await page.getByRole('heading', { name: 'System', level: 1 }).waitFor();
    const own = page.locator('.redis-view[data-redis="self"]');
    await expect.poll(() => own.locator('[data-figure="memory"] dd').first().textContent()).toMatch(/B$/);
    expect(await own.locator('[data-figure="memory"]').textContent()).toContain('of 512 MiB');
    await own.locator('.check[data-check="connectivity"] .check-status').waitFor();
    // The performance check reports each of its figures (latency, hit rate, error rate) with a status.
    await expect
      .poll(() => own.locator('.check[data-check="performance"] .check-figures li').count())
      .toBeGreaterThanOrEqual(2);
    // Client-side timings of the commands this server sends (EVALSHA, GET, SET… as the client saw them).
    const timings = own.locator('table.client-commands tbody tr');
    await timings.first().waitFor();
    expect(await timings.count()).toBeGreaterThan(0);
    expect(await timings.first().locator('td').nth(4).textContent()).toMatch(/ms$/);
    // Queue figures: the counts from the queue API are numbers.
    await expect.poll(() => figure(page, 'waiting').textContent()).toMatch(/^\d+$/);
    expect(await figure(page, 'failed').textContent()).toMatch(/^\d+$/);
    await page.getByRole('heading', { name: 'Ingest' }).waitFor();
    await shoot(page, 'system');
    await expectClean(f, w);
    await page.close();
  });

  it('does render the Redis page in the dark theme', async () => {
    const page = await f.signedIn('/redis/cache-1');
    const w = watchPage(f, page);
    await page.getByLabel('Theme').selectOption('dark');
    expect(await inPage(page, 'document.documentElement.dataset.theme')).toBe('dark');
    await page.locator('.check[data-check="memory"]').waitFor();
    const background = await inPage<string>(page, 'getComputedStyle(document.body).backgroundColor');
    expect(background).toBe('rgb(15, 17, 21)');
    const card = await inPage<string>(
      page,
      "getComputedStyle(document.querySelector('.check')).backgroundColor",
    );
    expect(card).toBe('rgb(23, 26, 33)');
    await page.locator('table.commands tr[data-command="get" i]').waitFor();
    await shoot(page, 'redis-dark');
    await page.getByLabel('Theme').selectOption('system');
    await expectClean(f, w, 'cache-1');
    await page.close();
  });

  it('does show N/A for a Redis never collected, and a note for another org', async () => {
    const created = await fetch(`${f.server.url}/api/v1/hosts`, {
      method: 'POST',
      headers: { ...auth(), 'content-type': 'application/json' },
      body: JSON.stringify({
        id: 'cache-9',
        name: 'Cache 9',
        collector: { kind: 'redis', settings: { url: 'redis://127.0.0.1:9' } },
      }),
    });
    expect(created.status).toBe(201);
    const page = await f.signedIn('/redis/cache-9');
    await page.getByRole('heading', { name: 'Redis · Cache 9' }).waitFor();
    await expect.poll(() => figure(page, 'memory').textContent()).toBe('N/A');
    expect(await figure(page, 'hit-rate').textContent()).toBe('N/A');
    await page.getByText('No per-command figures yet.').waitFor();
    await expectNoInvalidText(page);

    // A host that is not a Redis gets a note, not a broken view.
    await f.server.ingest({
      hosts: [{ host: 'web-1', snapshots: [{ timestamp: Date.now(), metrics: { 'cpu.usage': 5 } }] }],
    });
    await page.goto(`${f.server.url}/redis/web-1`);
    await page.getByText('is not collected as a Redis').waitFor();

    // Another org: neither Vitals' own Redis nor this org's hosts.
    const tenancy = f.server.runtime.api.tenancy;
    await tenancy.createOrg({ id: 'other', name: 'Other' });
    const other = await tenancy.createToken('other', { name: 'reader', scopes: ['read'] });
    const page2 = await f.signedIn('/system', other.token);
    await page2.getByText('No stored figures of the server itself').waitFor();
    await page2.getByText("Vitals' own Redis belongs to the default org").waitFor();
    await expectNoInvalidText(page2);
    await page2.goto(`${f.server.url}/redis/cache-1`);
    await page2.getByText('There is no host').waitFor();
    // Only the refusals this test asked for: 404s (another org), 503s of failing checks, and /metrics
    // refusing another org's token.
    const left = f.browser.problems.filter((p) => !/status of (401|403|404|503)/.test(p));
    expect(left).toEqual([]);
    await page.close();
    await page2.close();
  });
});
