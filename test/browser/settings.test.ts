import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ORG } from '../../src/tenancy/index.ts';
import { expectNoInvalidText, type Fixture, inPage, shoot, startFixture } from './fixture.ts';
import { auth } from './server.ts';

describe('dashboard in Chromium: queue, hosts, tokens, empty state', () => {
  let f: Fixture;
  let stopFeed: () => void;

  beforeAll(async () => {
    f = await startFixture();
    stopFeed = f.feed('local', () => 25);
  });
  afterAll(async () => {
    stopFeed?.();
    await f?.close();
  });

  it('does create a host with a collector, interval and thresholds', async () => {
    const page = await f.signedIn('/settings/hosts');
    await page.getByRole('button', { name: 'Add host' }).click();
    const form = page.getByRole('form', { name: 'Add a host' });
    await form.getByLabel('Id').fill('db-2');
    await form.getByLabel('Name').fill('DB 2');
    await form.getByLabel('Labels').fill('env=prod, role=db');
    await form.getByLabel('Collector').selectOption('ssh');
    await form.getByLabel('Interval (s)').fill('60');
    await form.getByLabel('CPU').fill('80');
    await form.getByLabel('SSH host').fill('10.0.0.12');
    await form.getByLabel('User').fill('vitals');
    await form.getByLabel('Password').fill('s3cret');
    await shoot(page, 'hosts-add');
    await form.getByRole('button', { name: 'Add host' }).click();
    await page.getByRole('status').filter({ hasText: 'Added DB 2' }).waitFor();
    await page.locator('tr[data-host="db-2"]').waitFor();
    const res = await fetch(`${f.server.url}/api/v1/hosts/db-2`, { headers: auth() });
    expect(await res.json()).toMatchObject({
      name: 'DB 2',
      labels: { env: 'prod', role: 'db' },
      metricsInterval: 60,
      collector: { kind: 'ssh', settings: { host: '10.0.0.12', username: 'vitals', password: '***' } },
      thresholds: { cpu: 80, memory: 95, disk: 90 },
    });
    await shoot(page, 'hosts');
    await page.close();
  });

  it('does edit a host and keep its stored secret', async () => {
    const page = await f.signedIn('/settings/hosts');
    await page.getByRole('button', { name: 'Edit DB 2' }).click();
    const form = page.getByRole('form', { name: 'Edit DB 2' });
    await form.getByLabel('Disk').fill('75');
    await form.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved' }).waitFor();
    const host = await f.server.runtime.api.tenancy.getHost(DEFAULT_ORG, 'db-2');
    expect(host?.thresholds.disk).toBe(75);
    expect(host?.collector.settings.password).toBe('s3cret');
    await page.close();
  });

  it('does show a host that never reported as down with N/A for last seen', async () => {
    const page = await f.signedIn('/');
    const row = page.locator('tr[data-host="db-2"]');
    await row.waitFor();
    expect(await row.locator('.badge').textContent()).toBe('Down');
    expect(await row.locator('time').textContent()).toBe('N/A');
    await expectNoInvalidText(page);
    await page.close();
  });

  it('does create a token shown once and revoke it', async () => {
    const page = await f.signedIn('/settings/tokens');
    page.on('dialog', (d) => void d.accept());
    await page.getByLabel('Name').fill('grafana reader');
    await page.getByLabel('ingest', { exact: false }).uncheck();
    await page.getByRole('button', { name: 'Create token' }).click();
    const secret =
      (await page.getByRole('figure', { name: 'The new token' }).locator('code').textContent()) ?? '';
    expect(secret).toMatch(/^vt_/);
    const row = page.getByRole('row', { name: /grafana reader/ });
    await row.waitFor();
    // Never used yet: N/A, not "Invalid Date".
    expect(await row.locator('td').nth(2).textContent()).toBe('N/A');
    // Times are in the viewer's time zone (the browser runs in Europe/Berlin, this machine in UTC).
    const listed = (await (await fetch(`${f.server.url}/api/v1/tokens`, { headers: auth() })).json()) as {
      tokens: Array<{ name: string; createdAt: number }>;
    };
    const createdAt = listed.tokens.find((t) => t.name === 'grafana reader')?.createdAt;
    const locale = await inPage<string>(page, 'navigator.language');
    const berlin = new Intl.DateTimeFormat(locale, {
      dateStyle: 'medium',
      timeStyle: 'medium',
      timeZone: 'Europe/Berlin',
    });
    expect(await row.locator('td').nth(1).textContent()).toBe(berlin.format(createdAt));
    await shoot(page, 'tokens');
    await page.getByRole('button', { name: 'Revoke grafana reader' }).click();
    await page.getByRole('status').filter({ hasText: 'Revoked' }).waitFor();
    expect((await fetch(`${f.server.url}/api/v1/overview`, { headers: auth(secret) })).status).toBe(401);
    await page.close();
  });

  it('does collect a host now, list its failed job with the reason, pause and resume the queue', async () => {
    // A Prometheus target on a closed port fails at once (the test server makes one attempt per job).
    const res = await fetch(`${f.server.url}/api/v1/hosts`, {
      method: 'POST',
      headers: { ...auth(), 'content-type': 'application/json' },
      body: JSON.stringify({
        id: 'metrics-1',
        name: 'Metrics 1',
        collector: { kind: 'prometheus', settings: { url: 'http://127.0.0.1:9/metrics' } },
      }),
    });
    expect(res.status).toBe(201);
    const page = await f.signedIn('/queue');
    await page.getByLabel('Host', { exact: true }).selectOption('metrics-1');
    await page.getByRole('button', { name: 'Collect now', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Collect metrics-1: done' }).waitFor();
    const failed = page.getByRole('row', { name: /metrics-1/ }).first();
    await failed.waitFor({ timeout: 20_000 });
    expect(await failed.locator('.reason').textContent()).not.toBe('');
    await page.getByRole('button', { name: 'Pause' }).click();
    await page.getByText(/Paused since/).waitFor();
    await shoot(page, 'queue');
    await page.getByRole('button', { name: 'Resume' }).click();
    await page.getByText('Running.').waitFor();
    await page.getByRole('button', { name: 'Collect all now' }).click();
    await page.getByRole('status').filter({ hasText: 'Collect all: done' }).waitFor();
    await page.close();
  });

  it('does show the exact agent command for this server when an org has no host', async () => {
    const tenancy = f.server.runtime.api.tenancy;
    await tenancy.createOrg({ id: 'fresh', name: 'Fresh' });
    const admin = await tenancy.createToken('fresh', { name: 'admin', scopes: ['admin'] });
    const page = await f.signedIn('/', admin.token);
    const command = page.getByRole('figure', { name: 'Command to start an agent' });
    expect(await command.locator('code').textContent()).toBe(
      `npx vitals agent --server ${f.server.url} --token <ingest-token>`,
    );
    await page.getByRole('button', { name: 'Create an ingest token' }).click();
    await expect
      .poll(() => command.locator('code').textContent())
      .toMatch(new RegExp(`^npx vitals agent --server ${f.server.url} --token vt_`));
    await shoot(page, 'empty-state');
    await page.close();
  });
});
