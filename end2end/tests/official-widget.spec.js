// The official WorkOS widgets against Plumb: an application page renders the unmodified
// `<Pipes/>` and `<PipesAdmin/>` of @workos-inc/widgets (bundled here with esbuild, served from
// another loopback origin than Plumb's), pointed at Plumb with `apiHostname`/`port`. A user sees
// the providers with their logos, connects an account at the real OAuth server through the
// widget's popup hand-off, sees it connected and disconnects it; a manager configures a provider
// for the organization and connects the organization's own account.
import { test, expect } from '@playwright/test';
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { signInAndApprove } from '../support/flows.js';
import { hydrated, state, workos } from '../support/state.js';

test.describe.configure({ mode: 'serial' });

const here = path.dirname(fileURLToPath(import.meta.url));
const org = 'org_official';
// The widgets draw the logos they know from WorkOS's CDN, which this closed network cannot
// reach: a stand-in answers for it, and records what was asked.
const CDN = /^https:\/\/(cdn\.workos\.com|images\.workoscdn\.com)\//;
const LOGO = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><circle cx="8" cy="8" r="8"/></svg>';

let app; // the application's page server: { url, close }

/** Bundles the page and serves it on its own port (another origin than Plumb's). */
async function startApplication() {
  const outdir = fs.mkdtempSync(path.join(state().tmp, 'official-widget-'));
  await esbuild.build({
    entryPoints: [path.join(here, '../fixtures/official-widget/app.jsx')],
    bundle: true,
    outdir,
    format: 'esm',
    jsx: 'automatic',
    target: 'chrome120',
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'warning',
  });
  const files = {
    '/app.js': ['text/javascript', fs.readFileSync(path.join(outdir, 'app.js'))],
    '/app.css': ['text/css', fs.readFileSync(path.join(outdir, 'app.css'))],
    '/': [
      'text/html',
      '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Example app</title>' +
        '<link rel="stylesheet" href="/app.css"></head><body><div id="root"></div>' +
        '<script type="module" src="/app.js"></script></body></html>',
    ],
  };
  const server = http.createServer((req, res) => {
    const file = files[new URL(req.url, 'http://x').pathname];
    if (!file) {
      res.writeHead(204);
      return res.end();
    }
    res.writeHead(200, { 'Content-Type': file[0] });
    res.end(file[1]);
  });
  // Any free port: only the origin matters, and Plumb is told it below.
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((r) => server.close(r)) };
}

test.beforeAll(async () => {
  app = await startApplication();
});

test.afterAll(async () => {
  await app?.close();
});

/** A widget token for `userId` in the organization, as the application's backend mints it. */
async function widgetToken(userId, scopes = []) {
  const { plumbUrl, apiKey } = state();
  const res = await fetch(`${plumbUrl}/widgets/token`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${apiKey}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ user_id: userId, organization_id: org, scopes }),
  });
  expect(res.status).toBe(200);
  return (await res.json()).token;
}

/** A fresh browser for the application's user, with the CDN stand-in and an error log. */
async function userBrowser(browser) {
  const context = await browser.newContext();
  const logos = [];
  await context.route(CDN, (route) => {
    logos.push(route.request().url());
    return route.fulfill({ contentType: 'image/svg+xml', body: LOGO });
  });
  const errors = [];
  const watch = (page) => {
    page.on('console', (msg) => msg.type() === 'error' && errors.push(`${page.url()}: ${msg.text()}`));
    page.on('pageerror', (err) => errors.push(`${page.url()}: ${err.message}`));
  };
  context.on('page', watch);
  return { context, logos, errors };
}

async function openWidget(context, params) {
  const page = await context.newPage();
  const query = new URLSearchParams({ host: '127.0.0.1', port: String(state().plumbPort), ...params });
  await page.goto(`${app.url}/?${query}`);
  return page;
}

/** One row of a widget's list (the widgets give their rows no role to find them by). */
const row = (page, name) => page.locator('.woswidgets-card-list-item').filter({ hasText: name });

/**
 * The popup the widget opens runs the hand-off and the provider's sign-in, then closes itself
 * on Plumb's done page. Headless pages never become hidden, so the tab's return to view, on
 * which the widgets refresh their lists, is announced as the browser would.
 */
async function connectInPopup(page, start) {
  const popup = page.waitForEvent('popup');
  await start();
  const window = await popup;
  // Registered first: the page may close itself before the approval's click returns.
  const closed = window.waitForEvent('close');
  await signInAndApprove(window);
  await closed;
  await page.evaluate(() => document.dispatchEvent(new Event('visibilitychange', { bubbles: true })));
}

test('an admin lists the application origin in the environment settings', async ({ page }) => {
  await page.goto('/dashboard/environment');
  await hydrated(page);
  const field = page.getByLabel('Origins allowed to call the widget API');
  await field.fill(`${app.url}/some/path`);
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.locator('#field-widget_origins-error')).toContainText('is not an origin');
  await field.fill(app.url);
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByRole('status')).toHaveText('Saved the Sandbox settings.');
});

test('<Pipes/> lists the providers with their logos, connects through the popup, and disconnects', async ({ browser }) => {
  const { providerUrl } = state();
  const sdk = workos();
  await sdk.pipes.createDataIntegration({
    provider: 'official-oauth',
    enabled: true,
    scopes: ['openid'],
    credentials: { type: 'custom', clientId: 'plumb-post', clientSecret: 'post-secret' },
    customProvider: { name: 'Official OAuth', authorizationUrl: `${providerUrl}/auth`, tokenUrl: `${providerUrl}/token` },
  });
  await sdk.pipes.createDataIntegration({
    provider: 'linear',
    enabled: true,
    credentials: { type: 'custom', clientId: 'linear-client', clientSecret: 'linear-secret' },
  });
  const user = { userId: 'u-official', organizationId: org };
  const { context, logos, errors } = await userBrowser(browser);
  const page = await openWidget(context, { widget: 'pipes', token: await widgetToken(user.userId) });

  // Every provider with its logo: Linear's the widgets draw themselves (Plumb's own icon needs
  // https), a custom provider without one their generic mark.
  const oauth = row(page, 'Official OAuth');
  await expect(oauth.getByText('Not connected')).toBeVisible();
  await expect(oauth.locator('[data-fallback-icon]')).toBeVisible();
  const linearLogo = row(page, 'Linear').locator('[data-provider="linear"]');
  await expect(linearLogo).toBeVisible();
  const image = await linearLogo.evaluate((el) => getComputedStyle(el).backgroundImage);
  const logoUrl = /^url\("(.+)"\)$/.exec(image)?.[1];
  expect(logoUrl).toMatch(CDN);
  await expect.poll(() => logos.includes(logoUrl)).toBe(true);

  await oauth.getByRole('button', { name: 'Connect' }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog.getByText("You'll be redirected to sign in with Official OAuth.")).toBeVisible();
  await connectInPopup(page, () => dialog.getByRole('button', { name: 'Connect' }).click());
  await expect(oauth.getByText('Connected', { exact: true })).toBeVisible();
  const token = await sdk.pipes.getAccessToken({ provider: 'official-oauth', ...user });
  expect(token.active).toBe(true);

  await oauth.getByRole('button', { name: 'Disconnect' }).click();
  await page.getByRole('alertdialog').getByRole('button', { name: 'Disconnect' }).click();
  await expect(oauth.getByText('Not connected')).toBeVisible();
  expect(await sdk.pipes.getAccessToken({ provider: 'official-oauth', ...user })).toEqual({ active: false, error: 'not_installed' });
  expect(errors).toEqual([]);
  await context.close();
});

test('<PipesAdmin/> lets a manager configure a provider for the organization and connect its account', async ({ browser, request }) => {
  const { providerUrl, apiKey } = state();
  const sdk = workos();
  // SDK 11 sends no ownership: the REST call it makes, with it.
  const created = await request.post('/data-integrations', {
    headers: { Authorization: `Bearer ${apiKey}` },
    data: {
      provider: 'official-team',
      ownership: 'organization',
      enabled: true,
      scopes: ['openid'],
      credentials: { type: 'custom', client_id: 'plumb-post', client_secret: 'post-secret' },
      custom_provider: { name: 'Official Team', authorization_url: `${providerUrl}/auth`, token_url: `${providerUrl}/token` },
    },
  });
  expect(created.status()).toBe(201);
  const { context, errors } = await userBrowser(browser);
  const manager = await widgetToken('u-manager', ['widgets:pipes:manage']);

  // The per-user provider, turned off for this organization only.
  const page = await openWidget(context, { widget: 'admin', shared: '1', token: manager });
  const oauth = row(page, 'Official OAuth');
  await oauth.getByRole('button', { name: 'Configure' }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog.getByText('Configure Official OAuth for your organization')).toBeVisible();
  await dialog.getByRole('switch', { name: 'Enable' }).click();
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog).toBeHidden();
  await expect(oauth.getByText('Disabled for your organization')).toBeVisible();
  const settings = await request.get('/data-integrations/official-oauth/organization?organization_id=org_official', {
    headers: { Authorization: `Bearer ${apiKey}` },
  });
  expect((await settings.json()).organization_settings).toMatchObject({ enabled: false });
  // Its members no longer see it; other organizations still do.
  const member = await openWidget(context, { widget: 'pipes', token: await widgetToken('u-member') });
  await expect(row(member, 'Linear')).toBeVisible();
  await expect(row(member, 'Official OAuth')).toHaveCount(0);
  await member.close();

  // The organization's own account, connected by the manager through the same popup.
  const team = row(page, 'Official Team');
  await team.getByRole('button', { name: 'Connect' }).click();
  await connectInPopup(page, () => page.getByRole('dialog').getByRole('button', { name: 'Connect' }).click());
  await expect(team.getByText('Connected via OAuth')).toBeVisible();
  const shared = await sdk.pipes.getAccessToken({ provider: 'official-team', userId: 'u-member', organizationId: org });
  expect(shared.active).toBe(true);
  expect(errors).toEqual([]);
  await context.close();
});
