// The relay against the real authorization server: a plain HTTP client (no SDK, no token ever
// fetched) calls the provider's userinfo through Plumb; a token the provider stopped accepting
// is renewed and the call retried; hosts outside the allow-list, a redirect to another host and
// loopback in production mode are refused; a 429 with Retry-After is remembered, so a hundred
// more calls reach the provider not at all; the dashboard counts the calls.
import { test, expect } from '@playwright/test';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { collectErrors, hydrated, state, workos } from '../support/state.js';
import { connectInWidget, providerStats } from '../support/flows.js';
import { soloPort } from '../support/ports.js';
import { newKey, startPlumb } from '../support/plumb.js';

test.describe.configure({ mode: 'serial' });

const screenshots = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../docs/screenshots');
const user = { userId: 'u-relay', organizationId: 'org_relay' };

/** A call through the relay with nothing but the app's API key. */
async function relay(pathAndQuery, { headers = {}, plumbUrl = state().plumbUrl, apiKey = state().apiKey } = {}) {
  const res = await fetch(`${plumbUrl}${pathAndQuery}`, {
    headers: {
      Authorization: `Bearer ${apiKey}`,
      'X-Relay-User-Id': user.userId,
      'X-Relay-Organization-Id': user.organizationId,
      ...headers,
    },
    redirect: 'manual',
  });
  const text = await res.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: res.status, headers: res.headers, body };
}

test('a backend calls the provider through Plumb without ever holding the token', async ({ browser }) => {
  const { plumbUrl, apiKey, providerUrl } = state();
  const created = await fetch(`${plumbUrl}/data-integrations`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${apiKey}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({
      provider: 'relayed',
      enabled: true,
      scopes: ['openid', 'profile', 'email', 'api:read'],
      credentials: { type: 'custom', client_id: 'plumb-post', client_secret: 'post-secret' },
      custom_provider: {
        name: 'Relayed Provider',
        authorization_url: `${providerUrl}/auth`,
        token_url: `${providerUrl}/token`,
        api_base_url: providerUrl,
      },
    }),
  });
  expect(created.status, await created.text()).toBe(201);
  await connectInWidget(browser, workos(), 'Relayed Provider', user);

  // The userinfo endpoint answers with the user behind the token Plumb attached.
  const me = await relay('/relay/relayed/me');
  expect(me.status, JSON.stringify(me.body)).toBe(200);
  expect(me.body).toMatchObject({ sub: 'alice', name: 'Alice Liddell', email: 'alice@example.com' });
  expect(me.headers.get('x-relay-upstream-status')).toBe('200');
  expect(me.headers.get('x-relay-connected-account-id')).toMatch(/^conn_/);

  // The provider stops accepting the access token: Plumb renews it once and retries.
  const before = await providerStats();
  await fetch(`${providerUrl}/test/expire-access?account=alice`);
  const again = await relay('/relay/relayed/me');
  expect(again.status, JSON.stringify(again.body)).toBe(200);
  expect(again.body.sub).toBe('alice');
  expect(again.headers.get('x-relay-token-refreshed')).toBe('true');
  const after = await providerStats();
  expect(after.grants.refresh_token - (before.grants.refresh_token ?? 0)).toBe(1);
});

test('the credential goes to the provider\'s hosts only, and never follows a redirect', async () => {
  const { providerUrl } = state();
  const port = new URL(providerUrl).port;
  // localhost is this machine too, but not a host the provider's credential may go to.
  const elsewhere = await relay('/relay', {
    headers: { 'X-Relay-Provider': 'relayed', 'X-Relay-Url': `http://localhost:${port}/me` },
  });
  expect(elsewhere.status).toBe(403);
  expect(elsewhere.body.code).toBe('relay_host_not_allowed');
  expect(elsewhere.headers.get('x-relay-upstream-status')).toBeNull();

  const redirected = await relay('/relay/relayed/api/redirect');
  expect(redirected.status).toBe(302);
  expect(redirected.headers.get('location')).toBe(`http://localhost:${port}/api/stolen`);
  expect((await providerStats()).stolen).toBe(0);
});

test('a provider\'s Retry-After holds every further call back: one call reaches it, not a hundred', async () => {
  const before = (await providerStats()).limited;
  const first = await relay('/relay/relayed/api/limited');
  expect(first.status).toBe(429);
  expect(first.headers.get('x-relay-upstream-status')).toBe('429');
  const burst = await Promise.all(Array.from({ length: 100 }, () => relay('/relay/relayed/api/limited')));
  for (const answer of burst) {
    expect(answer.status).toBe(429);
    expect(answer.body.code).toBe('relay_rate_limited');
    expect(Number(answer.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  }
  expect((await providerStats()).limited - before).toBe(1);
});

test('the dashboard counts the calls relayed for a connection', async ({ page }) => {
  const errors = collectErrors(page);
  await page.goto('/dashboard/providers/relayed');
  await hydrated(page);
  const accounts = page.getByRole('table', { name: 'Connected accounts' });
  const row = accounts.getByRole('row', { name: /u-relay/ });
  // Counted calls reach the database within a second or so; until then the row (made when
  // the provider asked to wait) says 0 calls, and the page does not refresh by itself.
  await expect(async () => {
    await page.reload();
    await hydrated(page);
    await expect(row).toContainText(/[1-9]\d* calls/, { timeout: 1000 });
    await expect(row).toContainText('held back', { timeout: 1000 });
  }).toPass({ timeout: 15_000 });
  await expect(row).toContainText('Provider asked to wait until');
  // The table scrolls inside its card: the picture shows its end, where the relayed calls are.
  const scroller = page.locator('.table-scroll').filter({ has: accounts });
  await scroller.evaluate((el) => { el.scrollLeft = el.scrollWidth; });
  await scroller.screenshot({ path: path.join(screenshots, 'relay-usage.png') });
  expect(errors).toEqual([]);
});

test('in production mode the relay never calls this machine, even on an allowed host', async () => {
  const { tmp, providerUrl } = state();
  const port = new URL(providerUrl).port;
  const solo = await startPlumb({
    port: soloPort,
    databaseUrl: `sqlite://${path.join(tmp, 'solo-relay.db')}`,
    key: newKey(),
    env: { PLUMB_DEVELOPMENT_MODE: '0' },
  });
  try {
    const apiKey = solo.apiKey();
    const call = (p, method, body) =>
      fetch(`${solo.url}${p}`, {
        method,
        headers: { Authorization: `Bearer ${apiKey}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
    const created = await call('/data-integrations', 'POST', {
      provider: 'keyed',
      enabled: true,
      auth_methods: ['api_key'],
      custom_provider: {
        name: 'Keyed',
        api_base_url: 'https://api.keyed.example',
        api_hosts: ['api.keyed.example', `127.0.0.1:${port}`],
      },
    });
    expect(created.status, await created.text()).toBe(201);
    const installed = await call('/data-integrations/keyed/api-key', 'POST', {
      user_id: user.userId,
      organization_id: user.organizationId,
      secret: 'key-0123456789',
      connection_intent: 'add',
    });
    expect(installed.ok, await installed.text()).toBe(true);
    const refused = await relay('/relay', {
      plumbUrl: solo.url,
      apiKey,
      headers: { 'X-Relay-Provider': 'keyed', 'X-Relay-Url': `${providerUrl}/me` },
    });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('relay_address_not_allowed');
  } finally {
    solo.stop();
  }
});
