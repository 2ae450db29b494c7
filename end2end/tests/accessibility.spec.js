// Accessibility, checked by axe-core: the end-user widget and every dashboard page (and the
// small pages of the connect flow) have no violation of impact serious or critical. Each page is
// checked in the state with the most on it: a provider with connections in every state, forms
// with their errors shown, notices, a credential form opened. The providers and webhook endpoints
// this spec adds to the shared instance it removes again, and the API keys it creates it revokes,
// so the other specs see the instance as they would without it.
import { test, expect } from '@playwright/test';
import { WorkOS } from '@workos-inc/node-12';
import { collectErrors, hydrated, state } from '../support/state.js';
import { signInAndApprove, startReceiver } from '../support/flows.js';
import { expectNoSeriousViolations } from '../support/a11y.js';

test.describe.configure({ mode: 'serial' });

const signedOut = { storageState: { cookies: [], origins: [] } };
const user = { userId: 'u-a11y', organizationId: 'org_a11y' };
const FULL = 'a11y-full';
const TEAM = 'a11y-team';
const CATALOG = 'shopify';

function sdk12() {
  return new WorkOS(state().apiKey, { apiHostname: '127.0.0.1', port: state().plumbPort, https: false });
}

/** Plumb's REST API, for what the SDK has no option for. */
async function plumbApi(method, path, body, status = 200) {
  const res = await fetch(`${state().plumbUrl}${path}`, {
    method,
    headers: { Authorization: `Bearer ${state().apiKey}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  expect(res.status, `${method} ${path}: ${await res.clone().text()}`).toBe(status);
  return res.status === 204 ? null : res.json();
}

/** Opens `path` signed in, waits for hydration, and collects the page's errors. */
async function open(page, path) {
  const errors = collectErrors(page);
  await page.goto(path);
  await hydrated(page);
  return errors;
}

// What the spec made, to remove in afterAll.
const made = { endpoints: [], receivers: [], providers: [] };

test.beforeAll(async ({ browser }) => {
  const { providerUrl, plumbUrl } = state();
  const sdk = sdk12();

  // Webhook endpoints first, so the connections below leave deliveries: one answered, one failing
  // (disabled at the end, with its deliveries still retrying).
  for (const status of [200, 500]) {
    const receiver = await startReceiver();
    receiver.status = status;
    made.receivers.push(receiver);
    const endpoint = await sdk.webhooks.createWebhookEndpoint({
      endpointUrl: receiver.url,
      events: ['pipes.connected_account.connected', 'pipes.connected_account.reauthorization_needed'],
    });
    made.endpoints.push(endpoint.id);
  }

  // A custom provider with every method, configuration fields, several accounts and the relay.
  made.providers.push(FULL);
  await plumbApi('POST', '/data-integrations', {
    provider: FULL,
    enabled: true,
    description: 'Reads your projects so the app can list them.',
    auth_methods: ['oauth', 'api_key', 'basic', 'client_credentials'],
    scopes: ['openid', 'api:read'],
    multiple_connections: true,
    config: { workspace: 'acme' },
    credentials: { type: 'custom', client_id: 'plumb-post', client_secret: 'post-secret' },
    custom_provider: {
      name: 'Accessible Provider',
      authorization_url: `${providerUrl}/auth`,
      token_url: `${providerUrl}/token`,
      revocation_url: `${providerUrl}/token/revocation`,
      api_base_url: providerUrl,
      config_fields: [
        { key: 'region', label: 'Region', description: 'Where your account lives.', example: 'eu', pattern: '[a-z]{2}' },
        { key: 'workspace', label: 'Workspace', scope: 'integration', required: true, example: 'acme' },
      ],
    },
  }, 201);

  // Alice connects in the widget, as users do.
  const { token } = await sdk.widgets.createToken(user);
  const context = await browser.newContext();
  const widget = await context.newPage();
  await widget.goto(`${plumbUrl}/widget?token=${encodeURIComponent(token)}`);
  await hydrated(widget);
  await widget.getByRole('button', { name: 'Connect Accessible Provider' }).click();
  await signInAndApprove(widget);
  await hydrated(widget);
  await expect(widget.locator(`[data-provider="${FULL}"] .account`)).toHaveCount(1);
  await context.close();
  const alice = (await sdk.pipes.listUserDataProviders({ ...user, supportsMultipleConnections: true })).data
    .find((p) => p.slug === FULL).connectedAccounts[0];

  // An imported account whose refresh the provider refuses: needs reauthorization, with its error.
  const stale = await sdk.pipes.createUserConnectedAccount({
    ...user,
    slug: FULL,
    accessToken: 'a11y-expired-access-token',
    refreshToken: 'a11y-unknown-refresh-token',
    expiresAt: new Date(Date.now() - 60_000),
    scopes: ['openid'],
    accountDisplayName: 'Old laptop',
    connectionIntent: 'add',
  });
  expect(await sdk.pipes.getAccessToken({ provider: FULL, ...user, connectedAccountId: stale.id }))
    .toEqual({ active: false, error: 'needs_reauthorization' });
  // A key installed by the backend, and an account deleted again (a revocation at the provider).
  await plumbApi('POST', `/data-integrations/${FULL}/api-key`, {
    user_id: user.userId,
    organization_id: user.organizationId,
    secret: 'a11y-key-0000-4321',
    account_display_name: 'Build server',
    connection_intent: 'add',
  }, 201);
  const gone = await sdk.pipes.createUserConnectedAccount({
    ...user, slug: FULL, accessToken: 'a11y-gone', refreshToken: 'a11y-gone-refresh', scopes: ['openid'], connectionIntent: 'add',
  });
  await sdk.pipes.deleteUserConnectedAccount({ ...user, slug: FULL, connectedAccountId: gone.id });
  // Relayed calls on Alice's account.
  const relayed = await fetch(`${plumbUrl}/relay/${FULL}/me`, {
    headers: {
      Authorization: `Bearer ${state().apiKey}`,
      'X-Relay-User-Id': user.userId,
      'X-Relay-Organization-Id': user.organizationId,
      'X-Relay-Connected-Account-Id': alice.id,
    },
  });
  expect(relayed.status, await relayed.text()).toBe(200);

  // An organization's shared connection, which the widget's user sees but does not manage.
  made.providers.push(TEAM);
  await plumbApi('POST', '/data-integrations', {
    provider: TEAM,
    enabled: true,
    ownership: 'organization',
    scopes: ['openid'],
    credentials: { type: 'custom', client_id: 'plumb-post', client_secret: 'post-secret' },
    custom_provider: { name: 'Team Workspace', authorization_url: `${providerUrl}/auth`, token_url: `${providerUrl}/token` },
  }, 201);
  await sdk.pipes.createOrganizationConnectedAccount({
    organizationId: user.organizationId,
    slug: TEAM,
    userId: 'admin-a11y',
    accessToken: 'a11y-team-access',
    refreshToken: 'a11y-team-refresh',
    expiresAt: new Date(Date.now() + 3600_000),
    scopes: ['openid'],
    accountDisplayName: 'Company',
  });

  // A catalog provider with its logo, scopes and a field asked when connecting.
  made.providers.push(CATALOG);
  await plumbApi('POST', '/data-integrations', {
    provider: CATALOG,
    enabled: true,
    scopes: ['read_products'],
    credentials: { type: 'custom', client_id: 'a11y-shopify-client', client_secret: 'a11y-shopify-secret' },
  }, 201);
  await plumbApi('PATCH', `/webhook_endpoints/${made.endpoints[1]}`, { status: 'disabled' });
});

test.afterAll(async () => {
  const sdk = sdk12();
  for (const slug of made.providers) await fetch(`${state().plumbUrl}/data-integrations/${slug}`, {
    method: 'DELETE',
    headers: { Authorization: `Bearer ${state().apiKey}` },
  });
  for (const id of made.endpoints) await sdk.webhooks.deleteWebhookEndpoint({ id }).catch(() => {});
  for (const receiver of made.receivers) await receiver.close();
});

test('the check fails on a page with serious violations, naming the rule and the element', async ({ page }) => {
  await page.setContent(`<!doctype html><html lang="en"><title>Bad</title><main>
    <button class="mystery"></button><p style="color: #aaa; background: #fff">Faint text</p></main></html>`);
  const failure = await expectNoSeriousViolations(page, 'a page made to fail').then(() => null, (e) => e);
  expect(failure, 'the check passed a button without a name').not.toBeNull();
  expect(failure.message).toContain('a page made to fail: axe found 2 serious or critical problem(s)');
  expect(failure.message).toContain('critical button-name');
  expect(failure.message).toContain('<button class="mystery"></button>');
  expect(failure.message).toContain('serious color-contrast');
  expect(failure.message).toContain('Faint text');
});

test('the widget: every kind of row, an error notice and an open credential form', async ({ browser }) => {
  const { plumbUrl } = state();
  const { token } = await sdk12().widgets.createToken(user);
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = collectErrors(page);
  // Back from a connect that failed: the notice says so above the list.
  await page.goto(`${plumbUrl}/widget?token=${encodeURIComponent(token)}&error=access_denied&provider=${FULL}`);
  await hydrated(page);
  await expect(page.getByRole('alert')).toContainText('Could not connect Accessible Provider');
  const full = page.locator(`[data-provider="${FULL}"]`);
  await expect(full.locator('.account')).toHaveCount(3);
  await expect(full.locator('.account .badge-warn')).toHaveText('Needs reauthorization');
  await expect(page.locator(`[data-provider="${TEAM}"]`)).toContainText('Shared by your organization');
  await expect(page.locator(`[data-provider="${CATALOG}"] img.icon`)).toBeVisible();
  await full.getByText('Connect with an API key').click();
  await expect(full.getByLabel('API key', { exact: true })).toBeVisible();

  // Each colour scheme the widget has is checked by the same call, wide and on a phone; the dark
  // scheme joins the list when the widget has one.
  for (const colorScheme of ['light']) {
    await page.emulateMedia({ colorScheme });
    for (const viewport of [{ width: 1280, height: 720 }, { width: 390, height: 844 }]) {
      await page.setViewportSize(viewport);
      await expectNoSeriousViolations(page, `widget (${colorScheme} scheme, ${viewport.width} px wide)`);
    }
  }

  await page.goto(`${plumbUrl}/widget?token=not-a-token`);
  await expect(page.getByRole('alert')).toContainText('This link is not valid');
  await expectNoSeriousViolations(page, 'widget with an invalid link');
  expect(errors).toEqual([]);
  await context.close();
});

test('signing in and accepting an invitation, with their errors shown', async ({ browser, page }) => {
  const adminErrors = await open(page, '/dashboard/admins');
  await page.getByLabel('Email').fill('a11y-colleague@plumb.test');
  await page.getByRole('button', { name: 'Create invitation' }).click();
  const link = await page.getByTestId('invite-link').textContent();
  await expectNoSeriousViolations(page, 'admins, with an invitation link shown');
  expect(adminErrors).toEqual([]);

  const context = await browser.newContext(signedOut);
  const out = await context.newPage();
  const errors = collectErrors(out);
  await out.goto('/login?signed_out=1&error=invalid_credentials&email=someone%40example.com');
  await hydrated(out);
  await expect(out.getByRole('alert')).toHaveText('The email address or password is not right.');
  await expectNoSeriousViolations(out, 'sign-in, with an error');

  await out.goto(`${link}?field=password&error=too_short`);
  await hydrated(out);
  await expect(out.locator('#invite-password-error')).toHaveText('Use at least 12 characters.');
  await expectNoSeriousViolations(out, 'invitation, with a field error');
  await out.goto(`${link}?error=invite_invalid`);
  await hydrated(out);
  await expect(out.getByRole('alert')).toContainText('already used or has expired');
  await expectNoSeriousViolations(out, 'invitation, refused');
  expect(errors).toEqual([]);
  await context.close();
});

test('the providers list, with a notice', async ({ page }) => {
  const errors = await open(page, '/dashboard?deleted=Old%20Provider&accounts=2');
  await expect(page.getByRole('status')).toHaveText('Deleted Old Provider and 2 connected account(s).');
  await expect(page.getByRole('row', { name: /Accessible Provider/ })).toBeVisible();
  await expectNoSeriousViolations(page, 'providers list');
  expect(errors).toEqual([]);
});

test('a custom provider\'s page: connections in every state, errors shown, deleting opened', async ({ page }) => {
  const errors = await open(page, `/dashboard/providers/${FULL}`);
  const accounts = page.getByRole('table', { name: 'Connected accounts' });
  await expect(accounts.getByRole('row')).toHaveCount(4);
  await expect(accounts).toContainText('Needs reauthorization');
  // Relayed calls reach the database within a second or so, and the page does not refresh itself.
  await expect(async () => {
    await page.reload();
    await hydrated(page);
    await expect(accounts.locator('.relay-usage').filter({ hasText: '1 call' })).toHaveCount(1, { timeout: 1000 });
  }).toPass({ timeout: 15_000 });
  await expect(page.getByRole('heading', { name: 'Revocations at the provider' })).toBeVisible();
  await page.getByLabel('Token URL', { exact: true }).fill('not a url');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.locator('#field-token_url-error')).not.toBeEmpty();
  await page.getByText('Delete this provider…').click();
  await accounts.getByRole('button', { name: 'Delete', exact: true }).first().click();
  await expect(accounts.getByRole('button', { name: 'Cancel' })).toBeVisible();
  await expectNoSeriousViolations(page, 'custom provider page');
  expect(errors).toEqual([]);
});

test('a catalog provider\'s page, with an error', async ({ page }) => {
  const errors = await open(page, `/dashboard/providers/${CATALOG}`);
  await page.getByLabel('Client ID', { exact: true }).fill('');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.getByRole('alert')).toBeVisible();
  await expectNoSeriousViolations(page, 'catalog provider page');
  expect(errors).toEqual([]);
});

test('the wizard, each step with its errors shown', async ({ page }) => {
  const errors = await open(page, '/dashboard/new-provider');
  const next = () => page.getByRole('button', { name: 'Next', exact: true }).click();
  await page.getByLabel('Name', { exact: true }).fill('Wizard Provider');
  await page.getByLabel('Slug', { exact: true }).fill('Not A Slug');
  for (const method of ['API key', 'User name and password', 'Client credentials']) {
    await page.getByLabel(method, { exact: true }).check();
  }
  await next();
  await next();
  await next();
  await page.getByRole('button', { name: 'Add provider' }).click();
  await expect(page.getByRole('alert')).toContainText('Nothing was saved');
  await expectNoSeriousViolations(page, 'wizard, details');
  await next();
  await page.getByRole('button', { name: 'Add field' }).click();
  await expectNoSeriousViolations(page, 'wizard, endpoints and fields');
  await next();
  await expectNoSeriousViolations(page, 'wizard, credentials');
  await next();
  await expectNoSeriousViolations(page, 'wizard, scopes');
  await page.getByRole('button', { name: 'Advanced options' }).click();
  await expectNoSeriousViolations(page, 'wizard, advanced options');
  expect(errors).toEqual([]);
});

test('the catalog and enabling from it, with errors', async ({ page }) => {
  let errors = await open(page, '/dashboard/catalog');
  await page.getByRole('button', { name: 'Save shared credentials' }).click();
  await expect(page.getByRole('alert')).toBeVisible();
  await expectNoSeriousViolations(page, 'catalog, shared credentials refused');
  expect(errors).toEqual([]);

  // An OAuth entry with a tenant field and common scopes, refused for what it lacks; and one
  // users connect to with a key (nothing to refuse: submitting it would enable it).
  errors = await open(page, '/dashboard/catalog/zendesk');
  await page.getByRole('button', { name: 'Enable provider' }).click();
  await expect(page.getByRole('alert')).toBeVisible();
  await expectNoSeriousViolations(page, 'enabling Zendesk, refused');
  expect(errors).toEqual([]);
  errors = await open(page, '/dashboard/catalog/openai');
  await expect(page.getByRole('heading', { name: 'Enable OpenAI' })).toBeVisible();
  await expectNoSeriousViolations(page, 'enabling OpenAI');
  expect(errors).toEqual([]);
});

test('webhooks: endpoints, deliveries, and the form with an error', async ({ page }) => {
  const errors = await open(page, '/dashboard/webhooks');
  await expect(async () => {
    await page.getByRole('button', { name: 'Reload' }).click();
    await expect(page.getByRole('table', { name: 'Recent deliveries' }).getByRole('row')).not.toHaveCount(0, { timeout: 1000 });
  }).toPass();
  await page.getByRole('button', { name: 'Add endpoint' }).click();
  await expect(page.getByRole('alert')).toBeVisible();
  await expectNoSeriousViolations(page, 'webhooks');
  expect(errors).toEqual([]);
});

test('API keys: active and revoked, and a new key shown', async ({ page }) => {
  const errors = await open(page, '/dashboard/api-keys');
  await page.getByLabel('Name').fill('a11y revoked');
  await page.getByRole('button', { name: 'Create key' }).click();
  await expect(page.getByTestId('api-key-secret')).toBeVisible();
  await page.getByRole('button', { name: /Revoke a11y revoked/ }).click();
  await expect(page.getByRole('row', { name: /a11y revoked/ })).toContainText('Revoked');
  await page.getByLabel('Name').fill('a11y backend');
  await page.getByRole('button', { name: 'Create key' }).click();
  await expect(page.getByTestId('api-key-secret')).toBeVisible();
  await expectNoSeriousViolations(page, 'API keys');
  await page.getByRole('button', { name: /Revoke a11y backend/ }).click();
  await expect(page.getByRole('row', { name: /a11y backend/ })).toContainText('Revoked');
  expect(errors).toEqual([]);
});

test('the environment settings, in production, with an error', async ({ page }) => {
  const errors = await open(page, '/dashboard/environment');
  await page.getByLabel('Environment').selectOption('production');
  await page.getByRole('button', { name: 'Switch' }).click();
  try {
    await hydrated(page);
    await expect(page.getByRole('heading', { name: 'Production environment' })).toBeVisible();
    await page.getByLabel('Return-to origins').fill('not an origin');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await expect(page.locator('#field-return_to_origins-error')).not.toBeEmpty();
    await expectNoSeriousViolations(page, 'environment settings (production)');
  } finally {
    await page.getByLabel('Environment').selectOption('sandbox');
    await page.getByRole('button', { name: 'Switch' }).click();
    await expect(page.getByRole('heading', { name: 'Sandbox environment' })).toBeVisible();
  }
  expect(errors).toEqual([]);
});

test('the other pages: home, not found, the API reference and the connect flow\'s own pages', async ({ page, browser }) => {
  await open(page, '/');
  await expectNoSeriousViolations(page, 'home');
  // Server-rendered pages: no wasm, nothing to wait for.
  for (const [path, label] of [
    ['/docs/api', 'API reference'],
    ['/dashboard/no-such-page', 'page not found'],
    ['/oauth/done?error=access_denied', 'connect finished with an error'],
  ]) {
    await page.goto(path);
    await expectNoSeriousViolations(page, label);
  }
  // The page an authorization link opens, asking before it goes to the provider.
  const { url } = await sdk12().pipes.authorizeDataIntegration({ slug: FULL, ...user });
  const context = await browser.newContext(signedOut);
  const out = await context.newPage();
  await out.goto(url);
  await expect(out.getByRole('button', { name: /^Continue to / })).toBeVisible();
  await expectNoSeriousViolations(out, 'authorization link confirmation');
  await context.close();
});
