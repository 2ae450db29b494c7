// Starts the test OAuth provider and Plumb (on a fresh SQLite database in a temporary
// directory), creates an API key with `plumb api-keys create`, and records all of it in
// .state.json for the tests. Returns the teardown that stops both processes.
import { spawn, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { clusterPorts, plumbPort, providerPort, soloPort } from './ports.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const end2end = path.resolve(here, '..');
const root = path.resolve(end2end, '..');
export const statePath = path.join(end2end, '.state.json');
// The signed-in admin's cookies, used by every test's `page` (see playwright.config.js).
export const authPath = path.join(end2end, '.auth.json');
export const adminEmail = 'e2e-admin@plumb.test';
export const adminPassword = 'end-to-end admin password';

async function assertFree(port) {
  await new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', () => reject(new Error(`port ${port} is in use; set PLUMB_E2E_PORT / PROVIDER_E2E_PORT`)));
    s.listen(port, '127.0.0.1', () => s.close(resolve));
  });
}

async function waitFor(url, child, logFile, what) {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`${what} exited with ${child.exitCode}:\n${fs.readFileSync(logFile, 'utf8')}`);
    }
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not answer ${url} within 30 s:\n${fs.readFileSync(logFile, 'utf8')}`);
}

function start(command, args, env, logFile) {
  const out = fs.openSync(logFile, 'a');
  return spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', out, out] });
}

/** Signs the admin in through `POST /login` and stores the session cookie for the tests' pages. */
async function writeAuthState(plumbUrl) {
  const res = await fetch(`${plumbUrl}/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
    body: new URLSearchParams({ email: adminEmail, password: adminPassword }),
  });
  if (res.status !== 200) throw new Error(`signing the admin in failed: ${res.status} ${await res.text()}`);
  const [pair] = res.headers.get('set-cookie').split(';');
  const [name, value] = pair.split('=');
  const cookie = { name, value, domain: '127.0.0.1', path: '/', expires: -1, httpOnly: true, secure: false, sameSite: 'Lax' };
  fs.writeFileSync(authPath, JSON.stringify({ cookies: [cookie], origins: [] }, null, 2));
}

export default async function globalSetup() {
  const bin = process.env.PLUMB_BIN ?? path.join(root, 'target/debug/plumb');
  const site = process.env.PLUMB_SITE_ROOT ?? path.join(root, 'target/site');
  for (const [what, p] of [['the plumb binary', bin], ['the built site', path.join(site, 'pkg/manifest.txt')]]) {
    if (!fs.existsSync(p)) throw new Error(`${what} is missing at ${p}: run the end-to-end suite with \`make test\``);
  }
  for (const port of [plumbPort, providerPort, ...clusterPorts, soloPort]) await assertFree(port);

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'plumb-e2e-'));
  const plumbUrl = `http://127.0.0.1:${plumbPort}`;
  const providerUrl = `http://127.0.0.1:${providerPort}`;
  const plumbEnv = {
    PLUMB_ADDR: `127.0.0.1:${plumbPort}`,
    PLUMB_PUBLIC_URL: plumbUrl,
    PLUMB_DATABASE_URL: `sqlite://${tmp}/plumb.db`,
    PLUMB_DATA_DIR: path.join(tmp, 'data'),
    PLUMB_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    PLUMB_SITE_ROOT: site,
    // The provider's tokens live 5 s; refresh only when they are really about to expire.
    PLUMB_REFRESH_SKEW_SECONDS: '1',
    // Refreshes happen when a test asks, so it can count them at the provider.
    PLUMB_BACKGROUND_REFRESH_SECONDS: '0',
    // Quick webhooks and timeouts, so tests wait seconds rather than minutes.
    PLUMB_WEBHOOK_POLL_MILLISECONDS: '200',
    PLUMB_WEBHOOK_RETRY_BASE_SECONDS: '1',
    PLUMB_PROVIDER_TIMEOUT_SECONDS: '2',
    // The provider, its misbehaving fronts and the webhook receivers all run on loopback.
    PLUMB_DEVELOPMENT_MODE: '1',
    // The test provider's origin plays the application embedding the widget.
    PLUMB_WIDGET_FRAME_ANCESTORS: providerUrl,
  };

  const providerLog = path.join(tmp, 'provider.log');
  const provider = start(process.execPath, [path.join(end2end, 'provider/server.mjs')], {
    PROVIDER_PORT: String(providerPort),
    PLUMB_REDIRECT_URIS: [plumbPort, ...clusterPorts, soloPort].map((p) => `http://127.0.0.1:${p}/oauth/callback`).join(','),
    ACCESS_TOKEN_TTL: '5',
  }, providerLog);
  const plumbLog = path.join(tmp, 'plumb.log');
  const plumb = start(bin, ['serve'], plumbEnv, plumbLog);
  const stop = () => {
    for (const child of [plumb, provider]) if (child.exitCode === null) child.kill('SIGTERM');
  };
  try {
    await waitFor(`${providerUrl}/.well-known/openid-configuration`, provider, providerLog, 'the test provider');
    await waitFor(`${plumbUrl}/healthz`, plumb, plumbLog, 'Plumb');
  } catch (e) {
    stop();
    throw e;
  }
  const apiKey = execFileSync(bin, ['api-keys', 'create', '--name', 'end-to-end'], {
    env: { ...process.env, ...plumbEnv },
    encoding: 'utf8',
  }).trim();
  execFileSync(bin, ['admin', 'create', adminEmail], {
    env: { ...process.env, ...plumbEnv },
    input: `${adminPassword}\n`,
    encoding: 'utf8',
  });
  await writeAuthState(plumbUrl);

  fs.writeFileSync(
    statePath,
    JSON.stringify({ plumbUrl, plumbPort, providerUrl, apiKey, tmp, plumbEnv, bin, site, plumbLog, providerLog }, null, 2),
  );
  console.log(`Plumb ${plumbUrl} and the test provider ${providerUrl}; logs in ${tmp}`);

  return async () => {
    stop();
    fs.rmSync(statePath, { force: true });
    fs.rmSync(authPath, { force: true });
  };
}
