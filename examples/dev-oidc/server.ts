/**
 * Development OpenID provider for the local mesh, on the `oidc-provider` package. It issues JWT access
 * tokens (RS256, audience DEV_OIDC_AUDIENCE) that callgate verifies itself (identity.issuers):
 *
 *   user token (human):      POST /token  grant_type=urn:callgate:dev:user  username=alice|bob|erin
 *                            client walkthrough:walkthrough-secret
 *   service token (service): POST /token  grant_type=client_credentials     client ci-bot:ci-bot-secret
 *                            (groups: platform-admins)
 *
 * The user grant hands out a token for a fixed demo user without a login: for a laptop, never for a
 * network anyone else can reach. Signing keys are generated at start, so tokens do not survive a restart.
 *
 * Environment: DEV_OIDC_ISSUER (default http://localhost:9400; must be the URL callgate discovers it at),
 * DEV_OIDC_AUDIENCE (default http://localhost:10000), DEV_OIDC_LISTEN (default 0.0.0.0:9400).
 */
import http from 'node:http';
import { exportJWK, generateKeyPair } from 'jose';
import type Provider from 'oidc-provider';
import type { GrantContext, ResourceServerInfo } from 'oidc-provider';
import { announceListening, readListenAddress, stopOnSignals } from '../listen-address';
import { DEV_CLIENTS, DEV_SERVICE_GROUPS, DEV_USER_GRANT, DEV_USERS } from './users';

const TOKEN_TTL_SECONDS = 3600;

interface IssuerSettings {
  readonly issuer: string;
  readonly audience: string;
}

function resourceServerInfo(audience: string): ResourceServerInfo {
  return { scope: 'api', audience, accessTokenFormat: 'jwt', accessTokenTTL: TOKEN_TTL_SECONDS, jwt: { sign: { alg: 'RS256' } } };
}

async function createSigningKey(): Promise<object> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  return { ...(await exportJWK(privateKey)), kid: `dev-${Date.now()}`, use: 'sig', alg: 'RS256' };
}

/** Claims added to every access token: the dev user's groups, name and email, or a service's groups. */
async function addUserClaims(_ctx: unknown, token: { accountId?: string; clientId?: string }): Promise<object> {
  const user = token.accountId === undefined ? undefined : DEV_USERS.get(token.accountId);
  if (user !== undefined) return { groups: [...user.groups], name: user.name, email: user.email };
  const serviceGroups = token.accountId === undefined && token.clientId !== undefined ? DEV_SERVICE_GROUPS.get(token.clientId) : undefined;
  return serviceGroups === undefined ? {} : { groups: [...serviceGroups] };
}

async function createProvider(settings: IssuerSettings): Promise<Provider> {
  const { default: ProviderClass } = await import('oidc-provider');
  const info = resourceServerInfo(settings.audience);
  return new ProviderClass(settings.issuer, {
    jwks: { keys: [await createSigningKey()] },
    cookies: { keys: ['callgate-dev-oidc-cookie-key'] },
    clients: DEV_CLIENTS,
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: async () => settings.audience,
        useGrantedResource: async () => true,
        getResourceServerInfo: async () => info,
      },
    },
    scopes: ['openid', 'api'],
    ttl: { AccessToken: TOKEN_TTL_SECONDS, ClientCredentials: TOKEN_TTL_SECONDS, Grant: TOKEN_TTL_SECONDS },
    extraTokenClaims: addUserClaims,
  });
}

function registerDevUserGrant(provider: Provider, settings: IssuerSettings): void {
  const handle = async (ctx: GrantContext): Promise<void> => {
    const user = DEV_USERS.get(ctx.oidc.params.username ?? '');
    if (user === undefined) {
      ctx.status = 400;
      ctx.body = { error: 'invalid_grant', error_description: `username must be one of ${[...DEV_USERS.keys()].join(', ')}` };
      return;
    }
    const grant = new provider.Grant({ accountId: user.sub, clientId: ctx.oidc.client.clientId });
    grant.addResourceScope(settings.audience, 'api');
    const token = new provider.AccessToken({ accountId: user.sub, client: ctx.oidc.client, grantId: await grant.save(), gty: DEV_USER_GRANT, scope: 'api' });
    token.resourceServer = new provider.ResourceServer(settings.audience, resourceServerInfo(settings.audience));
    ctx.oidc.entity('AccessToken', token);
    ctx.body = { access_token: await token.save(), token_type: 'Bearer', expires_in: TOKEN_TTL_SECONDS, scope: token.scope };
  };
  provider.registerGrantType(DEV_USER_GRANT, handle, ['username']);
}

async function main(): Promise<void> {
  const settings: IssuerSettings = {
    issuer: process.env.DEV_OIDC_ISSUER ?? 'http://localhost:9400',
    audience: process.env.DEV_OIDC_AUDIENCE ?? 'http://localhost:10000',
  };
  const { host, port } = readListenAddress('DEV_OIDC_LISTEN', '0.0.0.0:9400');
  const provider = await createProvider(settings);
  registerDevUserGrant(provider, settings);
  const callback = provider.callback();
  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"status":"ok"}');
      return;
    }
    callback(req, res);
  });
  server.listen(port, host, () => announceListening('dev-oidc', server.address()));
  stopOnSignals(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`dev-oidc: ${(err as Error).message}\n`);
  process.exit(1);
});
