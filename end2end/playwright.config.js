// Playwright drives Debian's Chromium (Playwright's own browser download is not available on
// these machines) against a real Plumb and a real OAuth server, both started by global-setup.
import { defineConfig } from '@playwright/test';
import { plumbPort } from './support/ports.js';

export default defineConfig({
  testDir: './tests',
  fullyParallel: false,
  workers: 1,
  timeout: 90_000,
  expect: { timeout: 15_000 },
  forbidOnly: true,
  reporter: [['list']],
  outputDir: './test-results',
  globalSetup: './support/global-setup.js',
  use: {
    baseURL: `http://127.0.0.1:${plumbPort}`,
    // Pages open signed in as the admin global-setup created; contexts a test makes itself
    // (the end users of the widget) start signed out.
    storageState: './.auth.json',
    launchOptions: {
      executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
      // Without the background-networking flags Chromium keeps trying to reach Google's
      // services, which this machine's closed network refuses.
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
    trace: 'retain-on-failure',
  },
});
