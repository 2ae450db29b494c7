// Issue 14 as users meet it, in Chromium against the real authorization server and the
// unmodified @workos-inc/node 12.3.0: a provider whose URLs depend on a value the user enters
// (its pattern checked in the browser, then the token and refreshes using the filled URLs), an
// API-key provider whose keys a small HTTP server checks, and client credentials against the
// server's client_credentials grant, obtained once for 200 concurrent callers and renewed.
import http from 'node:http';
import { test, expect } from '@playwright/test';
import { WorkOS } from '@workos-inc/node-12';
import { hydrated, state, collectErrors } from '../support/state.js';
import { me, providerStats, signInAndApprove } from '../support/flows.js';

test.describe.configure({ mode: 'serial' });

function sdk12() {
  return new WorkOS(state().apiKey, { apiHostname: '127.0.0.1', port: state().plumbPort, https: false });
}

/** Plumb's REST API with a body the SDK has no option for (configuration fields). */
async function plumbApi(method, path, body, status = 200) {
  const res = await fetch(`${state().plumbUrl}${path}`, {
    method,
    headers: { Authorization: `Bearer ${state().apiKey}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status, await res.clone().text()).toBe(status);
  return res.json();
}

async function openWidget(browser, user) {
  const { token } = await sdk12().widgets.createToken(user);
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = collectErrors(page);
  await page.goto(`${state().plumbUrl}/widget?token=${encodeURIComponent(token)}`);
  await hydrated(page);
  return { context, page, errors };
}

const tenantUser = { userId: 'u-tenant', organizationId: 'org_tenant' };

test('a templated provider: the user enters its port, connects, and the token and refresh use the filled URLs', async ({ browser }) => {
  const port = new URL(state().providerUrl).port;
  await plumbApi('POST', '/data-integrations', {
    provider: 'tenant-idp',
    enabled: true,
    scopes: ['openid', 'api:read'],
    credentials: { type: 'custom', client_id: 'plumb-post', client_secret: 'post-secret' },
    custom_provider: {
      name: 'Tenant IdP',
      authorization_url: 'http://127.0.0.1:${config.port}/auth',
      token_url: 'http://127.0.0.1:${config.port}/token',
      config_fields: [{ key: 'port', label: 'Port', required: true, pattern: '[0-9]{2,5}', example: '8443', description: 'Where your tenant listens.' }],
    },
  }, 201);

  const { context, page, errors } = await openWidget(browser, tenantUser);
  const row = page.getByRole('listitem').filter({ hasText: 'Tenant IdP' }).first();
  const field = row.getByLabel('Port');
  await expect(field).toHaveAttribute('placeholder', '8443');
  await row.screenshot({ path: new URL('../../docs/screenshots/widget-config.png', import.meta.url).pathname });
  // The pattern is checked as the user types: the form will not submit.
  await field.fill('80x');
  await expect.poll(() => field.evaluate((el) => el.validationMessage)).toContain('Port is not in the expected form');
  await row.getByRole('button', { name: 'Connect Tenant IdP' }).click();
  await expect(page).toHaveURL(/\/widget\?/);
  await field.fill(port);
  await expect.poll(() => field.evaluate((el) => el.validationMessage)).toBe('');
  await row.getByRole('button', { name: 'Connect Tenant IdP' }).click();
  await signInAndApprove(page);
  await hydrated(page);
  await expect(row.locator('.badge')).toHaveText('Connected');
  expect(errors).toEqual([]);
  await context.close();

  const sdk = sdk12();
  const account = await sdk.pipes.getUserConnectedAccount({ userId: tenantUser.userId, organizationId: tenantUser.organizationId, slug: 'tenant-idp' });
  expect(account.config).toEqual({ port });
  const first = await sdk.pipes.getAccessToken({ provider: 'tenant-idp', ...tenantUser });
  expect(first.active).toBe(true);
  expect((await me(first.accessToken.accessToken)).status).toBe(200);
  const refreshesBefore = (await providerStats()).grants.refresh_token ?? 0;
  // The access token lives five seconds at the provider: the next fetch refreshes it there.
  await new Promise((r) => setTimeout(r, 6_000));
  const second = await sdk.pipes.getAccessToken({ provider: 'tenant-idp', ...tenantUser });
  expect(second.accessToken.accessToken).not.toBe(first.accessToken.accessToken);
  expect((await me(second.accessToken.accessToken)).status).toBe(200);
  expect((await providerStats()).grants.refresh_token).toBe(refreshesBefore + 1);
});

const GOOD_KEY = 'e2e-key-good-000123';

test('an API key: a wrong one is refused with the provider\'s status, a right one is stored and vended to SDK 12.3', async ({ browser }) => {
  // The provider's "who am I" endpoint: 200 for the good key only.
  const checks = [];
  const verifier = http.createServer((req, res) => {
    checks.push(req.headers['x-api-key']);
    res.writeHead(req.headers['x-api-key'] === GOOD_KEY ? 200 : 401, { 'content-type': 'application/json' });
    res.end('{}');
  });
  await new Promise((resolve) => verifier.listen(0, '127.0.0.1', resolve));
  try {
    const verifyUrl = `http://127.0.0.1:${verifier.address().port}/me`;
    await plumbApi('POST', '/data-integrations', {
      provider: 'key-vault',
      enabled: true,
      auth_methods: ['api_key'],
      custom_provider: {
        name: 'Key Vault',
        api_key_placement: { header: 'X-Api-Key', format: '${api_key}' },
        verification: { method: 'GET', url: verifyUrl, expected_statuses: [200] },
      },
    }, 201);

    const user = { userId: 'u-keys', organizationId: 'org_keys' };
    const { context, page, errors } = await openWidget(browser, user);
    const row = () => page.getByRole('listitem').filter({ hasText: 'Key Vault' }).first();
    await row().getByText('Connect with an API key').click();
    await row().screenshot({ path: new URL('../../docs/screenshots/widget-api-key.png', import.meta.url).pathname });
    await row().getByLabel('API key').fill('e2e-key-wrong-000999');
    await row().getByRole('button', { name: 'Save Key Vault credentials' }).click();
    await expect(page.getByText('Could not connect Key Vault: The provider refused these credentials')).toBeVisible();
    await expect(page.getByText('Key Vault answered HTTP 401.')).toBeVisible();
    await hydrated(page);
    await row().getByText('Connect with an API key').click();
    await row().getByLabel('API key').fill(GOOD_KEY);
    await row().getByRole('button', { name: 'Save Key Vault credentials' }).click();
    await hydrated(page);
    await expect(row().locator('.badge')).toHaveText('Connected');
    expect(checks).toEqual(['e2e-key-wrong-000999', GOOD_KEY]);
    expect(errors).toEqual([]);
    await context.close();

    const sdk = sdk12();
    const vended = await sdk.pipes.createDataIntegrationCredential({ slug: 'key-vault', ...user });
    expect(vended.active).toBe(true);
    expect(vended.credential.authMethod).toBe('api_key');
    expect(vended.credential.value).toBe(GOOD_KEY);

    // The backend installs another user's key; a wrong one is refused with the status.
    await expect(
      sdk.pipes.createDataIntegrationApiKey({ slug: 'key-vault', userId: 'u-backend', secret: 'nope-nope-nope-0', connectionIntent: 'add' }),
    ).rejects.toThrow();
    const account = await sdk.pipes.createDataIntegrationApiKey({ slug: 'key-vault', userId: 'u-backend', secret: GOOD_KEY, connectionIntent: 'add' });
    expect(account.authMethod).toBe('api_key');
    expect(account.apiKeyLast4).toBe(GOOD_KEY.slice(-4));
    const token = await sdk.pipes.getAccessToken({ provider: 'key-vault', userId: 'u-backend' });
    expect(token.accessToken.accessToken).toBe(GOOD_KEY);
  } finally {
    verifier.close();
  }
});

test('client credentials against the server\'s grant: one token request for 200 concurrent fetches, renewed after expiry', async () => {
  const sdk = sdk12();
  await sdk.pipes.createDataIntegration({
    provider: 'machine-api',
    enabled: true,
    scopes: ['api:read'],
    authMethods: ['client_credentials'],
    customProvider: { name: 'Machine API', tokenUrl: `${state().providerUrl}/token` },
  });
  const before = (await providerStats()).grants.client_credentials ?? 0;
  const owner = { userId: 'u-machine', organizationId: 'org_machine' };
  const account = await sdk.pipes.createDataIntegrationClientCredential({
    slug: 'machine-api', ...owner, clientId: 'plumb-machine', clientSecret: 'machine-secret-e2e', connectionIntent: 'add',
  });
  expect(account.authMethod).toBe('client_credentials');
  expect(account.clientId).toBe('plumb-machine');
  expect(account.clientSecretLast4).toBe('-e2e');
  expect((await providerStats()).grants.client_credentials).toBe(before + 1);

  // The token lives five seconds: after that, 200 callers at once get one new token.
  await new Promise((r) => setTimeout(r, 6_000));
  const all = await Promise.all(
    Array.from({ length: 200 }, () => sdk.pipes.createDataIntegrationCredential({ slug: 'machine-api', ...owner })),
  );
  const values = new Set(all.map((r) => r.credential.value));
  expect(values.size).toBe(1);
  expect(all[0].credential.authMethod).toBe('client_credentials');
  expect(all[0].credential.expiresAt).toBeInstanceOf(Date);
  expect(all[0].credential.expiresAt.getTime()).toBeGreaterThan(Date.now());
  expect((await providerStats()).grants.client_credentials).toBe(before + 2);
});
