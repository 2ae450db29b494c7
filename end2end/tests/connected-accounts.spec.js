// Connected accounts as SDK 12.3 sees them, against the real authorization server in Chromium:
// several accounts for one user, an organization's shared connection used by two members,
// tokens imported from another system and refreshed by Plumb, deletes that revoke the grant at
// the provider, and finishConnection. The unmodified @workos-inc/node 12.3.0 drives it (11.0.0,
// which the other specs use, keeps working beside it).
import { test, expect } from '@playwright/test';
import { WorkOS } from '@workos-inc/node-12';
import { hydrated, state, workos, collectErrors } from '../support/state.js';
import { me, providerStats, signInAndApprove } from '../support/flows.js';

test.describe.configure({ mode: 'serial' });

/** SDK 12.3.0, unmodified, pointed at Plumb. */
function sdk12(apiKey = state().apiKey) {
  return new WorkOS(apiKey, { apiHostname: '127.0.0.1', port: state().plumbPort, https: false });
}

/** Plumb's extensions the SDK has no option for, on the same REST path. */
async function plumbApi(method, path, body) {
  const res = await fetch(`${state().plumbUrl}${path}`, {
    method,
    headers: { Authorization: `Bearer ${state().apiKey}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  expect(res.status, await res.clone().text()).toBe(200);
  return res.json();
}

/** A provider at the test server, made through SDK 12.3, with its RFC 7009 endpoint. */
async function createProvider(sdk, slug, name, extra = {}) {
  const { providerUrl } = state();
  const credentials = { type: 'custom', clientId: 'plumb-post', clientSecret: 'post-secret' };
  await sdk.pipes.createDataIntegration({
    provider: slug,
    enabled: true,
    scopes: ['openid', 'api:read'],
    credentials,
    customProvider: { name, authorizationUrl: `${providerUrl}/auth`, tokenUrl: `${providerUrl}/token` },
    ...extra.create,
  });
  await plumbApi('PUT', `/data-integrations/${slug}`, {
    ...extra.plumb,
    custom_provider: { revocation_url: `${providerUrl}/token/revocation` },
    credentials: { type: 'custom', client_id: 'plumb-post', client_secret: 'post-secret' },
  });
}

/** Opens the widget for `token` in a fresh browser context. */
async function openWidget(browser, token) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = collectErrors(page);
  await page.goto(`${state().plumbUrl}/widget?token=${encodeURIComponent(token)}`);
  await hydrated(page);
  return { context, page, errors };
}

/**
 * Tokens for `username` from the provider, obtained the way another system (the one an app
 * migrates away from) would have: an authorization-code flow of its own, whose code the test
 * catches at the redirect and exchanges itself.
 */
async function tokensFromAnotherSystem(browser, username, password) {
  const { providerUrl, plumbUrl } = state();
  const redirect = `${plumbUrl}/oauth/callback`;
  const context = await browser.newContext();
  const page = await context.newPage();
  // The provider redirects there (Plumb refuses the unknown state and exchanges nothing); the
  // request is seen even though it is a redirect, which page.route would not intercept.
  let code;
  page.on('request', (request) => {
    if (request.url().startsWith(redirect)) code = new URL(request.url()).searchParams.get('code');
  });
  const query = new URLSearchParams({ client_id: 'plumb-post', response_type: 'code', redirect_uri: redirect, scope: 'openid api:read', state: 'elsewhere' });
  await page.goto(`${providerUrl}/auth?${query}`);
  await signInAndApprove(page, { username, password });
  await expect.poll(() => code).toBeTruthy();
  await context.close();
  const issued = Date.now();
  const res = await fetch(`${providerUrl}/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirect, client_id: 'plumb-post', client_secret: 'post-secret' }),
  });
  expect(res.status).toBe(200);
  return { ...(await res.json()), issued };
}

const multi = { userId: 'u-multi', organizationId: 'org_multi' };

test('two accounts for one user: listed, chosen, renamed, and deleted with the grant revoked at the provider', async ({ browser }) => {
  const sdk = sdk12();
  await createProvider(sdk, 'multi', 'Multi Account Provider', { plumb: { multiple_connections: true } });
  const { token } = await sdk.widgets.createToken(multi);

  // Alice, then Bob in a browser of his own ("Add another account").
  const first = await openWidget(browser, token);
  const row = first.page.getByRole('listitem').filter({ hasText: 'Multi Account Provider' }).first();
  await row.getByRole('button', { name: 'Connect Multi Account Provider' }).click();
  await signInAndApprove(first.page);
  await hydrated(first.page);
  await expect(row.locator('.account')).toHaveCount(1);
  expect(first.errors).toEqual([]);
  await first.context.close();
  const second = await openWidget(browser, token);
  const row2 = second.page.getByRole('listitem').filter({ hasText: 'Multi Account Provider' }).first();
  await row2.getByRole('button', { name: 'Add another Multi Account Provider account' }).click();
  await signInAndApprove(second.page, { username: 'bob', password: 'builder' });
  await hydrated(second.page);
  await expect(row2.locator('.account')).toHaveCount(2);
  await expect(row2.locator('.account-name')).toHaveText(['alice', 'bob']);

  // The backend sees both, with the provider-side accounts from the ID token.
  const providers = await sdk.pipes.listUserDataProviders({ ...multi, supportsMultipleConnections: true });
  const listed = providers.data.find((p) => p.slug === 'multi');
  expect(listed.connectedAccounts.map((a) => a.accountIdentifier)).toEqual(['alice', 'bob']);
  expect(listed.connectedAccount.connectionRole).toBe('compatibility');
  const bob = listed.connectedAccounts.find((a) => a.accountIdentifier === 'bob');
  expect(bob.connectionRole).toBe('standard');
  expect(bob.createdAt).toBeInstanceOf(Date);
  expect(Number.isNaN(bob.createdAt.getTime())).toBe(false);

  // Without a choice: the compatibility account (SDK 11 too); asked to consider all: ambiguous.
  const plain = await sdk.pipes.getAccessToken({ provider: 'multi', ...multi });
  expect((await me(plain.accessToken.accessToken)).body.sub).toBe('alice');
  const old = await workos().pipes.getAccessToken({ provider: 'multi', ...multi });
  expect((await me(old.accessToken.accessToken)).body.sub).toBe('alice');
  expect(await sdk.pipes.getAccessToken({ provider: 'multi', ...multi, supportsMultipleConnections: true }))
    .toEqual({ active: false, error: 'account_selection_required' });
  const chosen = await sdk.pipes.getAccessToken({ provider: 'multi', ...multi, connectedAccountId: bob.id });
  expect((await me(chosen.accessToken.accessToken)).body.sub).toBe('bob');
  await expect(sdk.pipes.getUserConnectedAccount({ ...multi, slug: 'multi', supportsMultipleConnections: true }))
    .rejects.toMatchObject({ status: 409 });

  // Renamed through the SDK; the widget shows the label.
  const renamed = await sdk.pipes.updateUserConnectedAccount({ ...multi, slug: 'multi', connectedAccountId: bob.id, accountDisplayName: 'Work' });
  expect(renamed.accountDisplayName).toBe('Work');
  expect((await sdk.pipes.getUserConnectedAccount({ ...multi, slug: 'multi', connectedAccountId: bob.id })).accountDisplayName).toBe('Work');
  await second.page.reload();
  await hydrated(second.page);
  await expect(row2.locator('.account-name')).toHaveText(['alice', 'Work']);
  await row2.screenshot({ path: new URL('../../docs/screenshots/widget-accounts.png', import.meta.url).pathname });

  // Deleting Bob's account revokes his grant at the provider; Alice's stays.
  const before = (await providerStats()).revoked;
  await sdk.pipes.deleteUserConnectedAccount({ ...multi, slug: 'multi', connectedAccountId: bob.id });
  expect((await providerStats()).revoked).toBe(before + 1);
  await expect(sdk.pipes.getUserConnectedAccount({ ...multi, slug: 'multi', connectedAccountId: bob.id })).rejects.toMatchObject({ status: 404 });
  const left = await sdk.pipes.getAccessToken({ provider: 'multi', ...multi });
  expect((await me(left.accessToken.accessToken)).body.sub).toBe('alice');
  // And in the widget, one account is disconnected from its own row.
  await second.page.reload();
  await hydrated(second.page);
  await row2.getByRole('button', { name: 'Disconnect alice' }).click();
  await expect(row2.locator('.account')).toHaveCount(0);
  expect((await providerStats()).revoked).toBe(before + 2);
  expect(second.errors).toEqual([]);
  await second.context.close();
});

test('an organization connection, imported from another system, serves two members and refreshes at the provider', async ({ browser }) => {
  const sdk = sdk12();
  await createProvider(sdk, 'team', 'Team Provider', { create: { ownership: 'organization' } });
  const tokens = await tokensFromAnotherSystem(browser, 'alice', 'wonderland');
  const imported = await sdk.pipes.createOrganizationConnectedAccount({
    organizationId: 'org_team',
    slug: 'team',
    userId: 'admin-1',
    accessToken: tokens.access_token,
    refreshToken: tokens.refresh_token,
    // As the other system recorded it: from when the token was issued, a second early.
    expiresAt: new Date(tokens.issued + tokens.expires_in * 1000 - 1000),
    scopes: ['openid', 'api:read'],
    accountDisplayName: 'Company',
  });
  expect(imported).toMatchObject({ userId: null, organizationId: 'org_team', state: 'connected', accountDisplayName: 'Company' });

  // Two members, one through SDK 12 naming the owner, one through SDK 11 which cannot.
  const a = await sdk.pipes.getAccessToken({ provider: 'team', userId: 'member-1', organizationId: 'org_team', connectionOwner: 'organization' });
  const b = await workos().pipes.getAccessToken({ provider: 'team', userId: 'member-2', organizationId: 'org_team' });
  expect(a.accessToken.accessToken).toBe(tokens.access_token);
  expect(b.accessToken.accessToken).toBe(tokens.access_token);
  // Once the imported token has expired, Plumb refreshes it with the imported refresh token.
  const refreshes = (await providerStats()).grants.refresh_token ?? 0;
  await expect.poll(async () => (await me(tokens.access_token)).status, { timeout: 30_000 }).toBe(401);
  const fresh = await sdk.pipes.getAccessToken({ provider: 'team', userId: 'member-1', organizationId: 'org_team' });
  expect(fresh.accessToken.accessToken).not.toBe(tokens.access_token);
  expect((await me(fresh.accessToken.accessToken)).body.sub).toBe('alice');
  expect((await providerStats()).grants.refresh_token).toBe(refreshes + 1);
  // Another organization has none.
  expect(await sdk.pipes.getAccessToken({ provider: 'team', userId: 'member-3', organizationId: 'org_other' })).toEqual({ active: false, error: 'not_installed' });
  const orgProviders = await sdk.pipes.listOrganizationDataProviders({ organizationId: 'org_team' });
  expect(orgProviders.data.map((p) => p.slug)).toEqual(['team']);
  expect(orgProviders.data[0].connectedAccount.accountDisplayName).toBe('Company');
  expect((await sdk.pipes.getOrganizationDataIntegration({ slug: 'team' })).ownership).toBe('organization');

  // A member sees the shared connection without the buttons; a manager gets them.
  const member = await sdk.widgets.createToken({ userId: 'member-1', organizationId: 'org_team' });
  const seen = await openWidget(browser, member.token);
  const memberRow = seen.page.getByRole('listitem').filter({ hasText: 'Team Provider' });
  await expect(memberRow.locator('.badge').first()).toHaveText('Shared by your organization');
  await expect(memberRow.getByRole('button', { name: 'Disconnect Team Provider' })).toHaveCount(0);
  await expect(memberRow).toContainText("administrators manage this connection");
  expect(seen.errors).toEqual([]);
  await seen.context.close();
  const manager = await sdk.widgets.createToken({ userId: 'admin-1', organizationId: 'org_team', scopes: ['widgets:pipes:manage'] });
  const managing = await openWidget(browser, manager.token);
  const managerRow = managing.page.getByRole('listitem').filter({ hasText: 'Team Provider' });
  const before = (await providerStats()).revoked;
  await managerRow.getByRole('button', { name: 'Disconnect Team Provider' }).click();
  await expect(managerRow.locator('.badge')).toHaveText('Not connected');
  expect((await providerStats()).revoked).toBe(before + 1);
  expect(managing.errors).toEqual([]);
  await managing.context.close();
  await expect(sdk.pipes.getOrganizationConnectedAccount({ organizationId: 'org_team', slug: 'team' })).rejects.toMatchObject({ status: 404 });
});

test('finishConnection: a connection held for the backend that holds the PKCE verifier', async ({ browser }) => {
  const sdk = sdk12();
  const { plumbUrl } = state();
  const pkce = await sdk.pkce.generate();
  const started = await sdk.pipes.authorizeDataIntegration({
    slug: 'multi',
    userId: 'u-finish',
    organizationId: 'org_multi',
    returnTo: `${plumbUrl}/oauth/done`,
    codeChallenge: pkce.codeChallenge,
    codeChallengeMethod: 'S256',
    accountDisplayName: 'Held',
  });
  expect(started.completion).toBe('finish_required');
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(started.url);
  await page.getByRole('button', { name: /^Continue to / }).click();
  await signInAndApprove(page);
  await page.waitForURL(/connect_code=/);
  const back = new URL(page.url());
  expect(back.searchParams.get('state')).toBe(started.state);
  await context.close();
  // Nothing is connected until the backend finishes.
  expect(await sdk.pipes.getAccessToken({ provider: 'multi', userId: 'u-finish', organizationId: 'org_multi' })).toEqual({ active: false, error: 'not_installed' });
  const { connectedAccount } = await sdk.pipes.finishConnection({ connectCode: back.searchParams.get('connect_code'), codeVerifier: pkce.codeVerifier, state: started.state });
  expect(connectedAccount).toMatchObject({ userId: 'u-finish', accountIdentifier: 'alice', accountDisplayName: 'Held', state: 'connected' });
  const got = await sdk.pipes.getAccessToken({ provider: 'multi', userId: 'u-finish', organizationId: 'org_multi' });
  expect((await me(got.accessToken.accessToken)).body.sub).toBe('alice');
});
