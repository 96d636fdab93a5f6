// A real OpenID provider (the `oidc-provider` package) on 127.0.0.1:0 for callgate's identity tests.
// It prints {"issuer": "..."} once listening, then obeys line commands on stdin:
//   rotate  → new signing key first in the JWKS (old key kept, as a real rotation does)
//   down    → every request answers 503 (JWKS / discovery outage);  up → serve again
// Tokens: client_credentials (client "svc"), and a test-only grant "urn:callgate:test:user" (client "app")
// that mints a user token for `sub` (optionally with `act_sub` → RFC 8693 `act` claim and `groups`).
// Resource "https://api.callgate.test" gets JWT access tokens; resource "urn:callgate:opaque" opaque ones.
import http from 'node:http';
import readline from 'node:readline';
import { generateKeyPair, exportJWK } from 'jose';
import Provider from 'oidc-provider';

const AUDIENCE = 'https://api.callgate.test';
const USER_GRANT = 'urn:callgate:test:user';

async function newKey(n) {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  return { ...(await exportJWK(privateKey)), kid: `key-${n}`, use: 'sig', alg: 'RS256' };
}

function createProvider(issuer, keys) {
  const provider = new Provider(issuer, {
    jwks: { keys },
    cookies: { keys: ['callgate-test-cookie-key'] },
    clients: [
      { client_id: 'svc', client_secret: 'svc-secret', grant_types: ['client_credentials'], redirect_uris: [], response_types: [] },
      { client_id: 'app', client_secret: 'app-secret', grant_types: [USER_GRANT], redirect_uris: [], response_types: [] },
      { client_id: 'agent-app', client_secret: 'agent-secret', grant_types: [USER_GRANT, 'client_credentials'], redirect_uris: [], response_types: [] },
      { client_id: 'callgate', client_secret: 'callgate-secret', grant_types: [], redirect_uris: [], response_types: [] },
    ],
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true, allowedPolicy: async () => true },
      revocation: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: async () => AUDIENCE,
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx, indicator) =>
          indicator === 'urn:callgate:opaque'
            ? { scope: 'api read write', audience: AUDIENCE, accessTokenFormat: 'opaque', accessTokenTTL: 300 }
            : { scope: 'api read write', audience: indicator, accessTokenFormat: 'jwt', accessTokenTTL: 300, jwt: { sign: { alg: 'RS256' } } },
      },
    },
    scopes: ['openid', 'api', 'read', 'write'],
    extraTokenClaims: async (ctx) => {
      const params = ctx?.oidc?.params ?? {};
      const extra = {};
      if (params.act_sub) extra.act = { sub: params.act_sub };
      if (params.groups) extra.groups = params.groups.split(',');
      return extra;
    },
  });
  provider.registerGrantType(
    USER_GRANT,
    async (ctx) => {
      const { client, params } = ctx.oidc;
      const resource = params.resource || AUDIENCE;
      const resourceServer = new provider.ResourceServer(
        resource,
        resource === 'urn:callgate:opaque'
          ? { scope: 'api read write', audience: AUDIENCE, accessTokenFormat: 'opaque', accessTokenTTL: 300 }
          : { scope: 'api read write', audience: resource, accessTokenFormat: 'jwt', accessTokenTTL: 300, jwt: { sign: { alg: 'RS256' } } },
      );
      const grant = new provider.Grant({ accountId: params.sub, clientId: client.clientId });
      grant.addResourceScope(resource, 'api read');
      const grantId = await grant.save();
      const token = new provider.AccessToken({ accountId: params.sub, client, grantId, gty: 'password', scope: 'api read' });
      token.resourceServer = resourceServer;
      ctx.oidc.entity('AccessToken', token);
      ctx.body = { access_token: await token.save(), token_type: 'Bearer', expires_in: token.expiration, scope: token.scope };
    },
    ['sub', 'act_sub', 'groups', 'resource'],
  );
  return provider;
}

const keys = [await newKey(1)];
let down = false;
let current;
const server = http.createServer((req, res) => {
  if (down) {
    res.writeHead(503).end();
    return;
  }
  current.callback()(req, res);
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;
current = createProvider(issuer, keys);
process.stdout.write(`${JSON.stringify({ issuer })}\n`);

const rl = readline.createInterface({ input: process.stdin });
rl.on('line', async (line) => {
  const cmd = line.trim();
  if (cmd === 'rotate') {
    keys.unshift(await newKey(keys.length + 1));
    current = createProvider(issuer, [...keys]);
  } else if (cmd === 'down') down = true;
  else if (cmd === 'up') down = false;
  process.stdout.write(`${JSON.stringify({ ok: cmd })}\n`);
});
rl.on('close', () => server.close(() => process.exit(0)));
