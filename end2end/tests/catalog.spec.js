// The catalog: enabling a built-in provider takes only credentials, scopes and a description;
// shared credentials are registered once and used by providers that opt in.
import { test, expect } from '@playwright/test';
import { collectErrors, hydrated, state, workos } from '../support/state.js';

test.describe.configure({ mode: 'serial' });

test('enabling GitHub from the catalog asks only for credentials and scopes, and builds its documented request', async ({ page, request }) => {
  const errors = collectErrors(page);
  await page.goto('/dashboard/catalog');
  await hydrated(page);
  for (const name of ['GitHub', 'Google', 'Slack', 'Notion', 'Spotify']) {
    await expect(page.getByRole('heading', { name, exact: true })).toBeVisible();
  }
  await page.getByRole('link', { name: 'Enable GitHub', exact: true }).click();
  await hydrated(page);
  await expect(page.getByRole('heading', { name: 'Enable GitHub' })).toBeVisible();
  await expect(page.getByTestId('redirect-uri')).toHaveText(`${state().plumbUrl}/oauth/callback`);
  // Nothing but description, credentials and scopes is asked.
  await expect(page.getByLabel('Authorization URL')).toHaveCount(0);
  await expect(page.getByLabel('Scopes', { exact: true })).toHaveValue('read:user user:email offline_access');

  await page.getByRole('button', { name: 'Enable provider' }).click();
  await expect(page.locator('#field-client_id-error')).toContainText('client ID');
  await expect(page.locator('#field-client_secret-error')).toContainText('client secret');

  await page.getByLabel('Client ID', { exact: true }).fill('Iv1.github-client');
  await page.getByLabel('Client secret', { exact: true }).fill('github-secret-1234');
  await page.getByLabel('repo — Grants full access', { exact: false }).check();
  await expect(page.getByLabel('Scopes', { exact: true })).toHaveValue('read:user user:email offline_access repo');
  await page.getByRole('button', { name: 'Enable provider' }).click();
  await expect(page).toHaveURL(/\/dashboard\/providers\/github\?created=1$/);
  await expect(page.getByText('Catalog provider (github)')).toBeVisible();

  // The backend's view through the SDK: a catalog integration with redacted credentials.
  const sdk = workos();
  const github = await sdk.pipes.getDataIntegration({ slug: 'github' });
  expect(github).toMatchObject({ integrationType: 'github', customProvider: null, state: 'valid', scopes: ['read:user', 'user:email', 'offline_access', 'repo'] });
  expect(github.credentials).toMatchObject({ type: 'custom', clientId: 'Iv1.github-client', redactedClientSecret: '1234' });

  // Connect sends the browser to GitHub's documented endpoint with PKCE and the scopes.
  const { token } = await sdk.widgets.createToken({ userId: 'user_catalog', organizationId: 'org_e2e' });
  const res = await request.post('/oauth/authorize', { form: { token, provider: 'github' }, maxRedirects: 0 });
  expect(res.status()).toBe(303);
  const location = new URL(res.headers().location);
  expect(`${location.origin}${location.pathname}`).toBe('https://github.com/login/oauth/authorize');
  expect(Object.fromEntries(location.searchParams)).toMatchObject({
    client_id: 'Iv1.github-client',
    redirect_uri: `${state().plumbUrl}/oauth/callback`,
    scope: 'read:user user:email offline_access repo',
    response_type: 'code',
    code_challenge_method: 'S256',
  });
  expect(errors).toEqual([]);
});

test('shared credentials: registered once, used by a provider that opts in, with the consent-screen warning', async ({ page, request }) => {
  const errors = collectErrors(page);
  await page.goto('/dashboard/catalog');
  await hydrated(page);
  await page.getByLabel('Provider', { exact: true }).selectOption('slack');
  await page.getByLabel('App name', { exact: true }).fill('Plumb Cloud');
  await page.getByLabel('Client ID', { exact: true }).fill('shared-slack-id');
  await page.getByLabel('Client secret', { exact: true }).fill('shared-slack-secret');
  await page.getByRole('button', { name: 'Save shared credentials' }).click();
  await expect(page.getByRole('status')).toHaveText('Shared credentials saved.');
  await expect(page.getByText('Registered: Slack (Plumb Cloud).')).toBeVisible();

  await page.getByRole('link', { name: 'Enable Slack' }).click();
  await hydrated(page);
  await expect(page.getByText("users see Plumb Cloud's name on the provider's consent screen")).toBeVisible();
  await page.getByLabel("Use this instance's shared credentials").check();
  await expect(page.getByLabel('Client ID', { exact: true })).toBeHidden();
  await page.getByRole('button', { name: 'Enable provider' }).click();
  await expect(page).toHaveURL(/\/dashboard\/providers\/slack\?created=1$/);
  await expect(page.getByText('Catalog provider (slack), shared credentials')).toBeVisible();

  // Slack's user-token flow: user_scope, comma-separated, the shared app's client id.
  const { token } = await workos().widgets.createToken({ userId: 'user_shared', organizationId: 'org_e2e' });
  const res = await request.post('/oauth/authorize', { form: { token, provider: 'slack' }, maxRedirects: 0 });
  const location = new URL(res.headers().location);
  expect(`${location.origin}${location.pathname}`).toBe('https://slack.com/oauth/v2/authorize');
  expect(location.searchParams.get('client_id')).toBe('shared-slack-id');
  expect(location.searchParams.get('user_scope')).toBe('users:read');
  expect(location.searchParams.has('scope')).toBe(false);
  expect(errors).toEqual([]);
});

test('the catalog shows every entry with its logo, and narrows as you search or pick a category', async ({ page }) => {
  const errors = collectErrors(page);
  await page.goto('/dashboard/catalog');
  await hydrated(page);
  const cards = page.locator('li.catalog-card');
  const shown = page.locator('li.catalog-card:visible');
  const total = await cards.count();
  expect(total).toBeGreaterThanOrEqual(100);

  // Every card has its logo; they load lazily, so each is brought into view first.
  const logos = cards.locator('img');
  await expect(logos).toHaveCount(total);
  for (let i = 0; i < total; i++) {
    const logo = logos.nth(i);
    await logo.scrollIntoViewIfNeeded();
    await expect.poll(() => logo.evaluate((img) => (img.complete ? img.naturalWidth : 0))).toBeGreaterThan(0);
  }

  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: new URL('../../docs/screenshots/catalog.png', import.meta.url).pathname });

  const search = page.getByRole('searchbox', { name: 'Search' });
  const category = page.getByLabel('Category', { exact: true });
  const heading = (name) => page.getByRole('heading', { name, exact: true });
  await search.fill('zen');
  await expect(shown).toHaveCount(1);
  await expect(heading('Zendesk')).toBeVisible();

  await search.fill('');
  await category.selectOption('ai');
  await expect(heading('OpenAI')).toBeVisible();
  await expect(heading('Anthropic')).toBeVisible();
  await expect(heading('GitHub')).toBeHidden();

  const nothing = page.getByText('No provider in the catalog matches this search.');
  await expect(nothing).toBeHidden();
  await search.fill('zendesk');
  await expect(shown).toHaveCount(0);
  await expect(nothing).toBeVisible();

  // Cleared, everything is back, and enabling still works from a card.
  await search.fill('');
  await category.selectOption({ index: 0 });
  await expect(shown).toHaveCount(total);
  await expect(nothing).toBeHidden();
  await expect(page.getByRole('link', { name: 'Enable Zendesk' })).toBeVisible();
  expect(errors).toEqual([]);
});
