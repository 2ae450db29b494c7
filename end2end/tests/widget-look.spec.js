// Plumb's own widget fitting the app that embeds it: the app's look in both colour schemes
// (checked with axe-core), the viewer's language, and a frame that sizes itself, reports
// connection changes to its host page and redraws itself when a connect finished in another tab.
import { test, expect } from '@playwright/test';
import { expectNoSeriousViolations } from '../support/a11y.js';
import { collectErrors, hydrated, state, workos } from '../support/state.js';
import { signInAndApprove } from '../support/flows.js';

/** A widget token with Plumb's own `theme` and `locale` (the SDK does not send them). */
async function widgetToken(body) {
  const { plumbUrl, apiKey } = state();
  const res = await fetch(`${plumbUrl}/widgets/token`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${apiKey}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()).token;
}

async function createProvider(slug, name) {
  const { providerUrl } = state();
  await workos().pipes.createDataIntegration({
    provider: slug,
    enabled: true,
    scopes: ['openid'],
    credentials: { type: 'custom', clientId: 'plumb-post', clientSecret: 'post-secret' },
    customProvider: { name, description: `${name}'s data`, authorizationUrl: `${providerUrl}/auth`, tokenUrl: `${providerUrl}/token` },
  });
}

const rgb = (hex) => `rgb(${[1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)).join(', ')})`;

test("the widget takes the app's look in both schemes and stays readable", async ({ browser }) => {
  await createProvider('look', 'Look Provider');
  const theme = { accent: '#0f766e', radius: 14, font: 'Georgia, serif' };
  for (const scheme of ['light', 'dark']) {
    const token = await widgetToken({ user_id: `u-look-${scheme}`, theme: { ...theme, scheme } });
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors = collectErrors(page);
    await page.goto(`${state().plumbUrl}/widget?token=${encodeURIComponent(token)}`);
    await hydrated(page);
    await expect(page.locator('html')).toHaveAttribute('data-scheme', scheme);
    const button = page.getByRole('button', { name: 'Connect Look Provider' });
    await expect(button).toHaveCSS('background-color', rgb(theme.accent));
    await expect(button).toHaveCSS('border-top-left-radius', '14px');
    // White on this teal contrasts more than black.
    await expect(button).toHaveCSS('color', 'rgb(255, 255, 255)');
    await expect(page.locator('body')).toHaveCSS('font-family', /Georgia/);
    await expect(page.locator('body')).toHaveCSS('background-color', scheme === 'dark' ? 'rgb(21, 26, 33)' : 'rgb(247, 248, 250)');
    await expectNoSeriousViolations(page, `widget, ${scheme}`);
    await page.screenshot({ path: new URL(`../../docs/screenshots/widget-${scheme}.png`, import.meta.url).pathname });
    expect(errors).toEqual([]);
    await context.close();
  }

  // `auto` follows the viewer's setting.
  const token = await widgetToken({ user_id: 'u-look-auto', theme: { scheme: 'auto' } });
  const context = await browser.newContext({ colorScheme: 'dark' });
  const page = await context.newPage();
  await page.goto(`${state().plumbUrl}/widget?token=${encodeURIComponent(token)}`);
  await expect(page.locator('body')).toHaveCSS('background-color', 'rgb(21, 26, 33)');
  await expectNoSeriousViolations(page, 'widget, auto in a dark browser');
  await context.close();

  // A value that could write CSS of its own is refused, naming the field.
  const res = await fetch(`${state().plumbUrl}/widgets/token`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${state().apiKey}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ user_id: 'u', theme: { accent: 'red;}body{display:none' } }),
  });
  expect(res.status).toBe(422);
  expect((await res.json()).errors[0].field).toBe('theme.accent');
});

test("the widget speaks the token's language, else the browser's", async ({ browser }) => {
  await createProvider('lingo', 'Lingo Provider');
  const cases = [
    { locale: 'fr', browser: 'en-US', heading: 'Comptes connectés', connect: 'Connecter Lingo Provider', badge: 'Non connecté' },
    { browser: 'de-DE', heading: 'Verbundene Konten', connect: 'Lingo Provider verbinden', badge: 'Nicht verbunden' },
    { browser: 'ja-JP', heading: '接続済みアカウント', connect: 'Lingo Providerに接続', badge: '未接続' },
    { locale: 'es-MX', browser: 'ja-JP', heading: 'Cuentas conectadas', connect: 'Conectar Lingo Provider', badge: 'Sin conectar' },
    { locale: 'pt-BR', browser: 'pt-BR', heading: 'Connected accounts', connect: 'Connect Lingo Provider', badge: 'Not connected' },
  ];
  for (const c of cases) {
    const token = await widgetToken({ user_id: 'u-lingo', ...(c.locale ? { locale: c.locale } : {}) });
    const context = await browser.newContext({ locale: c.browser });
    const page = await context.newPage();
    const errors = collectErrors(page);
    await page.goto(`${state().plumbUrl}/widget?token=${encodeURIComponent(token)}`);
    await hydrated(page);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(c.heading);
    const row = page.getByRole('listitem').filter({ hasText: 'Lingo Provider' });
    await expect(row.getByRole('button', { name: c.connect })).toBeVisible();
    await expect(row.locator('.badge')).toHaveText(c.badge);
    await expect(page.locator('html')).toHaveAttribute('lang', c.heading === 'Connected accounts' ? 'en' : (c.locale ?? c.browser).slice(0, 2));
    expect(errors).toEqual([]);
    await context.close();
  }
});

test('a framed widget sizes its frame, tells its host about connections, and redraws itself after a connect in another tab', async ({ browser }) => {
  const { providerUrl, plumbUrl } = state();
  await createProvider('hosted', 'Hosted Provider');
  const token = await widgetToken({ user_id: 'u-hosted' });
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = collectErrors(page);
  await page.goto(`${providerUrl}/test/host?src=${encodeURIComponent(`${plumbUrl}/widget?token=${encodeURIComponent(token)}`)}`);
  const frame = page.frameLocator('iframe[title="Connections"]');
  const row = frame.getByRole('listitem').filter({ hasText: 'Hosted Provider' });
  await expect(row.locator('.badge')).toHaveText('Not connected');
  const messages = () => page.evaluate(() => window.messages);
  const plumbOrigin = new URL(plumbUrl).origin;

  // The height of the page inside the frame, and each provider's state, reach the host.
  await expect.poll(async () => (await messages()).filter((m) => m.data.type === 'plumb:resize').length).toBeGreaterThan(0);
  const first = await messages();
  expect(first.every((m) => m.origin === plumbOrigin)).toBe(true);
  const resize = first.find((m) => m.data.type === 'plumb:resize').data;
  const contentHeight = await frame.locator('body').evaluate((b) => b.scrollHeight);
  expect(resize.height).toBe(contentHeight);
  const connections = first.find((m) => m.data.type === 'plumb:connections').data;
  expect(connections.providers).toContainEqual({ provider: 'hosted', state: null, accounts: 0 });

  // Connect opens a tab; once the user approved there, the frame redraws itself.
  const popup = context.waitForEvent('page');
  await row.getByRole('button', { name: 'Connect Hosted Provider' }).click();
  const tab = await popup;
  await signInAndApprove(tab);
  await tab.waitForURL((url) => url.pathname === '/widget');
  await tab.close();
  await expect(row.locator('.badge')).toHaveText('Connected', { timeout: 15_000 });
  await expect
    .poll(async () => (await messages()).filter((m) => m.data.type === 'plumb:connections').map((m) => m.data.changed))
    .toContainEqual(['hosted']);
  const latest = (await messages()).filter((m) => m.data.type === 'plumb:connections').at(-1).data;
  expect(latest.providers).toContainEqual({ provider: 'hosted', state: 'connected', accounts: 1 });

  // The host can ask the widget to redraw itself; the widget ignores the same from anyone else.
  const before = (await messages()).length;
  await page.evaluate((origin) => document.querySelector('iframe').contentWindow.postMessage({ type: 'plumb:refresh' }, origin), plumbOrigin);
  await expect.poll(async () => (await messages()).length).toBeGreaterThan(before);
  expect(errors).toEqual([]);
  await context.close();
});
