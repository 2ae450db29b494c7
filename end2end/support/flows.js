// What a user does at the provider, and what an admin does in the wizard, as reusable steps.
import { expect } from '@playwright/test';
import { hydrated, state } from './state.js';

/** Signs in at the test provider and approves, optionally unticking some requested scopes. */
export async function signInAndApprove(page, { username = 'alice', password = 'wonderland', untick = [] } = {}) {
  await expect(page.getByRole('heading', { name: 'Sign in to Test Provider' })).toBeVisible();
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: /^Authorize / })).toBeVisible();
  for (const scope of untick) await page.getByLabel(scope).uncheck();
  await page.getByRole('button', { name: 'Approve' }).click();
}

/**
 * Connects `providerName` for `user` in a fresh browser context, through the widget and the
 * provider's own pages, and waits until the widget says Connected.
 */
export async function connectInWidget(browser, sdk, providerName, user, options = {}) {
  const { token } = await sdk.widgets.createToken(user);
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${state().plumbUrl}/widget?token=${encodeURIComponent(token)}`);
  await hydrated(page);
  const row = page.getByRole('listitem').filter({ hasText: providerName });
  await row.getByRole('button', { name: `Connect ${providerName}` }).click();
  await signInAndApprove(page, options);
  await hydrated(page);
  await expect(row.locator('.badge')).toHaveText('Connected');
  await context.close();
}

/** Calls the provider's userinfo endpoint with a token; resolves to the HTTP status and body. */
export async function me(accessToken) {
  const res = await fetch(`${state().providerUrl}/me`, { headers: { Authorization: `Bearer ${accessToken}` } });
  return { status: res.status, body: res.status === 200 ? await res.json() : null };
}

/** What the recording front of the test provider saw, filtered by path. */
export async function recorded(path) {
  const all = await (await fetch(`${state().providerUrl}/test/requests`)).json();
  return all.filter((r) => r.path === path);
}
