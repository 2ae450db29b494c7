// A real OAuth 2.0 / OpenID Connect authorization server for Plumb's end-to-end tests:
// panva's oidc-provider with a small login and consent page of our own. It plays "the
// third-party provider": codes expire and cannot be replayed, refresh tokens rotate, reusing
// one revokes the grant. See shared notes/test-provider.md for why each setting is here.
//
// Environment: PROVIDER_PORT (3911), PLUMB_REDIRECT_URI (Plumb's /oauth/callback),
// ACCESS_TOKEN_TTL seconds (5).

import http from 'node:http';
import Provider from 'oidc-provider';

const port = Number(process.env.PROVIDER_PORT ?? 3911);
const issuer = `http://127.0.0.1:${port}`;
// Plumb's callback URLs, comma-separated: the tests run several Plumb processes.
const redirectUris = (process.env.PLUMB_REDIRECT_URIS ?? 'http://127.0.0.1:3910/oauth/callback').split(',');
const accessTokenTtl = Number(process.env.ACCESS_TOKEN_TTL ?? 5);

const accounts = {
  alice: { password: 'wonderland', claims: { sub: 'alice', name: 'Alice Liddell', email: 'alice@example.com' } },
  bob: { password: 'builder', claims: { sub: 'bob', name: 'Bob Builder', email: 'bob@example.com' } },
};

const client = (id, method, secret) => ({
  client_id: id,
  ...(secret ? { client_secret: secret } : {}),
  token_endpoint_auth_method: method,
  redirect_uris: redirectUris,
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
});

const provider = new Provider(issuer, {
  clients: [
    client('plumb-post', 'client_secret_post', 'post-secret'),
    client('plumb-basic', 'client_secret_basic', 'basic-secret'),
    client('plumb-public', 'none'),
    // A machine client: the OAuth 2.0 client credentials grant only (Plumb's client_credentials
    // connections).
    {
      client_id: 'plumb-machine',
      client_secret: 'machine-secret-e2e',
      token_endpoint_auth_method: 'client_secret_post',
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      scope: 'api:read api:write',
    },
  ],
  scopes: ['openid', 'offline_access', 'profile', 'email', 'api:read', 'api:write'],
  claims: { openid: ['sub'], profile: ['name'], email: ['email'] },
  pkce: { required: (ctx, c) => c.clientAuthMethod === 'none' },
  ttl: {
    AccessToken: accessTokenTtl,
    ClientCredentials: accessTokenTtl,
    AuthorizationCode: 60,
    RefreshToken: 24 * 3600,
    Grant: 24 * 3600,
    Interaction: 600,
    Session: 24 * 3600,
    IdToken: 3600,
  },
  // The default tolerance lets /me accept an expired token for 15 more seconds.
  clockTolerance: 0,
  rotateRefreshToken: true,
  // Issue a refresh token whenever the client may use one, not only for offline_access+consent.
  issueRefreshToken: async (ctx, c) => c.grantTypeAllowed('refresh_token'),
  features: {
    devInteractions: { enabled: false },
    revocation: { enabled: true },
    introspection: { enabled: true },
    clientCredentials: { enabled: true },
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  findAccount: async (ctx, id) =>
    accounts[id] ? { accountId: id, claims: async () => accounts[id].claims } : undefined,
  cookies: { keys: ['plumb-e2e-only-cookie-key'] },
});

// What the token endpoint did, for tests that count refreshes at the provider.
const stats = { grants: {}, errors: {}, revoked: 0, limited: 0, stolen: 0 };
// RFC 7009 revocations that ended a grant (Plumb revokes when a connection is deleted).
provider.on('grant.revoked', () => {
  stats.revoked += 1;
});
// Access tokens by account, so a test can make the provider refuse them early.
const accessTokens = {};
provider.on('access_token.saved', (token) => {
  if (token.accountId) (accessTokens[token.accountId] ??= new Set()).add(token.jti);
});
provider.on('grant.success', (ctx) => {
  const type = ctx.oidc.params.grant_type;
  stats.grants[type] = (stats.grants[type] ?? 0) + 1;
});
provider.on('grant.error', (ctx, err) => {
  stats.errors[err.error] = (stats.errors[err.error] ?? 0) + 1;
  console.log(`grant.error ${err.error}: ${err.error_detail ?? err.error_description}`);
});

const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const page = (title, body) => `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>${escape(title)} · Test Provider</title>
<style>body{font:16px system-ui;max-width:26rem;margin:3rem auto}label{display:block;margin:.6rem 0 .2rem}
input[type=text],input[type=password]{width:100%;padding:.4rem}button{margin:1rem .5rem 0 0;padding:.4rem 1rem}</style>
</head><body><main><h1>${escape(title)}</h1>${body}</main></body></html>`;

async function readForm(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function send(res, status, html) {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' });
  res.end(html);
}

async function interaction(req, res, url) {
  const [, , uid, action] = url.pathname.split('/');
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) return send(res, 400, page('Error', '<p>Unknown interaction.</p>'));
  const { prompt, params } = details;

  if (req.method === 'GET' && prompt.name === 'login') {
    return send(res, 200, page('Sign in to Test Provider', `
      <form method="post" action="/interaction/${uid}/login">
        <label for="username">Username</label><input id="username" name="username" type="text" autocomplete="off">
        <label for="password">Password</label><input id="password" name="password" type="password">
        <button type="submit">Sign in</button>
      </form>`));
  }
  if (req.method === 'GET' && prompt.name === 'consent') {
    const scopes = String(params.scope ?? '').split(' ').filter(Boolean);
    const boxes = scopes
      .map((s) => `<label><input type="checkbox" name="scope" value="${escape(s)}" checked> ${escape(s)}</label>`)
      .join('');
    return send(res, 200, page(`Authorize ${params.client_id}`, `
      <p>The application asks for these permissions:</p>
      <form method="post" action="/interaction/${uid}/confirm">${boxes}
        <button type="submit">Approve</button>
        <button type="submit" formaction="/interaction/${uid}/abort">Deny</button>
      </form>`));
  }
  if (req.method === 'POST' && action === 'login') {
    const form = await readForm(req);
    const account = accounts[form.get('username')];
    if (!account || account.password !== form.get('password')) {
      return send(res, 401, page('Sign in to Test Provider', '<p role="alert">Wrong username or password.</p>'));
    }
    return provider.interactionFinished(req, res, { login: { accountId: form.get('username') } }, { mergeWithLastSubmission: false });
  }
  if (req.method === 'POST' && action === 'confirm') {
    const form = await readForm(req);
    const requested = String(params.scope ?? '').split(' ').filter(Boolean);
    const approved = requested.filter((s) => form.getAll('scope').includes(s));
    const rejected = requested.filter((s) => !approved.includes(s));
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: details.session.accountId, clientId: params.client_id });
    if (approved.length) grant.addOIDCScope(approved.join(' '));
    if (rejected.length) grant.rejectOIDCScope(rejected.join(' '));
    if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
    const grantId = await grant.save();
    rememberGrant(details.session.accountId, grantId);
    return provider.interactionFinished(req, res, { consent: details.grantId ? {} : { grantId } }, { mergeWithLastSubmission: true });
  }
  if (req.method === 'POST' && action === 'abort') {
    return provider.interactionFinished(
      req, res,
      { error: 'access_denied', error_description: 'The user denied the request.' },
      { mergeWithLastSubmission: false },
    );
  }
  return send(res, 400, page('Error', '<p>Unexpected request.</p>'));
}

// Modes the authorization server itself does not speak, played by a small real HTTP front that
// records what Plumb sent and then forwards to the server: token requests with JSON bodies, a
// separate refresh URL, and comma-separated scopes in the authorization request.
const recorded = [];

// Grants by account, so a test can play "the user removed the app at the provider".
const grantsByAccount = {};
function rememberGrant(accountId, grantId) {
  (grantsByAccount[accountId] ??= new Set()).add(grantId);
}

// The flaky front: 'ok' forwards, '503' answers Service Unavailable, 'hang' accepts the
// connection and never answers, 'slow' forwards after a second.
let flaky = 'ok';

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

async function front(req, res, url) {
  const headers = {
    authorization: req.headers.authorization ?? null,
    'content-type': req.headers['content-type'] ?? null,
    accept: req.headers.accept ?? null,
    'x-plumb-test': req.headers['x-plumb-test'] ?? null,
  };
  if (url.pathname === '/modes/auth') {
    recorded.push({ path: url.pathname, query: Object.fromEntries(url.searchParams), headers });
    const forward = new URLSearchParams(url.searchParams);
    const scope = forward.get('scope');
    if (scope) forward.set('scope', scope.split(',').join(' '));
    res.writeHead(303, { location: `/auth?${forward}` });
    return res.end();
  }
  // /modes/token, /modes/refresh, /modes/flaky: forward as a form, whatever encoding arrived.
  const raw = await readBody(req);
  if (url.pathname === '/modes/flaky') {
    if (flaky === '503') {
      res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' });
      return res.end('{"error":"temporarily_unavailable"}');
    }
    if (flaky === 'hang') return; // never answer
    if (flaky === 'slow') await new Promise((r) => setTimeout(r, 1000));
  }
  const fields = (req.headers['content-type'] ?? '').startsWith('application/json')
    ? JSON.parse(raw)
    : Object.fromEntries(new URLSearchParams(raw));
  recorded.push({ path: url.pathname, headers, fields });
  const upstream = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
    },
    body: new URLSearchParams(fields).toString(),
  });
  res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
  res.end(await upstream.text());
}

const callback = provider.callback();
const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, issuer);
  try {
    if (url.pathname.startsWith('/interaction/')) return await interaction(req, res, url);
    if (url.pathname.startsWith('/modes/')) return await front(req, res, url);
    if (url.pathname === '/test/flaky') {
      flaky = url.searchParams.get('mode') ?? 'ok';
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ flaky }));
    }
    if (url.pathname === '/test/revoke') {
      const account = url.searchParams.get('account');
      let revoked = 0;
      for (const grantId of grantsByAccount[account] ?? []) {
        await provider.AccessToken.revokeByGrantId(grantId);
        await provider.RefreshToken.revokeByGrantId(grantId);
        await provider.AuthorizationCode.revokeByGrantId(grantId);
        const grant = await provider.Grant.find(grantId);
        if (grant) await grant.destroy();
        revoked += 1;
      }
      grantsByAccount[account] = new Set();
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ revoked }));
    }
    if (url.pathname === '/test/expire-access') {
      // The provider stops accepting an account's access tokens before they expire (a key
      // rotation at the provider, say); its refresh tokens still work.
      // Only the access tokens: revoking by grant would end the refresh tokens too.
      const account = url.searchParams.get('account');
      let expired = 0;
      for (const jti of accessTokens[account] ?? []) {
        const token = await provider.AccessToken.find(jti);
        if (token) {
          await token.destroy();
          expired += 1;
        }
      }
      accessTokens[account] = new Set();
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ expired }));
    }
    // A little API beside the authorization server, for the relay: a rate limit, and a
    // redirect to another host name of this machine that counts what reaches it.
    if (url.pathname === '/api/limited') {
      stats.limited += 1;
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '3' });
      return res.end('{"error":"rate_limited"}');
    }
    if (url.pathname === '/api/redirect') {
      res.writeHead(302, { location: `http://localhost:${port}/api/stolen` });
      return res.end();
    }
    if (url.pathname === '/api/stolen') {
      stats.stolen += 1;
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ authorization: req.headers.authorization ?? null }));
    }
    if (url.pathname === '/test/requests') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify(recorded));
    }
    if (url.pathname === '/test/embed') {
      // An application page that embeds Plumb's widget, as a customer's app would.
      const src = escape(url.searchParams.get('src') ?? '');
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      return res.end(`<!doctype html><title>Host app</title><h1>Host app</h1>
        <iframe title="Connections" src="${src}" width="700" height="500"></iframe>`);
    }
    if (url.pathname === '/test/host') {
      // An application page that frames the widget and keeps every message it sends, as a
      // customer's app sizing the frame and refreshing its own UI would.
      const src = escape(url.searchParams.get('src') ?? '');
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      return res.end(`<!doctype html><title>Host app</title>
        <script>window.messages = []; addEventListener('message', (e) => messages.push({ origin: e.origin, data: e.data }));</script>
        <h1>Host app</h1><iframe title="Connections" src="${src}" width="700" height="200"></iframe>`);
    }
    if (url.pathname === '/test/stats') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify(stats));
    }
    return callback(req, res);
  } catch (err) {
    console.error(err);
    if (!res.headersSent) send(res, 500, page('Error', `<p>${escape(err.message)}</p>`));
  }
});
server.listen(port, '127.0.0.1', () => console.log(`test provider listening on ${issuer}`));
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
