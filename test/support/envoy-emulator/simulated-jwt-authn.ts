/**
 * Stands in for Envoy's jwt_authn filter in end-to-end tests: the claims a test puts (base64url JSON) in
 * TEST_IDENTITY_HEADER become the `envoy.filters.http.jwt_authn` metadata the CheckRequest carries, as if
 * a token with those claims had been verified.
 */
import type { IncomingRequestInfo } from './types';

export const TEST_IDENTITY_HEADER = 'x-test-verified-jwt';

/** The request headers that present `claims` as a verified token's payload. */
export function verifiedClaimsHeader(claims: object): Record<string, string> {
  return { [TEST_IDENTITY_HEADER]: Buffer.from(JSON.stringify(claims)).toString('base64url') };
}

/** A `metadataContext` for startEnvoyEmulator: jwt_authn's payload from TEST_IDENTITY_HEADER, none without it. */
export function simulatedJwtAuthn(req: IncomingRequestInfo): Record<string, unknown> | undefined {
  const claims = req.headers[TEST_IDENTITY_HEADER];
  if (claims === undefined) return undefined;
  return { 'envoy.filters.http.jwt_authn': { jwt_payload: JSON.parse(Buffer.from(claims, 'base64url').toString('utf8')) as unknown } };
}
