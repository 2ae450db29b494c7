// Embedding: the widget can be framed by the origins the operator listed
// (PLUMB_WIDGET_FRAME_ANCESTORS, here the test provider's origin) and by nothing else; the
// dashboard can never be framed. Chromium enforces the Content-Security-Policy, so a refused
// frame shows none of Plumb's page.
import { test, expect } from '@playwright/test';
import { state, workos } from '../support/state.js';

test('the widget shows inside a listed origin, and stays blank in any other or for the dashboard', async ({ browser }) => {
  const { providerUrl, plumbUrl } = state();
  const sdk = workos();
  await sdk.pipes.createDataIntegration({
    provider: 'embedded',
    enabled: true,
    scopes: ['openid'],
    credentials: { type: 'custom', clientId: 'plumb-post', clientSecret: 'post-secret' },
    customProvider: { name: 'Embedded Provider', authorizationUrl: `${providerUrl}/auth`, tokenUrl: `${providerUrl}/token` },
  });
  const { token } = await sdk.widgets.createToken({ userId: 'u-embed', organizationId: 'org_embed' });
  const widgetUrl = `${plumbUrl}/widget?token=${encodeURIComponent(token)}`;
  const context = await browser.newContext();
  const page = await context.newPage();

  const embed = (host, src) => page.goto(`${host}/test/embed?src=${encodeURIComponent(src)}`);
  await embed(providerUrl, widgetUrl);
  const frame = page.frameLocator('iframe[title="Connections"]');
  await expect(frame.getByRole('heading', { name: 'Embedded Provider' })).toBeVisible();
  await expect(frame.locator('body[data-hydrated="true"]')).toBeAttached();

  // Connect from the frame opens the provider in a new tab: the host page stays where it is.
  const popup = context.waitForEvent('page');
  await frame.getByRole('button', { name: 'Connect Embedded Provider' }).click();
  const tab = await popup;
  await tab.waitForURL((url) => url.href.startsWith(providerUrl) && !url.href.includes('/test/embed'));
  expect(page.url()).toContain('/test/embed');
  await tab.close();

  // Same server, another origin (localhost is not 127.0.0.1): refused.
  const other = providerUrl.replace('127.0.0.1', 'localhost');
  const refused = page.waitForEvent('console', (msg) => /frame-ancestors/.test(msg.text()));
  await embed(other, widgetUrl);
  await refused;
  await expect(frame.getByRole('heading', { name: 'Embedded Provider' })).toHaveCount(0);

  // The dashboard is never framed, not even by a listed origin.
  const dashboardRefused = page.waitForEvent('console', (msg) => /frame-ancestors/.test(msg.text()));
  await embed(providerUrl, `${plumbUrl}/login`);
  await dashboardRefused;
  await expect(frame.getByRole('heading', { name: 'Sign in to Plumb' })).toHaveCount(0);
  await context.close();
});
