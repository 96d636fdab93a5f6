/**
 * Who is calling, for one request: identity Envoy already verified (jwt_authn metadata, mTLS peer) takes
 * precedence; otherwise callgate verifies the `Authorization: Bearer` token itself when issuers are
 * configured; otherwise the caller is Anonymous. Synchronous unless a token has to be verified over the
 * network (a verified-token cache hit stays synchronous).
 */
import type { ErrorCode } from '../errors';
import { extractBearerToken } from './bearer-token';
import { resolveCaller, type EnvoyIdentity, type IdentityConfig } from './resolve-caller';
import type { TokenVerifier } from './token-verifier';
import type { Caller } from './types';

export const DEFAULT_MAX_TOKEN_BYTES = 8192;

export type IdentityResult =
  | { readonly kind: 'caller'; readonly caller: Caller }
  | { readonly kind: 'failed'; readonly code: ErrorCode; readonly message: string };

export function resolveRequestCaller(
  input: EnvoyIdentity,
  headers: ReadonlyMap<string, string>,
  config: IdentityConfig,
  verifier: TokenVerifier | undefined,
): IdentityResult | Promise<IdentityResult> {
  const fromEnvoy = resolveCaller(input, config);
  if (fromEnvoy.kind === 'invalid') return { kind: 'failed', code: 'ERR_IDENTITY_INVALID', message: fromEnvoy.message };
  if (fromEnvoy.caller.kind !== 'anonymous' || verifier === undefined) return fromEnvoy;
  const bearer = extractBearerToken(headers, config.token?.max_bytes ?? DEFAULT_MAX_TOKEN_BYTES);
  if (bearer.kind === 'none') return fromEnvoy;
  if (bearer.kind === 'rejected') return { kind: 'failed', code: bearer.code, message: bearer.message };
  return verifier.verify(bearer);
}
