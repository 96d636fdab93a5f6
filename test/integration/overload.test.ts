/**
 * Bounded in-flight work over real gRPC: Checks held on a token verification (the issuer on loopback holds
 * every discovery and JWKS response until the test releases it) fill `limits.max_in_flight`; the next Check
 * is answered at once with a 503 ERR_SERVICE_OVERLOADED deny and counted, and the held ones are then decided
 * by policy. No timing assertion: the test waits for the in-flight gauge, then for answers.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { startApp, type RunningApp } from '../support/app-harness';
import { connectCheckClient, envoyCheckRequest, type CheckClient } from '../support/check-client';
import type { CheckResponse__Output } from '../../src/generated/envoy/service/auth/v3/CheckResponse';

const AUDIENCE = 'https://api.callgate.test';
const MAX_IN_FLIGHT = 3;

interface HeldIssuer {
  readonly issuer: string;
  sign(sub: string, groups: string[]): Promise<string>;
  /** Answer every held request and stop holding. */
  release(): void;
  close(): Promise<void>;
}

async function startHeldIssuer(): Promise<HeldIssuer> {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' }] });
  let holding = true;
  const held: (() => void)[] = [];
  let issuer = '';
  const server = http.createServer((req, res) => {
    const answer = (): void => {
      const body =
        req.url === '/.well-known/openid-configuration'
          ? JSON.stringify({ issuer, jwks_uri: `${issuer}/jwks`, response_types_supported: ['code'], subject_types_supported: ['public'], id_token_signing_alg_values_supported: ['ES256'] })
          : req.url === '/jwks' ? jwks : undefined;
      res.writeHead(body === undefined ? 404 : 200, { 'content-type': 'application/json' }).end(body ?? '{}');
    };
    if (holding) held.push(answer);
    else answer();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer,
    sign: (sub, groups) =>
      new SignJWT({ sub, groups }).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setIssuer(issuer).setAudience(AUDIENCE).setIssuedAt().setExpirationTime('10m').sign(privateKey),
    release() {
      holding = false;
      for (const answer of held.splice(0)) answer();
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const reasonOf = (res: CheckResponse__Output): string | undefined =>
  res.denied_response === null || res.denied_response === undefined ? undefined : (JSON.parse(res.denied_response.body) as { code: string }).code;

describe('overload: limits.max_in_flight', () => {
  let idp: HeldIssuer;
  let running: RunningApp;
  let client: CheckClient;

  beforeAll(async () => {
    idp = await startHeldIssuer();
    running = await startApp({
      policies: path.join(__dirname, '../../policies'),
      'identity.issuers': JSON.stringify([{ issuer: idp.issuer, audiences: [AUDIENCE] }]),
      'limits.max_in_flight': String(MAX_IN_FLIGHT),
    });
    client = connectCheckClient(running.grpc);
  });
  afterAll(async () => {
    client.close();
    await running.close();
    await idp.close();
  });

  const metrics = async (): Promise<string> => (await fetch(`http://${running.http}/metrics`)).text();
  const check = async (sub: string): Promise<CheckResponse__Output> =>
    client.check(
      envoyCheckRequest({
        path: '/functions/payments.get',
        body: '{"paymentId":"p-1"}',
        contextExtensions: { protocol: 'http', server: 'payments', path: '/functions/{function}' },
        headers: { authorization: `Bearer ${await idp.sign(sub, ['payments-team'])}` },
      }),
    );

  it('denies the Check beyond the bound at once with 503, then decides the held ones by policy', async () => {
    const heldChecks = ['alice', 'bob', 'carol'].map((sub) => check(sub));
    // Wait (no timing assertion) until all three are being evaluated, i.e. waiting on the held issuer.
    for (let gauge = 0; gauge < MAX_IN_FLIGHT; ) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      gauge = Number(/^callgate_authz_in_flight (\d+)$/m.exec(await metrics())?.[1] ?? 0);
    }

    const overloaded = await check('dave');
    expect(overloaded.status?.code).not.toBe(0);
    expect(overloaded.denied_response?.status?.code).toBe('ServiceUnavailable');
    expect(reasonOf(overloaded)).toBe('ERR_SERVICE_OVERLOADED');
    const during = await metrics();
    expect(during).toMatch(/^callgate_authz_shed_total\{cause="in_flight"\} 1$/m);
    expect(during).toMatch(/^callgate_authz_decisions_total\{decision="deny",reason="ERR_SERVICE_OVERLOADED"\} 1$/m);

    idp.release();
    const decided = await Promise.all(heldChecks);
    for (const res of decided) {
      expect(reasonOf(res)).toBeUndefined();
      expect(res.status?.code).toBe(0);
    }
    expect(await metrics()).toMatch(/^callgate_authz_in_flight 0$/m);
    // With the slots free again, the next Check is evaluated, not shed.
    expect((await check('erin')).status?.code).toBe(0);
    expect(await metrics()).toMatch(/^callgate_authz_shed_total\{cause="in_flight"\} 1$/m);
  });
});
