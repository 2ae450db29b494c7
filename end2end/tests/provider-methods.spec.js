// How users connect, set in the dashboard: the wizard adds a custom provider users connect to
// with an API key (no OAuth app, no redirect URI), with a configuration field its URLs depend
// on, the field's value pinned for everyone, and a verification request; the provider is listed
// with its method, and its pinned values are edited on its page, where a secret one is never
// shown again. Every form here also submits before hydration; the test waits for hydration
// because it uses the editor's "Add field".
import { test, expect } from '@playwright/test';
import { collectErrors, hydrated, state } from '../support/state.js';

test.describe.configure({ mode: 'serial' });

const slug = 'ledger-keys';
const name = 'Ledger Keys';
const SECRET = 'ledger-vault-secret-4821';

const next = (page) => page.getByRole('button', { name: 'Next', exact: true }).click();

/** The provider as a backend sees it through the REST API. */
async function fromApi() {
  const res = await fetch(`${state().plumbUrl}/data-integrations/${slug}`, {
    headers: { Authorization: `Bearer ${state().apiKey}` },
  });
  expect(res.status).toBe(200);
  return res.json();
}

test('the wizard adds an API-key provider with a configuration field, a pinned value and a verification request', async ({ page }) => {
  const errors = collectErrors(page);
  await page.goto('/dashboard/new-provider');
  await hydrated(page);

  // Details, and how users connect: an API key instead of OAuth.
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByLabel('Slug', { exact: true }).fill(slug);
  await page.getByLabel('Description', { exact: true }).fill('Reads your ledgers with your API key.');
  await page.getByLabel('OAuth', { exact: true }).uncheck();
  await page.getByLabel('API key', { exact: true }).check();
  await next(page);

  // Endpoints and fields: the OAuth endpoints are gone; a field, used in the API's URL.
  await expect(page.getByLabel('Authorization URL', { exact: true })).toBeHidden();
  await expect(page.getByLabel('Token URL', { exact: true })).toBeHidden();
  await page.getByLabel('API base URL', { exact: true }).fill('https://${config.workspace}.ledger.example/v2');
  await page.getByRole('button', { name: 'Add field' }).click();
  const field = page.getByRole('group', { name: 'Field 1', exact: true });
  await field.getByLabel('Key', { exact: true }).fill('workspace');
  await field.getByLabel('Label', { exact: true }).fill('Workspace');
  await field.getByLabel('Set by', { exact: true }).selectOption('integration');
  await field.getByLabel('Required', { exact: true }).check();
  await field.getByLabel('Pattern', { exact: true }).fill('[a-z0-9-]+');
  await field.getByLabel('Example', { exact: true }).fill('acme');
  await expect(field.getByText('Use it as ${config.workspace}.')).toBeVisible();
  // Its value, pinned for every connection, has an input as soon as the key is valid.
  await page.getByLabel('Workspace', { exact: true }).fill('acme');
  await next(page);

  // Credentials: no OAuth app; where the key goes, and the request that checks it.
  await expect(page.getByLabel('Client ID', { exact: true })).toBeHidden();
  await expect(page.getByTestId('redirect-uri')).toBeHidden();
  await page.getByLabel('Header name', { exact: true }).fill('X-Ledger-Key');
  await page.getByLabel('Header value', { exact: true }).fill('${api_key}');
  await page.getByLabel('Verification URL', { exact: true }).fill('https://${config.workspace}.ledger.example/v2/me');
  // A status that is not a number is refused beside its input, on the step that holds it.
  await page.getByLabel('Expected statuses', { exact: true }).fill('200, ok');
  await next(page);
  await expect(page.getByText('Scopes are requested by OAuth and client credentials; this provider uses neither.')).toBeVisible();
  await page.getByRole('button', { name: 'Add provider' }).click();
  await expect(page.getByRole('alert')).toContainText('Nothing was saved');
  await expect(page.locator('#field-verification_statuses-error')).toContainText('"ok" is not an HTTP status');
  await expect(page.getByLabel('Expected statuses', { exact: true })).toBeVisible();
  await page.getByLabel('Expected statuses', { exact: true }).fill('200, 204');
  await next(page);
  await page.getByRole('button', { name: 'Add provider' }).click();

  await expect(page).toHaveURL(new RegExp(`/dashboard/providers/${slug}\\?created=1$`));
  await expect(page.getByRole('status')).toContainText('Provider added');
  const summary = page.getByRole('region', { name: 'How users connect' });
  await expect(summary).toContainText('API key');
  await expect(summary).toContainText('In the X-Ledger-Key header, as ${api_key}');
  await expect(summary).toContainText('GET https://${config.workspace}.ledger.example/v2/me, expecting 200, 204');
  await expect(summary.getByRole('row', { name: /Workspace/ })).toContainText('acme');

  // Listed with its method.
  await page.goto('/dashboard');
  const row = page.getByRole('row', { name: new RegExp(name) });
  await expect(row).toContainText(slug);
  await expect(row).toContainText('Custom');
  await expect(row).toContainText('API key');

  const api = await fromApi();
  expect(api.auth_methods).toEqual(['api_key']);
  expect(api.config).toEqual({ workspace: 'acme' });
  expect(api.custom_provider.api_key_placement).toMatchObject({ header: 'X-Ledger-Key', format: '${api_key}' });
  expect(api.custom_provider.verification).toEqual({ method: 'GET', url: 'https://${config.workspace}.ledger.example/v2/me', expected_statuses: [200, 204] });
  expect(api.custom_provider.config_fields).toEqual([
    expect.objectContaining({ key: 'workspace', label: 'Workspace', scope: 'integration', required: true, pattern: '[a-z0-9-]+', example: 'acme' }),
  ]);
  expect(errors).toEqual([]);
});

test('the provider page edits a pinned value, and a secret one is stored but never shown', async ({ page }) => {
  const errors = collectErrors(page);
  await page.goto(`/dashboard/providers/${slug}`);
  await hydrated(page);
  const pinned = page.getByLabel('Workspace', { exact: true });
  await expect(pinned).toHaveValue('acme');

  // A value the field's pattern refuses is refused beside the pinned values.
  await pinned.fill('Not Valid');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.locator('#field-config-error')).toContainText('Workspace is not in the expected form');
  await pinned.fill('globex');

  // A secret field, declared and pinned in the same save.
  await page.getByRole('button', { name: 'Add field' }).click();
  const secretField = page.getByRole('group', { name: 'Field 2', exact: true });
  await secretField.getByLabel('Key', { exact: true }).fill('vault_token');
  await secretField.getByLabel('Label', { exact: true }).fill('Vault token');
  await secretField.getByLabel('Set by', { exact: true }).selectOption('integration');
  await secretField.getByLabel('Secret', { exact: true }).check();
  const token = page.getByLabel('Vault token', { exact: true });
  await expect(token).toHaveAttribute('type', 'password');
  await token.fill(SECRET);
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.getByRole('status')).toContainText(`Saved ${name}.`);

  const summary = page.getByRole('region', { name: 'How users connect' });
  await expect(summary.getByRole('row', { name: /Workspace/ })).toContainText('globex');
  await expect(summary.getByRole('row', { name: /Vault token/ })).toContainText('A value is stored');
  await expect(page.getByLabel('Vault token', { exact: true })).toHaveValue('');
  await expect(page.getByLabel('Remove the stored value')).not.toBeChecked();
  expect(await page.content()).not.toContain(SECRET);
  const api = await fromApi();
  expect(api.config).toEqual({ workspace: 'globex' });
  expect(JSON.stringify(api)).not.toContain(SECRET);

  // Saving again with the secret left empty keeps it; a reload shows the same.
  await page.reload();
  await hydrated(page);
  await expect(page.getByLabel('Workspace', { exact: true })).toHaveValue('globex');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.getByRole('status')).toContainText(`Saved ${name}.`);
  await expect(summary.getByRole('row', { name: /Vault token/ })).toContainText('A value is stored');
  expect(errors).toEqual([]);

  // Leave the environment as the other suites expect it.
  const res = await fetch(`${state().plumbUrl}/data-integrations/${slug}`, {
    method: 'DELETE',
    headers: { Authorization: `Bearer ${state().apiKey}` },
  });
  expect(res.ok).toBe(true);
});
