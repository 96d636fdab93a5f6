/** The verifier against a JWKS served on loopback: cache hits are synchronous and never outlive exp. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair, type KeyLike } from 'jose';
import { createTokenVerifier } from '../../../src/identity/token-verifier';
import { hashToken } from '../../../src/identity/bearer-token';

const ISS = 'https://idp.test';
const AUD = 'https://api.test';
const mapping = { groups_claim: 'groups', scopes_claim: 'scope', agent_clients: ['copilot'], service_clients: [] };

describe('createTokenVerifier', () => {
  let server: http.Server;
  let jwksUri: string;
  let key: KeyLike;
  let fetches = 0;

  beforeAll(async () => {
    const pair = await generateKeyPair('ES256');
    key = pair.privateKey;
    const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256' }] });
    server = http.createServer((_req, res) => {
      fetches += 1;
      res.writeHead(200, { 'content-type': 'application/json' }).end(jwks);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    jwksUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const make = (now: () => Date) =>
    createTokenVerifier(
      {
        issuers: [{ issuer: ISS, audiences: [AUD], algorithms: ['ES256'], clock_skew_seconds: 0, jwks_uri: jwksUri, mapping: { groups_claim: 'roles' } }],
        cache_size: 10,
        introspection_cache_seconds: 60,
        jwks_cooldown_seconds: 30,
      },
      mapping,
      { now, discover: () => Promise.reject(new Error('no discovery in this test')) },
    );
  const sign = (claims: Record<string, unknown>, expSeconds: number): Promise<string> =>
    new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setIssuer(ISS).setAudience(AUD)
      .setIssuedAt().setExpirationTime(Math.floor(Date.now() / 1000) + expSeconds).sign(key);
  const bearer = (token: string) => ({ kind: 'token' as const, token, hash: hashToken(token), format: 'jwt' as const });

  it('verifies once over the network, then answers synchronously from the cache', async () => {
    const verifier = make(() => new Date());
    const token = await sign({ sub: 'alice', roles: ['payments-team'] }, 300);
    const first = verifier.verify(bearer(token));
    expect(first).toBeInstanceOf(Promise);
    const caller = await first;
    expect(caller).toMatchObject({ kind: 'caller', caller: { kind: 'human', source: 'oidc', principal: { uid: { type: 'User', id: 'alice' }, parents: [{ type: 'Group', id: 'payments-team' }] } } });
    const second = verifier.verify(bearer(token));
    expect(second).not.toBeInstanceOf(Promise);
    expect(second).toEqual(caller);
  });

  it('drops a cached token at its exp', async () => {
    let now = Date.now();
    const verifier = make(() => new Date(now));
    const token = await sign({ sub: 'alice' }, 60);
    expect(await verifier.verify(bearer(token))).toMatchObject({ kind: 'caller' });
    now += 61_000;
    expect(await verifier.verify(bearer(token))).toMatchObject({ kind: 'failed', code: 'ERR_IDENTITY_EXPIRED' });
  });

  it('maps configured agent clients and per-issuer claim overrides', async () => {
    const verifier = make(() => new Date());
    const token = await sign({ sub: 'alice', client_id: 'copilot' }, 300);
    expect(await verifier.verify(bearer(token))).toMatchObject({ caller: { kind: 'agent', principal: { uid: { type: 'Agent', id: 'copilot' } } } });
  });

  it('refuses an algorithm outside the issuer allow-list before fetching keys', async () => {
    const verifier = make(() => new Date());
    const before = fetches;
    const hs = await new SignJWT({ sub: 'alice' }).setProtectedHeader({ alg: 'HS256' }).setIssuer(ISS).setAudience(AUD).setExpirationTime('5m').sign(new Uint8Array(32));
    expect(await verifier.verify(bearer(hs))).toMatchObject({ kind: 'failed', code: 'ERR_IDENTITY_ALGORITHM' });
    expect(fetches).toBe(before);
  });

  it('refuses tokens whose claims cannot make a caller', async () => {
    const verifier = make(() => new Date());
    const token = await sign({ sub: 'alice', roles: [1, 2] }, 300);
    expect(await verifier.verify(bearer(token))).toMatchObject({ kind: 'failed', code: 'ERR_IDENTITY_CLAIMS' });
  });
});
