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
