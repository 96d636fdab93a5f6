// A real OpenID provider (the `oidc-provider` package) on 127.0.0.1:0 for browser logins to the approver
// page: its development login form (any password), the authorization code flow with PKCE for the client
// "approver-page" (secret "approver-page-secret"), and ID tokens carrying `groups`, `name`, `email`.
// Prints {"issuer": "..."} once listening; stdin commands:
//   redirect <uri>  → registers <uri> as the client's redirect URI (callgate's port is known only later)
// It also issues bearer tokens for the approvals API: client "app" with the test grant
// "urn:callgate:test:user" (params: sub; groups come from the account table below, or `groups`).
import http from 'node:http';
import readline from 'node:readline';
import { generateKeyPair, exportJWK } from 'jose';
import Provider from 'oidc-provider';

const AUDIENCE = 'https://api.callgate.test';
const USER_GRANT = 'urn:callgate:test:user';
// Test people: alice and olga are on call; mallory is not.
const ACCOUNTS = {
  alice: { name: 'Alice Oncall', email: 'alice@example.com', groups: ['oncall'] },
  olga: { name: 'Olga Oncall', email: 'olga@example.com', groups: ['oncall'] },
  mallory: { name: 'Mallory Dev', email: 'mallory@example.com', groups: ['dev'] },
};

const { privateKey } = await generateKeyPair('RS256', { extractable: true });
const keys = [{ ...(await exportJWK(privateKey)), kid: 'login-key-1', use: 'sig', alg: 'RS256' }];

function createProvider(issuer, redirectUris) {
  const provider = new Provider(issuer, {
    jwks: { keys },
    cookies: { keys: ['callgate-login-test-cookie-key'] },
    clients: [
      {
        client_id: 'approver-page',
        client_secret: 'approver-page-secret',
        grant_types: ['authorization_code'],
        response_types: ['code'],
        redirect_uris: redirectUris,
      },
      { client_id: 'app', client_secret: 'app-secret', grant_types: [USER_GRANT], redirect_uris: [], response_types: [] },
    ],
    claims: { openid: ['sub', 'groups'], profile: ['name'], email: ['email'] },
    conformIdTokenClaims: false,
    findAccount: async (_ctx, sub) => ({
      accountId: sub,
      claims: async () => ({ sub, ...(ACCOUNTS[sub] ?? { name: sub, groups: [] }) }),
    }),
    features: {
      devInteractions: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: async () => AUDIENCE,
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx, indicator) => ({ scope: 'api', audience: indicator, accessTokenFormat: 'jwt', accessTokenTTL: 300, jwt: { sign: { alg: 'RS256' } } }),
      },
    },
    pkce: { required: () => true },
    scopes: ['openid', 'profile', 'email', 'api'],
    extraTokenClaims: async (ctx) => {
      const params = ctx?.oidc?.params ?? {};
      const extra = {};
      if (params.groups !== undefined) extra.groups = params.groups === '' ? [] : params.groups.split(',');
      else if (params.sub && ACCOUNTS[params.sub]) extra.groups = ACCOUNTS[params.sub].groups;
      if (params.act_sub) extra.act = { sub: params.act_sub };
      return extra;
    },
  });
  provider.registerGrantType(
    USER_GRANT,
    async (ctx) => {
      const { client, params } = ctx.oidc;
      const resourceServer = new provider.ResourceServer(AUDIENCE, { scope: 'api', audience: AUDIENCE, accessTokenFormat: 'jwt', accessTokenTTL: 300, jwt: { sign: { alg: 'RS256' } } });
      const grant = new provider.Grant({ accountId: params.sub, clientId: client.clientId });
      grant.addResourceScope(AUDIENCE, 'api');
      const grantId = await grant.save();
      const token = new provider.AccessToken({ accountId: params.sub, client, grantId, gty: 'password', scope: 'api' });
      token.resourceServer = resourceServer;
      ctx.oidc.entity('AccessToken', token);
      ctx.body = { access_token: await token.save(), token_type: 'Bearer', expires_in: token.expiration, scope: token.scope };
    },
    ['sub', 'groups', 'act_sub'],
  );
  return provider;
}

let current;
const server = http.createServer((req, res) => current.callback()(req, res));
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;
current = createProvider(issuer, ['http://127.0.0.1/approvals/callback']);
process.stdout.write(`${JSON.stringify({ issuer })}\n`);

const rl = readline.createInterface({ input: process.stdin });
rl.on('line', (line) => {
  const [cmd, arg] = line.trim().split(' ');
  if (cmd === 'redirect' && arg) current = createProvider(issuer, [arg]);
  process.stdout.write(`${JSON.stringify({ ok: cmd })}\n`);
});
rl.on('close', () => server.close(() => process.exit(0)));
