// The widget on a phone (390 px wide, the width of most current phones): each provider's card
// stacks into one column, its state badge keeps its own width instead of stretching across the
// card, and everything a finger presses is at least 44 px each way. Every card has a mark (a
// logo, or the name's initial for a provider without one).
import { test, expect } from '@playwright/test';
import { collectErrors, hydrated, state, workos } from '../support/state.js';

test.use({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });

test('on a phone, badges keep their width and touch targets are at least 44 px', async ({ page }) => {
  const errors = collectErrors(page);
  const { providerUrl } = state();
  const sdk = workos();
  // Two providers of its own (other specs add more when the whole suite runs).
  for (const [provider, name] of [['phone-one', 'Phone Provider'], ['phone-two', 'Phone Provider With A Long Name']]) {
    await sdk.pipes.createDataIntegration({
      provider,
      enabled: true,
      scopes: ['openid'],
      credentials: { type: 'custom', clientId: 'plumb-post', clientSecret: 'post-secret' },
      customProvider: { name, authorizationUrl: `${providerUrl}/auth`, tokenUrl: `${providerUrl}/token` },
    });
  }
  const { token } = await sdk.widgets.createToken({ userId: 'u-phone', organizationId: 'org_phone' });
  await page.goto(`${state().plumbUrl}/widget?token=${encodeURIComponent(token)}`);
  await hydrated(page);
  const cards = page.locator('.integration');
  expect(await cards.count()).toBeGreaterThan(1);
  await expect(page.locator('[data-provider="phone-two"] .monogram')).toHaveText('P');
  for (const card of await cards.all()) {
    const cardBox = await card.boundingBox();
    const badgeBox = await card.locator(':scope > .badge').boundingBox();
    expect(badgeBox.width, await card.innerText()).toBeLessThan(cardBox.width / 2);
    // Every row has a mark: the provider's logo, or its initial when it has none.
    await expect(card.locator(':scope > .icon')).toBeVisible();
  }
  const targets = page.locator('.widget').locator('button, a.button, input:not([type=hidden]), select, summary');
  expect(await targets.count()).toBeGreaterThan(1);
  for (const target of await targets.all()) {
    if (!(await target.isVisible())) continue;
    const box = await target.boundingBox();
    const name = (await target.getAttribute('aria-label')) ?? (await target.innerText());
    expect(box.height, `height of ${name}`).toBeGreaterThanOrEqual(44);
    expect(box.width, `width of ${name}`).toBeGreaterThanOrEqual(44);
  }
  expect(errors).toEqual([]);
});
