import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRuntime, type Runtime } from '../../src/cli/runtime.ts';
import { type RedisServer, startRedis, uniquePrefix, waitFor } from '../harness/index.ts';
import { testConfig } from '../support/config.ts';
import { buildBundle, launchBrowser, type TestBrowser } from './browser.ts';
import { expectNoInvalidText, inPage, SCREENSHOTS, shoot } from './fixture.ts';
import { snapshot } from './samples.ts';
import { ADMIN_TOKEN, auth } from './server.ts';

/** The rule the tests make fire: web-1's CPU (fed at 97 %) above 80 % at once (`forMs: 0`). */
const RULE = {
  id: 'cpu-hot',
  name: 'CPU hot',
  enabled: true,
  kind: 'threshold',
  selector: { metric: 'cpu.usage', hostIds: ['web-1'] },
  reduction: 'avg',
  windowMs: 60_000,
  comparison: '>',
  threshold: 80,
  resolveThreshold: 70,
  forMs: 0,
  severity: 'critical',
  labels: { team: 'ops' },
  annotations: { summary: 'CPU of {{host}} is hot' },
};

interface AlertWire {
  readonly id: string;
  readonly ruleId: string;
  readonly status: string;
  readonly silencedBy: readonly string[];
}

interface Server {
  readonly runtime: Runtime;
  readonly url: string;
  readonly redis: RedisServer;
  call(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }>;
}

/**
 * A real server as test/browser/server.ts starts one, with the evaluator on and every second, so an
 * alert fires within a second or two of its data.
 */
async function startServer(distDir: string): Promise<Server> {
  const redis = await startRedis();
  const config = testConfig({
    REDIS_URL: redis.url,
    VITALS_KEY_PREFIX: uniquePrefix('web-alerts'),
    VITALS_ADMIN_TOKEN: ADMIN_TOKEN,
    VITALS_DATA_DIR: mkdtempSync(join(tmpdir(), 'vitals-web-alerts-')),
    VITALS_ALERTS: 'true',
    VITALS_ALERTS_INTERVAL: '1000',
  });
  const runtime = await createRuntime(config, pino({ level: 'silent' }), { webDir: distDir });
  const url = await runtime.listen();
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: body === undefined ? auth() : { ...auth(), 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined };
  };
  await waitFor(async () => (await call('GET', '/api/v1/overview')).status === 200, {
    timeoutMs: 10_000,
    message: 'admin token accepted',
  });
  return { runtime, url, redis, call };
}

/** The open alerts of a rule, through the API. */
async function alertsOf(server: Server, rule: string, status = 'pending,firing'): Promise<AlertWire[]> {
  const res = await server.call('GET', `/api/v1/alerts?status=${status}&rule=${rule}`);
  if (res.status !== 200) return [];
  return (res.body as { alerts: AlertWire[] }).alerts;
}

function card(page: Page) {
  return page.locator(`article.alert-card[data-alert^="${RULE.id}:"]`);
}

describe('dashboard in Chromium: alerts, silences, rules and badges', () => {
  let distDir: string;
  let server: Server;
  let browser: TestBrowser;
  let feed: NodeJS.Timeout;

  /** Every answer of 400 or more a page received, as `status path`: none is expected. */
  const failed: string[] = [];
  const signedIn = async (path = '/'): Promise<Page> => {
    const page = await browser.page();
    page.on('response', (res) => {
      if (res.status() >= 400)
        failed.push(`${res.status()} ${res.request().method()} ${new URL(res.url()).pathname}`);
    });
    await page.goto(`${server.url}${path}`);
    await page.getByLabel('API token').fill(ADMIN_TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('header.top').waitFor();
    return page;
  };

  beforeAll(async () => {
    distDir = await buildBundle();
    server = await startServer(distDir);
    browser = await launchBrowser();
    mkdirSync(SCREENSHOTS, { recursive: true });
    // web-1 runs hot, db-1 idles; both report every second as an agent would.
    const push = () => {
      const now = Date.now();
      const hosts = [
        { host: 'web-1', name: 'Web 1', labels: { env: 'prod' }, snapshots: [snapshot(now, {}, 97)] },
        { host: 'db-1', name: 'DB 1', labels: { env: 'prod' }, snapshots: [snapshot(now, {}, 12)] },
      ];
      server.call('POST', '/api/v1/ingest', { hosts }).catch(() => undefined);
    };
    push();
    feed = setInterval(push, 1000);
    const created = await server.call('POST', '/api/v1/alerts/rules', RULE);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    await waitFor(async () => (await alertsOf(server, RULE.id, 'firing')).length === 1, {
      timeoutMs: 20_000,
      intervalMs: 250,
      message: 'cpu-hot firing',
    });
  }, 120_000);
  afterAll(async () => {
    clearInterval(feed);
    await browser?.close();
    await server?.runtime.close();
    await server?.redis.close();
    if (distDir) rmSync(distDir, { recursive: true, force: true });
  });

  it('does list a firing alert with its value, threshold, labels and since, counted in the navigation', async () => {
    const page = await signedIn('/');
    const nav = page.getByRole('navigation', { name: 'Main' });
    await expect.poll(() => nav.locator('.nav-count').getAttribute('data-firing')).toMatch(/^[1-9]\d*$/);
    await nav.getByRole('link', { name: /^Alerts/ }).click();
    await page.getByRole('heading', { name: 'Alerts', level: 1 }).waitFor();
    const alert = card(page);
    await alert.waitFor();
    expect(await alert.getAttribute('data-status')).toBe('firing');
    expect(await alert.locator('.alert-title').textContent()).toBe('CPU of web-1 is hot');
    expect(await alert.locator('.badge.sev-critical').textContent()).toBe('Critical');
    expect(await alert.locator('.badge.alert-firing').textContent()).toBe('Firing');
    expect(await alert.locator('.alert-value').textContent()).toMatch(/^97 threshold 80$/);
    const labels = await alert.locator('.alert-labels li').allTextContents();
    expect(labels).toEqual(expect.arrayContaining(['team=ops', 'host=web-1', 'severity=critical']));
    expect(await alert.locator('time').first().textContent()).toMatch(/ago$/);
    // Filters live in the address: severity "warning" hides it, "critical" shows it again.
    await page.getByLabel('Severity').selectOption('warning');
    await page.waitForURL(/severity=warning/);
    await expect.poll(() => card(page).count()).toBe(0);
    await page.getByLabel('Severity').selectOption('critical');
    await card(page).waitFor();
    await page.getByLabel('Rule').selectOption(RULE.id);
    await page.waitForURL(/rule=cpu-hot/);
    await expect.poll(() => page.locator('article.alert-card').count()).toBe(1);
    await shoot(page, 'alerts');
    expect([...failed, ...browser.problems]).toEqual([]);
    await page.close();
  });

  it('does show firing counts by severity on the overview row and the host page, linking to the filtered list', async () => {
    const page = await signedIn('/');
    const row = page.locator('tr[data-host="web-1"]');
    const badge = row.locator('a.alert-badges');
    await badge.waitFor();
    expect(await badge.getAttribute('aria-label')).toMatch(/^Web 1: \d+ critical.* alerts firing$/);
    expect(await badge.locator('.sev-critical').textContent()).toMatch(/^\d+ critical$/);
    // The idle host has no badge.
    await page.locator('tr[data-host="db-1"]').waitFor();
    expect(await page.locator('tr[data-host="db-1"] a.alert-badges').count()).toBe(0);
    await badge.click();
    await page.waitForURL(/\/alerts\?host=web-1$/);
    expect(await page.getByLabel('Host', { exact: true }).inputValue()).toBe('web-1');
    await card(page).waitFor();
    await page.goto(`${server.url}/hosts/web-1`);
    await page.getByRole('heading', { name: 'Web 1', exact: true }).waitFor();
    await page.locator('.page-head a.alert-badges .sev-critical').waitFor();
    expect([...failed, ...browser.problems]).toEqual([]);
    await page.close();
  });

  it('does preview the series a rule matches and whether each would fire, then saves it; defaults are marked', async () => {
    const page = await signedIn('/alerts/rules');
    await page.getByRole('heading', { name: 'Alert rules' }).waitFor();
    // Built-in defaults: marked, and disabled rather than deleted.
    const builtIn = page.locator('table.rules tbody tr').filter({ has: page.locator('.badge.builtin') });
    await builtIn.first().waitFor();
    const first = builtIn.first();
    expect(await first.getByRole('button', { name: /^Delete/ }).count()).toBe(0);
    const ruleId = (await first.getAttribute('data-rule')) ?? '';
    const ruleName = (await first.locator('th a').textContent()) ?? '';
    await first.getByRole('button', { name: `Disable ${ruleName}` }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `Disabled "${ruleName}"` })
      .waitFor();
    const again = page.locator(`table.rules tr[data-rule="${ruleId}"]`);
    await expect.poll(() => again.locator('td').nth(3).textContent()).toBe('Disabled');
    await again.getByRole('button', { name: `Enable ${ruleName}` }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `Enabled "${ruleName}"` })
      .waitFor();

    await page.getByRole('link', { name: 'New rule' }).click();
    await page.getByRole('heading', { name: 'New rule', level: 1 }).waitFor();
    await page.getByLabel('Name', { exact: true }).fill('Busy CPU');
    await page.getByLabel('Metric').fill('cpu.usage');
    await page.getByLabel('Host labels').fill('env=prod');
    await page.getByLabel('Window').fill('1m');
    await page.getByLabel('Threshold', { exact: true }).fill('50');
    await page.getByLabel('For', { exact: true }).fill('0s');
    const preview = page.locator('table.preview');
    await expect
      .poll(() => preview.locator('tbody tr[data-state="breaching"] td').first().textContent(), {
        timeout: 10_000,
      })
      .toBe('web-1');
    const idle = preview.locator('tbody tr').filter({ hasText: 'db-1' });
    expect(await idle.getAttribute('data-state')).toBe('ok');
    expect(await idle.locator('.badge').textContent()).toBe('OK');
    expect(await preview.locator('tbody tr[data-state="breaching"] .badge').first().textContent()).toBe(
      'Would fire',
    );
    expect(await page.locator('[data-preview-summary]').textContent()).toMatch(
      /2 series matched, 1 would fire now/,
    );
    await shoot(page, 'alert-rule-editor');
    await page.getByRole('button', { name: 'Create rule' }).click();
    await page.waitForURL(/\/alerts\/rules\/busy-cpu\?saved=1$/);
    await page.getByRole('status').filter({ hasText: 'Saved "Busy CPU"' }).waitFor();
    await page.goto(`${server.url}/alerts/rules`);
    await page.locator('tr[data-rule="busy-cpu"]').waitFor();
    await shoot(page, 'alert-rules');
    // The new rule is not needed further: delete it (a rule of one's own can be).
    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: 'Delete Busy CPU' }).click();
    await expect.poll(() => page.locator('tr[data-rule="busy-cpu"]').count()).toBe(0);
    expect([...failed, ...browser.problems]).toEqual([]);
    await page.close();
  });

  it('does acknowledge with a note, then resolve with a note, and show the history of both', async () => {
    const page = await signedIn('/alerts?rule=cpu-hot');
    const alert = card(page).filter({ has: page.locator('.alert-firing') });
    await alert.waitFor();
    const id = (await alert.getAttribute('data-alert')) ?? '';
    await alert.getByRole('button', { name: 'Acknowledge…' }).click();
    await alert.getByLabel('Note').fill('Looking at the cron job');
    await alert.getByLabel('Expires').selectOption({ label: '1 h' });
    await alert.getByRole('button', { name: 'Acknowledge', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Acknowledged.' }).waitFor();
    await expect.poll(() => page.locator(`article[data-alert="${id}"]`).count()).toBe(0);

    await page
      .getByRole('navigation', { name: 'Alert status' })
      .getByRole('link', { name: /^Acknowledged/ })
      .click();
    await page.waitForURL(/tab=acknowledged/);
    const acked = page.locator(`article[data-alert="${id}"]`);
    await acked.waitFor();
    expect(await acked.getAttribute('data-status')).toBe('acknowledged');
    expect(await acked.locator('.alert-ack').textContent()).toMatch(
      /^Acknowledged by .+ until .+Looking at the cron job$/,
    );
    await acked.getByRole('button', { name: 'Resolve…' }).click();
    await acked.getByLabel('Note').fill('Cron job moved to the night');
    await acked.getByRole('button', { name: 'Resolve', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Resolved.' }).waitFor();

    // The resolved list held back: until it is in, the tab shows neither the acknowledged tab's cards
    // (the alert still as acknowledged there) nor anything else, but that it is loading.
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let passed = Promise.resolve();
    await page.route(/\/api\/v1\/alerts\?.*status=resolved/, async (route) => {
      passed = held.then(() => route.continue());
      await passed;
    });
    await page
      .getByRole('navigation', { name: 'Alert status' })
      .getByRole('link', { name: 'Resolved' })
      .click();
    await page.waitForURL(/tab=resolved/);
    await page.getByText('Loading…').waitFor();
    expect(await page.locator('article[data-alert]').count()).toBe(0);
    release();
    await passed;
    await page.unroute(/\/api\/v1\/alerts\?.*status=resolved/);
    const resolved = page.locator(`article[data-alert="${id}"]`);
    await resolved.waitFor();
    expect(await resolved.getAttribute('data-status')).toBe('resolved');
    expect(await resolved.locator('.alert-resolution').textContent()).toContain(
      'Cron job moved to the night',
    );
    await resolved.getByRole('button', { name: 'History' }).click();
    const history = resolved.getByRole('list', { name: 'History' });
    await history.locator('li').first().waitFor();
    const actions = await history
      .locator('li')
      .evaluateAll((items) => items.map((li) => li.getAttribute('data-action')));
    expect(actions).toEqual(expect.arrayContaining(['firing', 'acknowledged', 'resolved']));
    expect(actions.indexOf('acknowledged')).toBeLessThan(actions.indexOf('resolved'));
    expect(await history.locator('li[data-action="acknowledged"]').textContent()).toContain(
      'Looking at the cron job',
    );
    expect(await history.locator('li[data-action="resolved"]').textContent()).toContain(
      'Cron job moved to the night',
    );
    await shoot(page, 'alerts-resolved');
    expect([...failed, ...browser.problems]).toEqual([]);
    await page.close();
  });

  it('does mark the alert silenced by a silence made in the Silences page, and lists it expired after expiring it', async () => {
    // Still breaching after the manual resolve: the next evaluation starts a new alert.
    await waitFor(async () => (await alertsOf(server, RULE.id, 'firing')).length === 1, {
      timeoutMs: 15_000,
      message: 'a new cpu-hot alert',
    });
    const page = await signedIn('/alerts');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Silences' }).click();
    await page.getByRole('heading', { name: 'Silences', level: 1 }).waitFor();
    await page.getByLabel('Label name 1').fill('rule');
    await page.getByLabel('Label value 1').fill(RULE.id);
    await page.getByRole('button', { name: 'Add matcher' }).click();
    await page.getByLabel('Label name 2').fill('team');
    await page.getByLabel('Label value 2').fill('ops');
    await page.getByLabel('Duration').fill('1h');
    await page.getByLabel('Comment').fill('Planned load test');
    await page.getByRole('button', { name: 'Create silence' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: /^Silence created\.$/ })
      .waitFor();
    const row = page
      .locator('table.silences tr[data-state="active"]')
      .filter({ hasText: 'Planned load test' });
    await row.waitFor();
    expect(await row.locator('code').allTextContents()).toEqual(['rule="cpu-hot"', 'team="ops"']);
    await shoot(page, 'silences');

    await waitFor(async () => (await alertsOf(server, RULE.id, 'firing'))[0]?.silencedBy.length === 1, {
      timeoutMs: 15_000,
      message: 'the alert silenced',
    });
    await page.goto(`${server.url}/alerts?rule=cpu-hot`);
    await card(page).locator('[data-flag="silenced"]').waitFor();
    expect(await card(page).locator('[data-flag="silenced"]').textContent()).toBe('Silenced');

    await page.goto(`${server.url}/silences`);
    await page.getByRole('button', { name: 'Expire silence Planned load test' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: /expired\.$/ })
      .waitFor();
    await page
      .locator('table.silences tr[data-state="expired"]')
      .filter({ hasText: 'Planned load test' })
      .waitFor();
    await waitFor(async () => (await alertsOf(server, RULE.id, 'firing'))[0]?.silencedBy.length === 0, {
      timeoutMs: 15_000,
      message: 'the silence released',
    });
    expect([...failed, ...browser.problems]).toEqual([]);
    await page.close();
  });

  it('does render the Alerts page in the dark theme, without console errors or N/A times', async () => {
    const page = await signedIn('/alerts');
    await page.getByLabel('Theme').selectOption('dark');
    expect(await inPage(page, 'document.documentElement.dataset.theme')).toBe('dark');
    await card(page).first().waitFor();
    expect(await inPage<string>(page, 'getComputedStyle(document.body).backgroundColor')).toBe(
      'rgb(15, 17, 21)',
    );
    const surface = await inPage<string>(
      page,
      "getComputedStyle(document.querySelector('article.alert-card')).backgroundColor",
    );
    expect(surface).toBe('rgb(23, 26, 33)');
    const critical = await inPage<string>(
      page,
      "getComputedStyle(document.querySelector('article.alert-card .sev-critical')).color",
    );
    expect(critical).toBe('rgb(248, 113, 113)');
    await expectNoInvalidText(page);
    await shoot(page, 'alerts-dark');
    await page.getByLabel('Theme').selectOption('system');
    expect([...failed, ...browser.problems]).toEqual([]);
    await page.close();
  });
});
