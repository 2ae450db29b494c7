// Admins, as people meet them: the dashboard sends a signed-out browser to sign in, a wrong
// password is refused with a readable message, an admin invites a colleague who sets a password
// from the link and lands in the dashboard, sessions can be revoked, and signing out ends it.
import { test, expect } from '@playwright/test';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { hydrated, collectErrors, workos } from '../support/state.js';
import { adminEmail, adminPassword } from '../support/global-setup.js';

const screenshots = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../docs/screenshots');
const signedOut = { storageState: { cookies: [], origins: [] } };

test.describe.configure({ mode: 'serial' });

async function signIn(page, email, password) {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

test('a signed-out browser is sent to sign in, a wrong password is refused, the right one opens the page it asked for', async ({ browser }) => {
  const context = await browser.newContext(signedOut);
  const page = await context.newPage();
  const errors = collectErrors(page);
  await page.goto('/dashboard/webhooks');
  await expect(page).toHaveURL(/\/login\?next=%2Fdashboard%2Fwebhooks$/);
  await expect(page.getByRole('heading', { name: 'Sign in to Plumb' })).toBeVisible();
  await page.screenshot({ path: path.join(screenshots, 'sign-in.png') });

  await signIn(page, adminEmail, 'not the password');
  await expect(page.getByRole('alert')).toHaveText('The email address or password is not right.');
  await expect(page.getByLabel('Email')).toHaveValue(adminEmail);
  await expect(page.getByLabel('Password')).toHaveValue('');

  await page.getByLabel('Password').fill(adminPassword);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/dashboard\/webhooks$/);
  await hydrated(page);
  await expect(page.getByRole('banner')).toContainText(adminEmail);
  expect(errors).toEqual([]);
  await context.close();
});

test('an admin invites a colleague, who sets a password from the link; sessions can be revoked and signing out ends one', async ({ page, browser }) => {
  const errors = collectErrors(page);
  await page.goto('/dashboard/admins');
  await hydrated(page);
  const admins = page.getByRole('table', { name: 'Admins', exact: true });
  await expect(admins.getByRole('row', { name: new RegExp(adminEmail) })).toContainText('You');
  await page.getByLabel('Email').fill('colleague@plumb.test');
  await page.getByRole('button', { name: 'Create invitation' }).click();
  const link = await page.getByTestId('invite-link').textContent();
  expect(link).toMatch(/\/invite\/[A-Za-z0-9_-]{43}$/);

  const colleague = await browser.newContext(signedOut);
  const theirs = await colleague.newPage();
  const theirErrors = collectErrors(theirs);
  await theirs.goto(link);
  await expect(theirs.getByLabel('Email')).toHaveValue('colleague@plumb.test');
  await theirs.getByLabel('Password', { exact: true }).fill('too short');
  await theirs.getByLabel('Repeat the password').fill('too short');
  // The browser's own check (minlength) would stop the form; the server's is what counts.
  await theirs.evaluate(() => document.querySelector('#invite-password').removeAttribute('minlength'));
  await theirs.getByRole('button', { name: 'Create account and sign in' }).click();
  await expect(theirs.locator('#invite-password-error')).toHaveText('Use at least 12 characters.');
  await theirs.getByLabel('Password', { exact: true }).fill('a long enough password');
  await theirs.getByLabel('Repeat the password').fill('a long enough password');
  await theirs.getByRole('button', { name: 'Create account and sign in' }).click();
  await expect(theirs).toHaveURL(/\/dashboard$/);
  await hydrated(theirs);
  await expect(theirs.getByRole('banner')).toContainText('colleague@plumb.test');

  // The link worked once.
  await theirs.goto(link);
  await expect(theirs.getByRole('alert')).toContainText('already used');

  // The first admin sees the new admin and their session, and revokes it.
  await page.reload();
  await hydrated(page);
  await expect(admins.getByRole('row', { name: /colleague@plumb.test/ })).toBeVisible();
  await page.getByRole('button', { name: 'Revoke the session of colleague@plumb.test' }).click();
  await expect(page.getByRole('button', { name: 'Revoke the session of colleague@plumb.test' })).toHaveCount(0);
  await theirs.goto('/dashboard');
  await expect(theirs).toHaveURL(/\/login/);

  // The colleague signs in again and signs out.
  await signIn(theirs, 'colleague@plumb.test', 'a long enough password');
  await expect(theirs).toHaveURL(/\/dashboard$/);
  await theirs.getByRole('button', { name: 'Sign out' }).click();
  await expect(theirs.getByRole('status')).toHaveText('You signed out.');
  await theirs.goto('/dashboard');
  await expect(theirs).toHaveURL(/\/login/);
  expect(errors).toEqual([]);
  expect(theirErrors).toEqual([]);
  await colleague.close();
});

test('an API key created in the dashboard works with the SDK until it is revoked', async ({ page }) => {
  const errors = collectErrors(page);
  await page.goto('/dashboard/api-keys');
  await hydrated(page);
  await page.getByLabel('Name').fill('e2e backend');
  await page.getByRole('button', { name: 'Create key' }).click();
  const key = await page.getByTestId('api-key-secret').textContent();
  expect(key).toMatch(/^sk_test_/);
  const row = page.getByRole('row', { name: /e2e backend/ });
  await expect(row).toContainText('Never');

  const sdk = workos(key);
  const { data } = await sdk.pipes.listDataIntegrations();
  expect(Array.isArray(data)).toBe(true);
  await page.reload();
  await hydrated(page);
  await expect(row).not.toContainText('Never');

  await page.getByRole('button', { name: /Revoke e2e backend/ }).click();
  await expect(row).toContainText('Revoked');
  await expect(sdk.pipes.listDataIntegrations()).rejects.toMatchObject({ status: 401 });
  expect(errors).toEqual([]);
});
