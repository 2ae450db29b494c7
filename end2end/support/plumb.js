// More Plumb processes for tests that need them: a cluster sharing one PostgreSQL database, or a
// solo process with its own settings. Each runs the same binary and site as the main one.
import { spawn, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { WorkOS } from '@workos-inc/node';
import { state } from './state.js';

const pgAdminUrl = process.env.PLUMB_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A fresh PostgreSQL database; returns its URL and a function that drops it. */
export function createPostgresDatabase() {
  const name = `plumb_test_e2e_${randomBytes(5).toString('hex')}`;
  execFileSync('psql', [pgAdminUrl, '-qc', `CREATE DATABASE ${name}`]);
  const url = new URL(pgAdminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => execFileSync('psql', [pgAdminUrl, '-qc', `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`]),
  };
}

export function newKey() {
  return randomBytes(32).toString('base64');
}

/** Starts `plumb serve` on `port`; resolves once it answers. */
export async function startPlumb({ port, databaseUrl, key, env = {} }) {
  const { bin, site, tmp, plumbEnv } = state();
  const processEnv = {
    ...process.env,
    ...plumbEnv,
    PLUMB_ADDR: `127.0.0.1:${port}`,
    PLUMB_PUBLIC_URL: `http://127.0.0.1:${port}`,
    PLUMB_DATABASE_URL: databaseUrl,
    PLUMB_DATA_DIR: path.join(tmp, `data-${port}`),
    PLUMB_ENCRYPTION_KEY: key,
    PLUMB_SITE_ROOT: site,
    ...env,
  };
  const log = path.join(tmp, `plumb-${port}.log`);
  const launch = () => {
    const out = fs.openSync(log, 'a');
    return spawn(bin, ['serve'], { env: processEnv, stdio: ['ignore', out, out] });
  };
  const instance = {
    url: `http://127.0.0.1:${port}`,
    port,
    log,
    child: launch(),
    /** An API key for this process's database. */
    apiKey() {
      return execFileSync(bin, ['api-keys', 'create', '--name', 'e2e'], { env: processEnv, encoding: 'utf8' }).trim();
    },
    sdk(apiKey) {
      return new WorkOS(apiKey, { apiHostname: '127.0.0.1', port, https: false });
    },
    async ready() {
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline) {
        if (this.child.exitCode !== null) throw new Error(`Plumb on ${port} exited:\n${fs.readFileSync(log, 'utf8')}`);
        try {
          if ((await fetch(`${this.url}/healthz`)).ok) return this;
        } catch {
          // not yet
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`Plumb on ${port} did not start:\n${fs.readFileSync(log, 'utf8')}`);
    },
    /** SIGKILL: no shutdown, no cleanup, as a crash. */
    kill() {
      this.child.kill('SIGKILL');
      return new Promise((r) => (this.child.exitCode !== null || this.child.signalCode ? r() : this.child.once('exit', r)));
    },
    async restart() {
      this.child = launch();
      return this.ready();
    },
    stop() {
      if (this.child.exitCode === null && !this.child.signalCode) this.child.kill('SIGTERM');
    },
  };
  return instance.ready();
}
