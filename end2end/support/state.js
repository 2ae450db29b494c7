// What global-setup started, for the tests.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WorkOS } from '@workos-inc/node';

const statePath = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../.state.json');

export function state() {
  return JSON.parse(fs.readFileSync(statePath, 'utf8'));
}

/** The official WorkOS SDK, unmodified, pointed at Plumb. */
export function workos(apiKey = state().apiKey) {
  return new WorkOS(apiKey, { apiHostname: '127.0.0.1', port: state().plumbPort, https: false });
}

/** Waits until the wasm bundle has hydrated the server-rendered page. */
export async function hydrated(page) {
  await page.locator('body[data-hydrated="true"]').waitFor({ state: 'attached' });
}

/**
 * Collects console errors and uncaught exceptions raised by Plumb's own pages (a failed
 * hydration shows up here first), to be asserted empty at the end of a test.
 */
export function collectErrors(page) {
  const errors = [];
  const plumbUrl = state().plumbUrl;
  page.on('console', (msg) => {
    // A 4xx answer is how Plumb reports bad input: Chromium logs it, but it is not a fault.
    const expected = /^Failed to load resource: the server responded with a status of 4\d\d/.test(msg.text());
    if (msg.type() === 'error' && !expected && (msg.location().url ?? '').startsWith(plumbUrl)) errors.push(msg.text());
  });
  page.on('pageerror', (err) => {
    if (page.url().startsWith(plumbUrl)) errors.push(err.message);
  });
  return errors;
}
