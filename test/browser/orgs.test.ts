import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ORG } from '../../src/tenancy/index.ts';
import { type Fixture, shoot, startFixture } from './fixture.ts';
import { ADMIN_TOKEN, auth } from './server.ts';

/** Signs in and waits until the shell knows the token's scopes (the navigation is final then). */
async function signInKnowingScopes(f: Fixture, token: string): Promise<Page> {
  const page = await f.browser.page();
  await page.goto(`${f.server.url}/`);
  await page.getByLabel('API token').fill(token);
  const me = page.waitForResponse((res) => new URL(res.url()).pathname === '/api/v1/me');
  await page.getByRole('button', { name: 'Sign in' }).click();
  expect((await me).status()).toBe(200);
  await page.locator('header.top').waitFor();
  return page;
}

describe('dashboard in Chromium: orgs for the operator', () => {
  let f: Fixture;

  beforeAll(async () => {
    f = await startFixture();
  });
  afterAll(async () => {
    await f?.close();
  });

  it('does not offer the orgs page to an admin without the operator scope', async () => {
    const { tenancy } = f.server.runtime.api;
    const admin = await tenancy.createToken(DEFAULT_ORG, { name: 'plain admin', scopes: ['admin'] });
    const page = await signInKnowingScopes(f, admin.token);
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Tokens' }).waitFor();
    expect(await nav.getByRole('link', { name: 'Orgs' }).count()).toBe(0);
    await page.close();
  });

  it('does create an org, show its admin token once, and delete it after asking', async () => {
    const page = await signInKnowingScopes(f, ADMIN_TOKEN);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Orgs' }).click();
    await page.getByRole('heading', { name: 'Orgs', level: 1 }).waitFor();
    await page.locator(`tr[data-org="${DEFAULT_ORG}"]`).waitFor();
    const form = page.getByRole('form', { name: 'Create an org' });
    await form.getByLabel('Name').fill('Acme Corp');
    expect(await form.getByLabel('Id').getAttribute('placeholder')).toBe('acme-corp');
    await form.getByRole('button', { name: 'Create org' }).click();
    const block = page.getByRole('figure', { name: "The new org's admin token" });
    const secret = (await block.locator('code').textContent()) ?? '';
    expect(secret).toMatch(/^vt_/);
    const me = await fetch(`${f.server.url}/api/v1/me`, { headers: auth(secret) });
    expect(await me.json()).toMatchObject({ org: 'acme-corp', scopes: ['admin'] });
    const row = page.locator('tr[data-org="acme-corp"]');
    await row.waitFor();
    expect(await row.locator('td').nth(1).textContent()).toBe('0');
    await shoot(page, 'orgs');

    // Dismissed: nothing is deleted.
    page.once('dialog', (d) => void d.dismiss());
    await page.getByRole('button', { name: 'Delete Acme Corp' }).click();
    expect((await fetch(`${f.server.url}/api/v1/me`, { headers: auth(secret) })).status).toBe(200);
    page.once('dialog', (d) => {
      expect(d.message()).toMatch(/^Delete org "Acme Corp" \(acme-corp\) with its tokens, 0 host\(s\)/);
      void d.accept();
    });
    await page.getByRole('button', { name: 'Delete Acme Corp' }).click();
    await page.getByRole('status').filter({ hasText: 'Deleted org "Acme Corp".' }).waitFor();
    await row.waitFor({ state: 'detached' });
    expect(await block.count()).toBe(0);
    expect((await fetch(`${f.server.url}/api/v1/me`, { headers: auth(secret) })).status).toBe(401);
    // The default org holds the operator token: no delete button.
    expect(await page.getByRole('button', { name: 'Delete Default' }).count()).toBe(0);
    await page.close();
  });
});
