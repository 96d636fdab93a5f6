/**
 * callgate verifying bearer tokens itself against a real OpenID provider on loopback (oidc-provider), over
 * real gRPC: discovery from the issuer URL alone, people / services / agents as Cedar principals, opaque
 * tokens by introspection, key rotation, JWKS outage, and every bad token refused 401 with its reason code.
 */
import path from 'node:path';
import { createPublicKey } from 'node:crypto';
import { SignJWT, generateKeyPair } from 'jose';
import { startApp, type RunningApp } from '../../support/app-harness';
import { connectCheckClient, envoyCheckRequest, type CheckClient } from '../../support/check-client';
import { startOidcProvider, type OidcProvider } from '../../support/oidc/oidc-provider-process';
import { structToJson } from '../../../src/envoy/struct';
import type { CheckResponse__Output } from '../../../src/generated/envoy/service/auth/v3/CheckResponse';

const policies = path.join(__dirname, '../../../policies');
const AUDIENCE = 'https://api.callgate.test';
const http = { protocol: 'http', server: 'payments', path: '/functions/{function}' };
const mcp = { protocol: 'mcp', server: 'tools' };
const b64 = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');

describe('callgate verifies OIDC tokens itself', () => {
  let idp: OidcProvider;
  let running: RunningApp;
  let client: CheckClient;
  let shiftMs = 0;

  beforeAll(async () => {
    idp = await startOidcProvider();
    const issuers = [{ issuer: idp.issuer, audiences: [AUDIENCE], introspection: { client_id: 'callgate', client_secret: 'callgate-secret' } }];
    running = await startApp(
      {
        policies,
        'identity.issuers': JSON.stringify(issuers),
        'identity.token.jwks_cooldown_seconds': '0',
        'identity.resource': AUDIENCE,
        'identity.resource_metadata_url': 'https://api.callgate.test/.well-known/oauth-protected-resource',
      },
      { now: () => new Date(Date.now() + shiftMs) },
    );
    client = connectCheckClient(running.grpc);
  }, 30_000);
  afterAll(async () => {
    client.close();
    await running.close();
    await idp.stop();
  });
  afterEach(() => {
    shiftMs = 0;
  });

  const userToken = (params: Record<string, string> = {}): Promise<string> =>
    idp.token('app', 'app-secret', { grant_type: 'urn:callgate:test:user', sub: 'alice', ...params });
  const check = (token: string, ctx: Record<string, string> = http): Promise<CheckResponse__Output> =>
    client.check(
      ctx === mcp
        ? envoyCheckRequest({
            path: '/mcp', contextExtensions: mcp, headers: { authorization: `Bearer ${token}`, 'mcp-protocol-version': '2025-06-18' },
            body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'search', arguments: {} } }),
          })
        : envoyCheckRequest({ path: '/functions/payments.get', body: '{"paymentId":"p-1"}', contextExtensions: http, headers: { authorization: `Bearer ${token}` } }),
    );
  const meta = (res: CheckResponse__Output): Record<string, unknown> => structToJson(res.dynamic_metadata!) as Record<string, unknown>;
  const wwwAuthenticate = (res: CheckResponse__Output): string | undefined =>
    res.denied_response?.headers.find((h) => h.header?.key === 'www-authenticate')?.header?.value;
  const expectRefused = (res: CheckResponse__Output, code: string): void => {
    expect(res.denied_response?.status?.code).toBe('Unauthorized');
    expect(meta(res)).toMatchObject({ decision: 'deny', reason: code, principal: '' });
    const header = wwwAuthenticate(res) ?? '';
    expect(header).toMatch(/^Bearer realm="callgate", error="invalid_token", error_description="[^"]+"/);
    expect(JSON.parse(res.denied_response?.body ?? '{}')).toMatchObject({ code });
    // every refusal leaves an audit record with its reason code
    expect(running.audit.find((r) => r.decision_id === meta(res).decision_id)).toMatchObject({ decision: 'deny', reason: code, principal: '' });
  };

  it('a user token becomes a User principal with its groups', async () => {
    const res = await check(await userToken({ groups: 'payments-team' }));
    expect(meta(res)).toMatchObject({ principal: 'User::"alice"' });
    expect(res.status?.code).toBe(0);
  });

  it('a client-credentials token becomes a Service principal', async () => {
    const token = await idp.token('svc', 'svc-secret', { grant_type: 'client_credentials', scope: 'api', resource: AUDIENCE });
    expect(meta(await check(token))).toMatchObject({ principal: 'Service::"svc"' });
  });

  it('a delegated token (act claim) makes the agent the principal', async () => {
    const res = await check(await userToken({ act_sub: 'research-agent' }));
    expect(meta(res)).toMatchObject({ principal: 'Agent::"research-agent"' });
  });

  it('a verified token is served from the cache even while the provider is down', async () => {
    const token = await userToken();
    expect(meta(await check(token)).principal).toBe('User::"alice"');
    await idp.command('down');
    try {
      expect(meta(await check(token)).principal).toBe('User::"alice"');
    } finally {
      await idp.command('up');
    }
  });

  it('JWKS outage: a new token with a known key verifies; an unknown kid is refused, never allowed', async () => {
    const fresh = await userToken();
    await check(await userToken()); // keys fetched
    await idp.command('down');
    try {
      expect(meta(await check(fresh)).principal).toBe('User::"alice"');
      const { privateKey } = await generateKeyPair('RS256');
      const forged = await new SignJWT({ sub: 'mallory' }).setProtectedHeader({ alg: 'RS256', kid: 'not-a-key' })
        .setIssuer(idp.issuer).setAudience(AUDIENCE).setIssuedAt().setExpirationTime('5m').sign(privateKey);
      expectRefused(await check(forged), 'ERR_IDENTITY_JWKS_UNAVAILABLE');
    } finally {
      await idp.command('up');
    }
  });

  it('picks up a rotated signing key without restart', async () => {
    await check(await userToken());
    await idp.command('rotate');
    const rotated = await userToken();
    expect(JSON.parse(Buffer.from(rotated.split('.')[0]!, 'base64url').toString()).kid).toBe('key-2');
    expect(meta(await check(rotated)).principal).toBe('User::"alice"');
  });

  it('refuses expired and not-yet-valid tokens', async () => {
    const token = await userToken();
    shiftMs = 10 * 60_000;
    expectRefused(await check(token), 'ERR_IDENTITY_EXPIRED');
    shiftMs = -10 * 60_000;
    expectRefused(await check(await userToken()), 'ERR_IDENTITY_NOT_YET_VALID');
  });

  it('refuses a token for another audience and one from an unknown issuer', async () => {
    expectRefused(await check(await userToken({ resource: 'https://other.test' })), 'ERR_IDENTITY_AUDIENCE');
    const { privateKey } = await generateKeyPair('RS256');
    const foreign = await new SignJWT({ sub: 'alice' }).setProtectedHeader({ alg: 'RS256', kid: 'key-1' })
      .setIssuer('https://evil.example').setAudience(AUDIENCE).setIssuedAt().setExpirationTime('5m').sign(privateKey);
    expectRefused(await check(foreign), 'ERR_IDENTITY_ISSUER');
  });

  it('refuses alg none, HS256 signed with the public key, a bad signature, an unknown key', async () => {
    const claims = { iss: idp.issuer, aud: AUDIENCE, sub: 'alice', exp: Math.floor(Date.now() / 1000) + 300 };
    expectRefused(await check(`${b64({ alg: 'none' })}.${b64(claims)}.`), 'ERR_IDENTITY_ALGORITHM');
    const jwk = (await idp.jwks()).keys[0]!;
    const pem = createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
    const hs = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: jwk.kid }).sign(Buffer.from(pem));
    expectRefused(await check(hs), 'ERR_IDENTITY_ALGORITHM');
    const good = (await userToken()).split('.');
    const sig = good[2]!;
    const tampered = `${good[0]}.${good[1]}.${sig[0] === 'A' ? 'B' : 'A'}${sig.slice(1)}`;
    expectRefused(await check(tampered), 'ERR_IDENTITY_SIGNATURE');
    const { privateKey } = await generateKeyPair('RS256');
    const unknownKid = await new SignJWT({ sub: 'alice' }).setProtectedHeader({ alg: 'RS256', kid: 'key-99' })
      .setIssuer(idp.issuer).setAudience(AUDIENCE).setIssuedAt().setExpirationTime('5m').sign(privateKey);
    expectRefused(await check(unknownKid), 'ERR_IDENTITY_UNKNOWN_KEY');
  });

  it('refuses malformed and oversized tokens', async () => {
    expectRefused(await check('abc.def.ghi'), 'ERR_IDENTITY_MALFORMED');
    expectRefused(await check('a'.repeat(9000)), 'ERR_IDENTITY_TOO_LARGE');
  });

  it('introspects opaque tokens: active is a caller, revoked is refused', async () => {
    const active = await userToken({ resource: 'urn:callgate:opaque' });
    expect(active.split('.')).toHaveLength(1);
    expect(meta(await check(active))).toMatchObject({ principal: 'User::"alice"' });
    const revoked = await userToken({ resource: 'urn:callgate:opaque' });
    await idp.revoke(revoked);
    expectRefused(await check(revoked), 'ERR_IDENTITY_INACTIVE');
  });

  it('MCP routes point to the protected resource metadata that callgate serves', async () => {
    const res = await check('abc.def.ghi', mcp);
    expect(wwwAuthenticate(res)).toContain('resource_metadata="https://api.callgate.test/.well-known/oauth-protected-resource"');
    expect(JSON.parse(res.denied_response?.body ?? '{}')).toMatchObject({ jsonrpc: '2.0', id: 7, error: { code: -32001 } });
    const doc = (await (await fetch(`http://${running.http}/.well-known/oauth-protected-resource`)).json()) as Record<string, unknown>;
    expect(doc).toEqual({ resource: AUDIENCE, authorization_servers: [idp.issuer], bearer_methods_supported: ['header'] });
  });

  it('an MCP call without any token is told where to find the authorization server', async () => {
    const res = await client.check(envoyCheckRequest({
      path: '/mcp', contextExtensions: mcp, headers: { 'mcp-protocol-version': '2025-06-18' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 8, method: 'tools/list', params: {} }),
    }));
    expect(meta(res)).toMatchObject({ reason: 'ERR_POLICY_UNAUTHENTICATED', principal: 'Anonymous::"anonymous"' });
    expect(wwwAuthenticate(res)).toBe('Bearer realm="callgate", resource_metadata="https://api.callgate.test/.well-known/oauth-protected-resource"');
  });

  it('verifies a token once when many checks carry it at the same time', async () => {
    const token = await userToken();
    const answers = await Promise.all(Array.from({ length: 20 }, () => check(token)));
    expect(new Set(answers.map((r) => meta(r).principal))).toEqual(new Set(['User::"alice"']));
  });

  it('never puts the raw token in logs or metadata', async () => {
    const token = await userToken({ resource: 'https://other.test' });
    const res = await check(token);
    expect(JSON.stringify(meta(res))).not.toContain(token.split('.')[2]);
    expect(JSON.stringify(running.logs)).not.toContain(token.split('.')[2]);
    expect(JSON.stringify(running.audit)).not.toContain(token.split('.')[2]);
    expect(res.denied_response?.body).not.toContain(token.split('.')[2]);
  });
});
