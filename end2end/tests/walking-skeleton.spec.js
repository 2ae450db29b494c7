// One OAuth provider, end to end, as people use Plumb: an admin adds it in the dashboard, a user
// connects it in the widget by signing in at the (real) provider, a backend fetches tokens with
// the official WorkOS SDK, the token is refreshed after it expires, and the user disconnects.
import { test, expect } from '@playwright/test';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { state, workos, hydrated, collectErrors } from '../support/state.js';
import { connectInWidget } from '../support/flows.js';

const screenshots = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../docs/screenshots');
const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures');
const slug = 'test-provider';
const user = { userId: 'user_e2e', organizationId: 'org_e2e' };

test.describe.configure({ mode: 'serial' });

async function fill(page, values) {
  for (const [label, value] of Object.entries(values)) {
    await page.getByLabel(label, { exact: true }).fill(value);
  }
}

const next = (page) => page.getByRole('button', { name: 'Next', exact: true }).click();

test('the admin adds a custom provider with the wizard; invalid input is refused beside its field and nothing is saved', async ({ page }) => {
  const errors = collectErrors(page);
  const { providerUrl, plumbUrl } = state();
  await page.goto('/dashboard');
  await hydrated(page);
  await expect(page.getByRole('row', { name: /Test Provider/ })).toHaveCount(0);
  await page.getByRole('link', { name: 'Add custom provider' }).click();
  await hydrated(page);

  // Step 1: details, with a slug the rules refuse.
  await fill(page, { Name: 'Test Provider', Slug: 'Not A Slug', Description: 'Reads your test data so the app can show it.' });
  await next(page);
  // Step 2: endpoints, filled from the provider's own discovery metadata.
  await fill(page, { 'Issuer or discovery URL': providerUrl });
  await page.getByRole('button', { name: 'Auto-fill' }).click();
  await expect(page.getByLabel('Authorization URL', { exact: true })).toHaveValue(`${providerUrl}/auth`);
  await expect(page.getByLabel('Token URL', { exact: true })).toHaveValue(`${providerUrl}/token`);
  await page.screenshot({ path: path.join(screenshots, 'wizard.png'), fullPage: true });
  await fill(page, { 'Token URL': 'not a url' });
  await next(page);
  // Step 3: credentials, under the redirect URI to register.
  await expect(page.getByTestId('redirect-uri')).toHaveText(`${plumbUrl}/oauth/callback`);
  await fill(page, { 'Client ID': 'plumb-post', 'Client secret': 'post-secret' });
  await next(page);
  await fill(page, { Scopes: 'openid offline_access api:read' });
  await page.getByRole('button', { name: 'Add provider' }).click();

  // Refused: the wizard returns to the first step with an error, and says nothing was saved.
  await expect(page.getByRole('alert')).toContainText('Nothing was saved');
  await expect(page.locator('#field-slug-error')).toContainText('lowercase letters');
  await expect(page.getByLabel('Slug', { exact: true })).toHaveAttribute('aria-invalid', 'true');
  await fill(page, { Slug: slug });
  await next(page);
  await expect(page.locator('#field-token_url-error')).toContainText('Token URL');
  await fill(page, { 'Token URL': `${providerUrl}/token` });
  await next(page);
  await next(page);
  await page.getByRole('button', { name: 'Add provider' }).click();

  await expect(page).toHaveURL(new RegExp(`/dashboard/providers/${slug}\\?created=1$`));
  await expect(page.getByRole('status')).toContainText('Provider added');
  await page.goto('/dashboard');
  const row = page.getByRole('row', { name: /Test Provider/ });
  await expect(row).toContainText(slug);
  await expect(row).toContainText('openid offline_access api:read');
  await expect(row).toContainText('Custom');

  // The same slug again is refused, and the list still holds one provider.
  await page.goto('/dashboard/new-provider');
  await hydrated(page);
  await fill(page, { Name: 'Again', Slug: slug });
  await next(page);
  await fill(page, { 'Authorization URL': `${providerUrl}/auth`, 'Token URL': `${providerUrl}/token` });
  await next(page);
  await fill(page, { 'Client ID': 'x', 'Client secret': 'y' });
  await next(page);
  await page.getByRole('button', { name: 'Add provider' }).click();
  await expect(page.locator('#field-slug-error')).toContainText('already exists');
  await page.goto('/dashboard');
  await expect(page.getByRole('row', { name: /Test Provider/ })).toHaveCount(1);
  await expect(page.getByRole('row', { name: /Again/ })).toHaveCount(0);
  await page.screenshot({ path: path.join(screenshots, 'dashboard.png'), fullPage: true });
  expect(errors).toEqual([]);
});

test('editing a provider keeps the stored secret when the field is left empty', async ({ page }) => {
  const errors = collectErrors(page);
  await page.goto(`/dashboard/providers/${slug}`);
  await hydrated(page);
  await expect(page.getByLabel('Client secret', { exact: true })).toHaveValue('');
  await expect(page.getByLabel('Client secret', { exact: true })).toHaveAttribute('placeholder', /unchanged/);
  await fill(page, { Description: 'Reads your test data so the app can show it to you.' });
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.getByRole('status')).toContainText('Saved Test Provider.');
  await page.reload();
  await expect(page.getByLabel('Description', { exact: true })).toHaveValue('Reads your test data so the app can show it to you.');
  // The page never carries the secret.
  expect(await page.content()).not.toContain('post-secret');

  // An uploaded icon is checked, stored and served by Plumb, and shown in the widget.
  await hydrated(page);
  await page.getByLabel('Upload icon', { exact: true }).setInputFiles(path.join(fixtures, 'icon.png'));
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.getByRole('status')).toContainText('Saved Test Provider.');
  await expect(page.getByRole('img', { name: 'Current icon' })).toBeVisible();
  const icon = await page.request.get(await page.getByRole('img', { name: 'Current icon' }).getAttribute('src'));
  expect(icon.headers()['content-type']).toBe('image/png');
  expect(errors).toEqual([]);
});

test('a user connects in the widget and the backend gets working, refreshed tokens; disconnect removes them', async ({ browser }) => {
  const { providerUrl, plumbUrl, apiKey } = state();
  const sdk = workos();
  const { token } = await sdk.widgets.createToken(user);

  expect(await sdk.pipes.getAccessToken({ provider: slug, ...user })).toEqual({ active: false, error: 'not_installed' });

  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = collectErrors(page);
  const assets = [];
  page.on('request', (request) => {
    const { pathname } = new URL(request.url());
    if (pathname.startsWith('/pkg/')) assets.push(pathname);
  });
  await page.goto(`/widget?token=${encodeURIComponent(token)}`);
  await hydrated(page);
  // The widget hydrates with its own small bundle: none of the dashboard's code is downloaded.
  expect(assets.filter((a) => a.endsWith('.wasm'))).toEqual([expect.stringMatching(/^\/pkg\/widget_bg\.[0-9a-f]{16}\.wasm$/)]);
  expect(assets.filter((a) => a.endsWith('.js'))).toEqual([expect.stringMatching(/^\/pkg\/widget\.[0-9a-f]{16}\.js$/)]);
  expect(assets.filter((a) => a.startsWith('/pkg/plumb') && !a.endsWith('.css'))).toEqual([]);
  const row = page.getByRole('listitem').filter({ hasText: 'Test Provider' });
  await expect(row).toContainText('Reads your test data so the app can show it to you.');
  await expect(row).toContainText('Not connected');

  await row.getByRole('button', { name: 'Connect Test Provider' }).click();
  await expect(page.getByRole('heading', { name: 'Sign in to Test Provider' })).toBeVisible();
  expect(new URL(page.url()).origin).toBe(providerUrl);
  await page.getByLabel('Username').fill('alice');
  await page.getByLabel('Password').fill('wonderland');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Authorize plumb-post' })).toBeVisible();
  await page.getByRole('button', { name: 'Approve' }).click();

  await expect(page).toHaveURL(new RegExp(`^${plumbUrl}/widget\\?token=`));
  await hydrated(page);
  await expect(row.locator('.badge')).toHaveText('Connected');
  await page.screenshot({ path: path.join(screenshots, 'widget.png'), fullPage: true });

  // The backend's view, through the unmodified WorkOS SDK.
  const first = await sdk.pipes.getAccessToken({ provider: slug, ...user });
  expect(first.active).toBe(true);
  expect(first.accessToken.object).toBe('access_token');
  // The provider drops offline_access unless consent is prompted for explicitly: Plumb reports
  // the scopes actually granted, and the requested one that is missing.
  expect(first.accessToken.scopes).toEqual(['openid', 'api:read']);
  expect(first.accessToken.missingScopes).toEqual(['offline_access']);
  expect(first.accessToken.expiresAt.getTime()).toBeGreaterThan(Date.now());
  const me = async (accessToken) =>
    fetch(`${providerUrl}/me`, { headers: { Authorization: `Bearer ${accessToken}` } });
  const profile = await me(first.accessToken.accessToken);
  expect(profile.status).toBe(200);
  expect((await profile.json()).sub).toBe('alice');

  // The same operation as a Leptos server function with JSON in and out.
  const viaServerFn = await fetch(`${plumbUrl}/api/access-token`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${apiKey}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ provider: slug, user_id: user.userId, organization_id: user.organizationId }),
  });
  expect(viaServerFn.status).toBe(200);
  expect((await viaServerFn.json()).access_token.access_token).toBe(first.accessToken.accessToken);

  // Wait until the provider itself no longer accepts the token, then ask Plumb again.
  const stats = async () => (await fetch(`${providerUrl}/test/stats`)).json();
  const before = await stats();
  await expect.poll(async () => (await me(first.accessToken.accessToken)).status, { timeout: 30_000 }).toBe(401);
  const second = await sdk.pipes.getAccessToken({ provider: slug, ...user });
  expect(second.active).toBe(true);
  expect(second.accessToken.accessToken).not.toBe(first.accessToken.accessToken);
  const refreshed = await me(second.accessToken.accessToken);
  expect(refreshed.status).toBe(200);
  expect((await refreshed.json()).sub).toBe('alice');
  const after = await stats();
  expect((after.grants.refresh_token ?? 0) - (before.grants.refresh_token ?? 0)).toBe(1);
  expect(after.errors).toEqual(before.errors);

  await row.getByRole('button', { name: 'Disconnect Test Provider' }).click();
  await expect(row.locator('.badge')).toHaveText('Not connected');
  expect(await sdk.pipes.getAccessToken({ provider: slug, ...user })).toEqual({ active: false, error: 'not_installed' });
  expect(errors).toEqual([]);
  await context.close();
});

test('declining at the provider brings the user back with the reason and stores nothing', async ({ browser }) => {
  const sdk = workos();
  const other = { userId: 'user_declines', organizationId: 'org_e2e' };
  const { token } = await sdk.widgets.createToken(other);
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`/widget?token=${encodeURIComponent(token)}`);
  await hydrated(page);
  await page.getByRole('button', { name: 'Connect Test Provider' }).click();
  await page.getByLabel('Username').fill('bob');
  await page.getByLabel('Password').fill('builder');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Deny' }).click();
  await expect(page.getByRole('alert')).toContainText('Could not connect Test Provider: You declined access at the provider. (access_denied)');
  await expect(page.getByRole('listitem').filter({ hasText: 'Test Provider' }).locator('.badge')).toHaveText('Not connected');
  // Text in the query is never shown as it is: a link anyone can make would put it on Plumb's page.
  const lure = 'Session expired. Re-enter your password at evil.example';
  await page.goto(`/widget?token=${encodeURIComponent(token)}&error=${encodeURIComponent(lure)}&error_description=${encodeURIComponent(lure)}&provider=${encodeURIComponent(lure)}`);
  await hydrated(page);
  await expect(page.getByRole('alert')).toHaveText('Could not connect the provider: The provider did not authorize the connection.');
  await expect(page.getByText('evil.example')).toHaveCount(0);
  expect(await sdk.pipes.getAccessToken({ provider: slug, ...other })).toEqual({ active: false, error: 'not_installed' });
  await context.close();
});

test('backends without a valid API key are refused with a JSON error', async () => {
  const { plumbUrl } = state();
  await expect(workos('sk_test_wrong').pipes.getAccessToken({ provider: slug, ...user })).rejects.toMatchObject({
    status: 401,
    name: 'UnauthorizedException',
  });
  const res = await fetch(`${plumbUrl}/data-integrations/${slug}/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ user_id: 'u' }),
  });
  expect(res.status).toBe(401);
  expect(await res.json()).toMatchObject({ code: 'unauthorized' });
});

test('deleting a provider asks first, names its connected accounts, and stops its tokens', async ({ browser, page }) => {
  const sdk = workos();
  const owner = { userId: 'user_deletes', organizationId: 'org_e2e' };
  await connectInWidget(browser, sdk, 'Test Provider', owner);
  expect((await sdk.pipes.getAccessToken({ provider: slug, ...owner })).active).toBe(true);

  await page.goto(`/dashboard/providers/${slug}`);
  await hydrated(page);
  await page.getByText('Delete this provider…').click();
  await expect(page.getByText('Delete Test Provider and its 1 connected account? Its token stops being served at once.')).toBeVisible();
  await page.getByRole('button', { name: 'Delete Test Provider and 1 connected account' }).click();
  await expect(page).toHaveURL(/\/dashboard\?deleted=/);
  await expect(page.getByRole('status')).toHaveText('Deleted Test Provider and 1 connected account(s).');
  await expect(page.getByRole('row', { name: /Test Provider/ })).toHaveCount(0);
  await expect(sdk.pipes.getAccessToken({ provider: slug, ...owner })).rejects.toMatchObject({ status: 404 });
});

test('an invalid widget link shows a readable error', async ({ page }) => {
  await page.goto('/widget?token=not-a-token');
  await expect(page.getByRole('alert')).toContainText('This link is not valid');
});
