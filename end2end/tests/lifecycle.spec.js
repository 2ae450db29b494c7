// The token lifecycle against the real authorization server with rotating refresh tokens:
// single-flight refresh in one process and across three sharing PostgreSQL, grants revoked at
// the provider, provider outages, a process killed mid-refresh, and webhooks the official SDK
// verifies.
import { test, expect } from '@playwright/test';
import path from 'node:path';
import { hydrated, state, workos, collectErrors } from '../support/state.js';
import { connectInWidget, me, providerStats, startReceiver, waitUntilDead } from '../support/flows.js';
import { clusterPorts, soloPort } from '../support/ports.js';
import { createPostgresDatabase, newKey, startPlumb } from '../support/plumb.js';

test.describe.configure({ mode: 'serial' });

const org = 'org_life';
const user = (userId) => ({ userId, organizationId: org });

async function createProvider(sdk, slug, name, tokenPath = '/token') {
  const { providerUrl } = state();
  await sdk.pipes.createDataIntegration({
    provider: slug,
    enabled: true,
    scopes: ['openid', 'api:read'],
    credentials: { type: 'custom', clientId: 'plumb-post', clientSecret: 'post-secret' },
    customProvider: { name, authorizationUrl: `${providerUrl}/auth`, tokenUrl: `${providerUrl}${tokenPath}` },
  });
}

/** POST /data-integrations/{slug}/token without the SDK, which would retry 503s itself. */
async function rawToken(plumbUrl, apiKey, slug, userId) {
  const res = await fetch(`${plumbUrl}/data-integrations/${slug}/token`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${apiKey}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ user_id: userId, organization_id: org }),
  });
  return { status: res.status, retryAfter: Number(res.headers.get('retry-after') ?? 0), body: await res.json() };
}

const flaky = (mode) => fetch(`${state().providerUrl}/test/flaky?mode=${mode}`);

test('200 concurrent fetches of an expired token cause one refresh, and all get the same working token', async ({ browser }) => {
  const sdk = workos();
  await createProvider(sdk, 'life', 'Lifecycle Provider');
  await connectInWidget(browser, sdk, 'Lifecycle Provider', user('u-burst'));
  const first = await sdk.pipes.getAccessToken({ provider: 'life', ...user('u-burst') });
  await waitUntilDead(first.accessToken.accessToken);

  const before = await providerStats();
  const results = await Promise.all(Array.from({ length: 200 }, () => sdk.pipes.getAccessToken({ provider: 'life', ...user('u-burst') })));
  const after = await providerStats();
  expect(results.every((r) => r.active)).toBe(true);
  const tokens = new Set(results.map((r) => r.accessToken.accessToken));
  expect(tokens.size).toBe(1);
  expect(after.grants.refresh_token - (before.grants.refresh_token ?? 0)).toBe(1);
  expect(after.errors).toEqual(before.errors);
  expect((await me([...tokens][0])).status).toBe(200);
});

test('three Plumb processes on one PostgreSQL database share one refresh per expiry', async ({ browser }) => {
  const db = createPostgresDatabase();
  const key = newKey();
  const cluster = [];
  try {
    for (const port of clusterPorts) cluster.push(await startPlumb({ port, databaseUrl: db.url, key }));
    const apiKey = cluster[0].apiKey();
    const sdks = cluster.map((p) => p.sdk(apiKey));
    await createProvider(sdks[0], 'shared-pg', 'Cluster Provider');
    await connectInWidget(browser, sdks[0], 'Cluster Provider', user('u-cluster'), { plumbUrl: cluster[0].url });

    for (let round = 0; round < 2; round++) {
      const current = await sdks[1].pipes.getAccessToken({ provider: 'shared-pg', ...user('u-cluster') });
      await waitUntilDead(current.accessToken.accessToken);
      const before = await providerStats();
      const results = await Promise.all(
        Array.from({ length: 150 }, (_, i) => sdks[i % 3].pipes.getAccessToken({ provider: 'shared-pg', ...user('u-cluster') })),
      );
      const after = await providerStats();
      expect(results.every((r) => r.active)).toBe(true);
      expect(new Set(results.map((r) => r.accessToken.accessToken)).size).toBe(1);
      expect(after.grants.refresh_token - (before.grants.refresh_token ?? 0)).toBe(1);
      expect(after.errors).toEqual(before.errors);
      expect((await me(results[0].accessToken.accessToken)).status).toBe(200);
    }
  } finally {
    for (const p of cluster) p.stop();
    await new Promise((r) => setTimeout(r, 300));
    db.drop();
  }
});

test('a grant revoked at the provider: needs_reauthorization, a webhook the SDK verifies, and Reauthorize restores it', async ({ browser }) => {
  const sdk = workos();
  const receiver = await startReceiver();
  const endpoint = await sdk.webhooks.createWebhookEndpoint({
    endpointUrl: receiver.url,
    events: ['pipes.connected_account.reauthorization_needed'],
  });
  expect(endpoint.secret).toBeTruthy();
  try {
    await createProvider(sdk, 'revocable', 'Revocable Provider');
    await connectInWidget(browser, sdk, 'Revocable Provider', user('u-revoke'));
    expect((await sdk.pipes.getAccessToken({ provider: 'revocable', ...user('u-revoke') })).active).toBe(true);

    // The user removes the app at the provider.
    await fetch(`${state().providerUrl}/test/revoke?account=alice`);
    await expect
      .poll(async () => sdk.pipes.getAccessToken({ provider: 'revocable', ...user('u-revoke') }), { timeout: 30_000 })
      .toEqual({ active: false, error: 'needs_reauthorization' });

    await expect.poll(() => receiver.deliveries.length, { timeout: 15_000 }).toBeGreaterThan(0);
    const { signature, body } = receiver.deliveries[0];
    const event = await sdk.webhooks.constructEvent({ payload: body, sigHeader: signature, secret: endpoint.secret });
    expect(event.event).toBe('pipes.connected_account.reauthorization_needed');
    expect(event.data).toMatchObject({ providerSlug: 'revocable', userId: 'u-revoke', state: 'needs_reauthorization' });
    await expect(sdk.webhooks.constructEvent({ payload: body.replace('u-revoke', 'u-other'), sigHeader: signature, secret: endpoint.secret })).rejects.toThrow();
    await expect(sdk.webhooks.constructEvent({ payload: body, sigHeader: signature, secret: 'not-the-secret' })).rejects.toThrow();

    // The widget says so, and reauthorizing restores the connection.
    await connectInWidget(browser, sdk, 'Revocable Provider', user('u-revoke'), { action: 'Reauthorize' });
    const restored = await sdk.pipes.getAccessToken({ provider: 'revocable', ...user('u-revoke') });
    expect(restored.active).toBe(true);
    expect((await me(restored.accessToken.accessToken)).status).toBe(200);
  } finally {
    await sdk.webhooks.deleteWebhookEndpoint({ id: endpoint.id });
    await receiver.close();
  }
});

test('an unavailable provider: the valid token is served, then a retryable error, and it recovers', async ({ browser }) => {
  const { tmp } = state();
  // Refresh 4 s before expiry, so a failed refresh leaves a token that still works for a while.
  const solo = await startPlumb({
    port: soloPort,
    databaseUrl: `sqlite://${path.join(tmp, 'solo-unavailable.db')}`,
    key: newKey(),
    env: { PLUMB_REFRESH_SKEW_SECONDS: '4' },
  });
  try {
    const apiKey = solo.apiKey();
    const sdk = solo.sdk(apiKey);
    await flaky('ok');
    await createProvider(sdk, 'flaky', 'Flaky Provider', '/modes/flaky');
    await connectInWidget(browser, sdk, 'Flaky Provider', user('u-flaky'), { plumbUrl: solo.url });

    await flaky('503');
    const served = await rawToken(solo.url, apiKey, 'flaky', 'u-flaky');
    expect(served.status).toBe(200);
    expect((await me(served.body.access_token.access_token)).status).toBe(200);

    await waitUntilDead(served.body.access_token.access_token);
    let answer;
    await expect
      .poll(async () => (answer = await rawToken(solo.url, apiKey, 'flaky', 'u-flaky')).status, { timeout: 10_000 })
      .toBe(503);
    expect(answer.body.code).toBe('provider_unavailable');
    expect(answer.retryAfter).toBeGreaterThanOrEqual(1);

    // A provider that accepts and never answers times out the same way.
    await flaky('hang');
    await new Promise((r) => setTimeout(r, answer.retryAfter * 1000));
    answer = await rawToken(solo.url, apiKey, 'flaky', 'u-flaky');
    expect(answer.status).toBe(503);

    // Back again: the next fetch after the hinted wait succeeds with a working token.
    await flaky('ok');
    for (let i = 0; i < 10 && answer.status === 503; i++) {
      await new Promise((r) => setTimeout(r, Math.max(1, answer.retryAfter) * 1000));
      answer = await rawToken(solo.url, apiKey, 'flaky', 'u-flaky');
    }
    expect(answer.status).toBe(200);
    expect(answer.body.active).toBe(true);
    expect((await me(answer.body.access_token.access_token)).status).toBe(200);
  } finally {
    await flaky('ok');
    solo.stop();
  }
});

test('a process killed in the middle of refreshes leaves every connection working or correctly marked', async ({ browser }) => {
  const { tmp } = state();
  const solo = await startPlumb({ port: soloPort, databaseUrl: `sqlite://${path.join(tmp, 'solo-kill.db')}`, key: newKey() });
  try {
    const apiKey = solo.apiKey();
    const sdk = solo.sdk(apiKey);
    await flaky('ok');
    await createProvider(sdk, 'crashy', 'Crash Provider', '/modes/flaky');
    const users = ['u-k1', 'u-k2', 'u-k3'];
    for (const u of users) await connectInWidget(browser, sdk, 'Crash Provider', user(u), { plumbUrl: solo.url });
    const last = await sdk.pipes.getAccessToken({ provider: 'crashy', ...user('u-k3') });
    await waitUntilDead(last.accessToken.accessToken);

    // Refreshes take a second at the provider; kill the process while they are in flight.
    await flaky('slow');
    const burst = users.flatMap((u) => Array.from({ length: 10 }, () => rawToken(solo.url, apiKey, 'crashy', u).catch(() => null)));
    await new Promise((r) => setTimeout(r, 400));
    await solo.kill();
    await Promise.all(burst);
    await flaky('ok');
    await solo.restart();

    for (const u of users) {
      let answer;
      await expect
        .poll(async () => {
          answer = await rawToken(solo.url, apiKey, 'crashy', u);
          return answer.status;
        }, { timeout: 30_000, intervals: [500] })
        .toBe(200);
      if (answer.body.active) {
        expect((await me(answer.body.access_token.access_token)).status).toBe(200);
      } else {
        expect(answer.body.error).toBe('needs_reauthorization');
      }
      // Whatever happened, the stored ciphertexts open: asking again answers the same way.
      const again = await rawToken(solo.url, apiKey, 'crashy', u);
      expect(again.status).toBe(200);
      expect(again.body.active).toBe(answer.body.active);
    }
  } finally {
    await flaky('ok');
    solo.stop();
  }
});

test('webhook deliveries retry until the receiver is back; the dashboard shows them and can resend', async ({ browser, page }) => {
  const errors = collectErrors(page);
  const sdk = workos();
  const receiver = await startReceiver();
  receiver.status = 503;
  const endpoint = await sdk.webhooks.createWebhookEndpoint({ endpointUrl: receiver.url, events: ['pipes.connected_account.connected'] });
  try {
    expect((await sdk.webhooks.listWebhookEndpoints()).data.map((e) => e.id)).toContain(endpoint.id);
    await connectInWidget(browser, sdk, 'Lifecycle Provider', user('u-hooks'));

    await page.goto('/dashboard/webhooks');
    await hydrated(page);
    const row = () => page.getByRole('table', { name: 'Recent deliveries' }).getByRole('row').filter({ hasText: receiver.url }).first();
    await expect(async () => {
      await page.getByRole('button', { name: 'Reload' }).click();
      await expect(row()).toContainText('HTTP 503', { timeout: 1000 });
    }).toPass({ timeout: 15_000 });
    await expect(row()).toContainText('retrying');

    receiver.status = 200;
    await expect.poll(() => receiver.deliveries.length, { timeout: 20_000 }).toBe(1);
    const { signature, body } = receiver.deliveries[0];
    const event = await sdk.webhooks.constructEvent({ payload: body, sigHeader: signature, secret: endpoint.secret });
    expect(event.event).toBe('pipes.connected_account.connected');
    expect(event.data.userId).toBe('u-hooks');

    await expect(async () => {
      await page.getByRole('button', { name: 'Reload' }).click();
      await expect(row()).toContainText('delivered', { timeout: 1000 });
    }).toPass({ timeout: 10_000 });
    await row().getByRole('button', { name: 'Resend' }).click();
    await expect.poll(() => receiver.deliveries.length, { timeout: 10_000 }).toBe(2);

    const listed = await sdk.events.listEvents({ events: ['pipes.connected_account.connected'], organizationId: org });
    expect(listed.data.some((e) => e.data.userId === 'u-hooks')).toBe(true);
    await page.screenshot({ path: path.join(path.dirname(new URL(import.meta.url).pathname), '../../docs/screenshots/webhooks.png'), fullPage: true });
    expect(errors).toEqual([]);
  } finally {
    await sdk.webhooks.deleteWebhookEndpoint({ id: endpoint.id });
    await receiver.close();
  }
});

test('the dashboard lists connected accounts with state and scopes, searchable, and deletes one after confirming', async ({ page }) => {
  const errors = collectErrors(page);
  await page.goto('/dashboard/providers/life');
  await hydrated(page);
  const accounts = page.getByRole('table', { name: 'Connected accounts' });
  await expect(accounts.getByRole('row', { name: /u-burst/ })).toContainText('Connected');
  await expect(accounts.getByRole('row', { name: /u-burst/ })).toContainText('openid api:read');
  await expect(accounts.getByRole('row', { name: /u-hooks/ })).toBeVisible();
  // The provider-side account, from the ID token.
  await expect(accounts.getByRole('row', { name: /u-burst/ })).toContainText('alice');
  await page.getByLabel('User ID').fill('u-burst');
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(accounts.getByRole('row')).toHaveCount(2);
  await page.getByLabel('User ID').fill('');
  await page.getByRole('textbox', { name: 'Provider account' }).fill('nobody-at-the-provider');
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page.getByText('No connected accounts.')).toBeVisible();
  await page.getByRole('textbox', { name: 'Provider account' }).fill('');
  await page.getByRole('button', { name: 'Search' }).click();
  // Delete asks first; Cancel keeps the account, Confirm deletes it.
  const hooks = accounts.getByRole('row', { name: /u-hooks/ });
  await hooks.getByRole('button', { name: 'Delete' }).click();
  await hooks.getByRole('button', { name: 'Cancel' }).click();
  await expect(hooks).toBeVisible();
  await hooks.getByRole('button', { name: 'Delete' }).click();
  await hooks.getByRole('button', { name: /^Confirm deleting u-hooks/ }).click();
  await expect(page.getByText(/^Deleted\./)).toBeVisible();
  await expect(accounts.getByRole('row', { name: /u-hooks/ })).toHaveCount(0);
  await expect(accounts.getByRole('row', { name: /u-burst/ })).toBeVisible();
  expect(errors).toEqual([]);
});
