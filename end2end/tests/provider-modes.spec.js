// Every way a provider may want OAuth done, each connected end to end against the real
// authorization server (through a recording front where the server itself cannot speak the
// mode), with the providers created through the official WorkOS SDK's admin API.
import { test, expect } from '@playwright/test';
import { state, workos } from '../support/state.js';
import { connectInWidget, me, recorded, signInAndApprove } from '../support/flows.js';

test.describe.configure({ mode: 'serial' });

/** A custom provider at the test server through `pipes.createDataIntegration`. */
async function createProvider(sdk, slug, name, customProvider, credentials, scopes = ['openid', 'api:read']) {
  const { providerUrl } = state();
  const created = await sdk.pipes.createDataIntegration({
    provider: slug,
    description: `Mode test: ${name}`,
    enabled: true,
    scopes,
    credentials: { type: 'custom', ...credentials },
    customProvider: {
      name,
      authorizationUrl: `${providerUrl}/auth`,
      tokenUrl: `${providerUrl}/modes/token`,
      ...customProvider,
    },
  });
  expect(created.slug).toBe(slug);
  expect(created.customProvider.name).toBe(name);
  return created;
}

async function tokenFor(sdk, slug, userId) {
  const result = await sdk.pipes.getAccessToken({ provider: slug, userId, organizationId: 'org_modes' });
  expect(result.active).toBe(true);
  const profile = await me(result.accessToken.accessToken);
  expect(profile.status).toBe(200);
  expect(profile.body.sub).toBe('alice');
  return result;
}

const user = (userId) => ({ userId, organizationId: 'org_modes' });

test('client credentials in an HTTP Basic header', async ({ browser }) => {
  const sdk = workos();
  await createProvider(sdk, 'mode-basic', 'Basic Auth Provider', { authenticateVia: 'basic_auth_header' }, { clientId: 'plumb-basic', clientSecret: 'basic-secret' });
  await connectInWidget(browser, sdk, 'Basic Auth Provider', user('u-basic'));
  await tokenFor(sdk, 'mode-basic', 'u-basic');
  const [exchange] = await recorded('/modes/token').then((r) => r.filter((x) => x.fields.client_id === undefined && x.headers.authorization?.includes('Basic')));
  expect(exchange.headers.authorization).toBe(`Basic ${Buffer.from('plumb-basic:basic-secret').toString('base64')}`);
  expect(exchange.fields.client_secret).toBeUndefined();
  expect(exchange.fields.grant_type).toBe('authorization_code');
});

test('a JSON token request body', async ({ browser }) => {
  const sdk = workos();
  await createProvider(sdk, 'mode-json', 'JSON Body Provider', { tokenBodyContentType: 'application/json' }, { clientId: 'plumb-post', clientSecret: 'post-secret' });
  await connectInWidget(browser, sdk, 'JSON Body Provider', user('u-json'));
  await tokenFor(sdk, 'mode-json', 'u-json');
  const exchange = (await recorded('/modes/token')).find((r) => r.headers['content-type'] === 'application/json');
  expect(exchange.fields).toMatchObject({ grant_type: 'authorization_code', client_id: 'plumb-post', client_secret: 'post-secret' });
  expect(exchange.fields.code_verifier).toMatch(/^[A-Za-z0-9_-]{43,}$/);
});

test('a public client with PKCE and no secret anywhere', async ({ browser }) => {
  const sdk = workos();
  await createProvider(sdk, 'mode-public', 'Public Client Provider', { clientSecretRequired: false, pkceEnabled: true }, { clientId: 'plumb-public' });
  await connectInWidget(browser, sdk, 'Public Client Provider', user('u-public'));
  await tokenFor(sdk, 'mode-public', 'u-public');
  const exchange = (await recorded('/modes/token')).find((r) => r.fields.client_id === 'plumb-public');
  expect(exchange.headers.authorization).toBeNull();
  expect(exchange.fields.client_secret).toBeUndefined();
  expect(exchange.fields.code_verifier).toBeTruthy();
});

test('comma-separated scopes and additional authorization parameters reach the provider', async ({ browser }) => {
  const sdk = workos();
  const { providerUrl } = state();
  await createProvider(
    sdk,
    'mode-comma',
    'Comma Scopes Provider',
    {
      authorizationUrl: `${providerUrl}/modes/auth`,
      requestScopeSeparator: ',',
      additionalAuthorizationParameters: { audience: 'plumb-e2e', display: 'page' },
    },
    { clientId: 'plumb-post', clientSecret: 'post-secret' },
  );
  await connectInWidget(browser, sdk, 'Comma Scopes Provider', user('u-comma'));
  await tokenFor(sdk, 'mode-comma', 'u-comma');
  const [authorize] = await recorded('/modes/auth');
  expect(authorize.query).toMatchObject({ scope: 'openid,api:read', audience: 'plumb-e2e', display: 'page', code_challenge_method: 'S256' });
});

test('refreshes go to a separate refresh token URL', async ({ browser }) => {
  const sdk = workos();
  const { providerUrl } = state();
  await createProvider(sdk, 'mode-refresh', 'Refresh URL Provider', { refreshTokenUrl: `${providerUrl}/modes/refresh` }, { clientId: 'plumb-post', clientSecret: 'post-secret' });
  await connectInWidget(browser, sdk, 'Refresh URL Provider', user('u-refresh'));
  const first = await tokenFor(sdk, 'mode-refresh', 'u-refresh');
  await expect.poll(async () => (await me(first.accessToken.accessToken)).status, { timeout: 30_000 }).toBe(401);
  const second = await tokenFor(sdk, 'mode-refresh', 'u-refresh');
  expect(second.accessToken.accessToken).not.toBe(first.accessToken.accessToken);
  const refreshes = await recorded('/modes/refresh');
  expect(refreshes).toHaveLength(1);
  expect(refreshes[0].fields.grant_type).toBe('refresh_token');
});

test('granted scopes narrower than requested show up as missing scopes', async ({ browser }) => {
  const sdk = workos();
  await createProvider(sdk, 'mode-narrow', 'Narrow Grant Provider', {}, { clientId: 'plumb-post', clientSecret: 'post-secret' }, ['openid', 'api:read', 'api:write']);
  await connectInWidget(browser, sdk, 'Narrow Grant Provider', user('u-narrow'), { untick: ['api:write'] });
  const result = await tokenFor(sdk, 'mode-narrow', 'u-narrow');
  expect(result.accessToken.scopes).toEqual(['openid', 'api:read']);
  expect(result.accessToken.missingScopes).toEqual(['api:write']);
});

test('the admin API works through the unmodified WorkOS SDK: list, get, update, authorize, delete', async ({ browser }) => {
  const sdk = workos();
  const { plumbUrl } = state();

  const page1 = await sdk.pipes.listDataIntegrations({ limit: 2, order: 'asc' });
  expect(page1.data).toHaveLength(2);
  expect(page1.listMetadata.after).toBe(page1.data[1].id);
  const page2 = await sdk.pipes.listDataIntegrations({ limit: 2, order: 'asc', after: page1.listMetadata.after });
  expect(page2.data).toHaveLength(2);
  expect(page2.listMetadata.before).toBe(page2.data[0].id);
  expect(page2.data[0].id > page1.data[1].id).toBe(true);
  const all = await (await sdk.pipes.listDataIntegrations({ order: 'asc' })).autoPagination();
  const modes = all.map((d) => d.slug).filter((s) => s.startsWith('mode-'));
  expect(modes).toEqual(['mode-basic', 'mode-json', 'mode-public', 'mode-comma', 'mode-refresh', 'mode-narrow']);
  const newestFirst = await sdk.pipes.listDataIntegrations({ limit: 100 });
  expect(newestFirst.data.map((d) => d.slug)).toEqual(all.map((d) => d.slug).reverse());

  const got = await sdk.pipes.getDataIntegration({ slug: 'mode-json' });
  expect(got).toMatchObject({
    object: 'data_integration',
    slug: 'mode-json',
    integrationType: 'custom',
    enabled: true,
    state: 'valid',
    redirectUri: `${plumbUrl}/oauth/callback`,
  });
  expect(got.credentials).toMatchObject({ type: 'custom', clientId: 'plumb-post' });
  expect(JSON.stringify(got)).not.toContain('post-secret');

  const updated = await sdk.pipes.updateDataIntegration({ slug: 'mode-json', description: 'Updated through the SDK' });
  expect(updated.description).toBe('Updated through the SDK');
  expect(updated.customProvider.tokenBodyContentType).toBe('application/json');

  // A backend's own UI: an authorize URL on Plumb that the user's browser opens.
  const { url } = await sdk.pipes.authorizeDataIntegration({ slug: 'mode-json', userId: 'u-api', organizationId: 'org_modes' });
  expect(url.startsWith(`${plumbUrl}/oauth/start/`)).toBe(true);
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(url);
  // The link first says what it does; only the person's click starts it.
  await expect(page.getByRole('heading', { name: 'Connect JSON Body Provider' })).toBeVisible();
  await page.getByRole('button', { name: /^Continue to / }).click();
  await signInAndApprove(page);
  await expect(page.getByRole('heading', { name: 'Connected' })).toBeVisible();
  await context.close();
  await tokenFor(sdk, 'mode-json', 'u-api');

  // Bad input names the field and stores nothing.
  await expect(sdk.pipes.createDataIntegration({ provider: 'Bad Slug', customProvider: { name: 'x' } })).rejects.toMatchObject({ status: 422 });
  await expect(sdk.pipes.createDataIntegration({ provider: 'mode-json', customProvider: { name: 'Dup', authorizationUrl: 'https://a.example/a', tokenUrl: 'https://a.example/t' }, credentials: { type: 'custom', clientId: 'a', clientSecret: 'b' } })).rejects.toMatchObject({ status: 409 });
  const res = await fetch(`${plumbUrl}/data-integrations`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${state().apiKey}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ provider: 'github', colour: 'blue' }),
  });
  expect(res.status).toBe(422);
  expect((await res.json()).errors[0]).toMatchObject({ field: 'colour', code: 'unknown_field' });

  await sdk.pipes.deleteDataIntegration({ slug: 'mode-narrow' });
  await expect(sdk.pipes.getDataIntegration({ slug: 'mode-narrow' })).rejects.toMatchObject({ status: 404 });
  await expect(sdk.pipes.getAccessToken({ provider: 'mode-narrow', userId: 'u-narrow', organizationId: 'org_modes' })).rejects.toMatchObject({ status: 404 });
});
