// What a user does at the provider, and what an admin does in the wizard, as reusable steps.
import { expect } from '@playwright/test';
import { hydrated, state } from './state.js';

/** Signs in at the test provider and approves, optionally unticking some requested scopes. */
export async function signInAndApprove(page, { username = 'alice', password = 'wonderland', untick = [] } = {}) {
  await expect(page.getByRole('heading', { name: 'Sign in to Test Provider' })).toBeVisible();
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: /^Authorize / })).toBeVisible();
  for (const scope of untick) await page.getByLabel(scope).uncheck();
  await page.getByRole('button', { name: 'Approve' }).click();
}

/**
 * Connects `providerName` for `user` in a fresh browser context, through the widget and the
 * provider's own pages, and waits until the widget says Connected.
 */
export async function connectInWidget(browser, sdk, providerName, user, options = {}) {
  const { token } = await sdk.widgets.createToken(user);
  const context = await browser.newContext();
  const page = await context.newPage();
  const plumbUrl = options.plumbUrl ?? state().plumbUrl;
  await page.goto(`${plumbUrl}/widget?token=${encodeURIComponent(token)}`);
  await hydrated(page);
  const row = page.getByRole('listitem').filter({ hasText: providerName });
  await row.getByRole('button', { name: `${options.action ?? 'Connect'} ${providerName}` }).click();
  await signInAndApprove(page, options);
  await hydrated(page);
  await expect(row.locator('.badge')).toHaveText('Connected');
  await context.close();
}

/** Calls the provider's userinfo endpoint with a token; resolves to the HTTP status and body. */
export async function me(accessToken) {
  const res = await fetch(`${state().providerUrl}/me`, { headers: { Authorization: `Bearer ${accessToken}` } });
  return { status: res.status, body: res.status === 200 ? await res.json() : null };
}

/** What the recording front of the test provider saw, filtered by path. */
export async function recorded(path) {
  const all = await (await fetch(`${state().providerUrl}/test/requests`)).json();
  return all.filter((r) => r.path === path);
}

/** Waits until the provider itself refuses `accessToken` (it expired, or was revoked). */
export async function waitUntilDead(accessToken) {
  await expect.poll(async () => (await me(accessToken)).status, { timeout: 30_000 }).toBe(401);
}

/** Counts of the test provider's token-endpoint outcomes by grant type. */
export async function providerStats() {
  return (await fetch(`${state().providerUrl}/test/stats`)).json();
}

/** A webhook receiver on a real socket: records deliveries, answers with `status`. */
export async function startReceiver() {
  const http = await import('node:http');
  const receiver = { status: 200, deliveries: [] };
  const server = http.createServer(async (req, res) => {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    if (receiver.status === 200) {
      receiver.deliveries.push({ signature: req.headers['workos-signature'], body: Buffer.concat(chunks).toString('utf8') });
    }
    res.writeHead(receiver.status);
    res.end();
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  receiver.url = `http://127.0.0.1:${server.address().port}/hooks`;
  receiver.close = () => new Promise((r) => server.close(r));
  return receiver;
}
