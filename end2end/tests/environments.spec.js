// Environments as an admin meets them: the top bar switches between sandbox and production,
// each with its own providers and settings, and a bad origin in the settings is refused beside
// its field.
import { test, expect } from '@playwright/test';
import { hydrated, collectErrors } from '../support/state.js';

test('the admin switches to production, which has its own providers and settings, and back', async ({ page }) => {
  const errors = collectErrors(page);
  await page.goto('/dashboard');
  await hydrated(page);
  const switcher = page.getByLabel('Environment');
  await expect(switcher).toHaveValue('sandbox');

  await switcher.selectOption('production');
  await page.getByRole('button', { name: 'Switch' }).click();
  await expect(page).toHaveURL(/\/dashboard$/);
  await hydrated(page);
  await expect(page.getByLabel('Environment')).toHaveValue('production');
  await expect(page.getByText('No providers yet.')).toBeVisible();

  await page.getByRole('link', { name: 'Environment', exact: true }).click();
  await hydrated(page);
  await expect(page.getByRole('heading', { name: 'Production environment' })).toBeVisible();
  await page.getByLabel('Sites that may embed the widget').fill('https://host.example.com/some/path');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.locator('#field-frame_ancestors-error')).toContainText('is not an origin');
  await page.getByLabel('Sites that may embed the widget').fill('https://host.example.com');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByRole('status')).toHaveText('Saved the Production settings.');

  await page.getByLabel('Environment').selectOption('sandbox');
  await page.getByRole('button', { name: 'Switch' }).click();
  await expect(page).toHaveURL(/\/dashboard\/environment$/);
  await expect(page.getByRole('heading', { name: 'Sandbox environment' })).toBeVisible();
  await expect(page.getByLabel('Sites that may embed the widget')).toHaveValue('');
  expect(errors).toEqual([]);
});
