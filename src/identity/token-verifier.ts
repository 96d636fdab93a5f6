/**
 * callgate's own bearer-token verification (issue 3): JWT access tokens with `jose` against each configured
 * issuer's JWKS (discovered with `openid-client`), opaque tokens by RFC 7662 introspection. Verified callers
 * are cached by token hash, bounded, never past the token's `exp`, so a cache hit returns synchronously.
 * Every failure is a specific ERR_IDENTITY_* code; the raw token never appears in a message.
 */
import { LRUCache } from 'lru-cache';
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, errors as joseErrors, jwtVerify } from 'jose';
import type { JWTPayload } from 'jose';
import { Issuer, type BaseClient } from 'openid-client';
import type { ErrorCode } from '../errors';
import type { JsonObject } from '../calls/types';
import type { BearerToken } from './bearer-token';
import { callerFromClaims, type ClaimMapping } from './caller-from-claims';
import type { Caller } from './types';

export interface IssuerConfig {
  /** Exact `iss` value; discovery reads `<issuer>/.well-known/openid-configuration`. */
  readonly issuer: string;
  readonly audiences: readonly string[];
  readonly algorithms: readonly string[];
  readonly clock_skew_seconds: number;
  /** Overrides discovery's jwks_uri. */
  readonly jwks_uri?: string;
  readonly introspection?: { readonly client_id: string; readonly client_secret: string };
  readonly mapping?: Partial<ClaimMapping>;
}

export interface TokenConfig {
  readonly issuers: readonly IssuerConfig[];
  readonly cache_size: number;
  /** Upper bound on how long an introspection result is reused (seconds). */
  readonly introspection_cache_seconds: number;
  /** Shortest gap between two JWKS fetches caused by unknown `kid`s (seconds). */
  readonly jwks_cooldown_seconds: number;
}

export type VerifyResult =
  | { readonly kind: 'caller'; readonly caller: Caller }
  | { readonly kind: 'failed'; readonly code: ErrorCode; readonly message: string };

export interface TokenVerifier {
  verify(token: Extract<BearerToken, { kind: 'token' }>): VerifyResult | Promise<VerifyResult>;
}

export interface TokenVerifierDeps {
  now(): Date;
  /** Test seam: discovery (default openid-client's Issuer.discover). */
  discover?(issuer: string): Promise<Issuer<BaseClient>>;
}

interface CachedCaller {
  readonly caller: Caller;
  readonly expMs: number;
}

interface IssuerState {
  readonly config: IssuerConfig;
  readonly mapping: ClaimMapping;
  discovered?: Promise<Issuer<BaseClient>>;
  jwks?: ReturnType<typeof createRemoteJWKSet>;
  client?: BaseClient;
}

const failed = (code: ErrorCode, message: string): VerifyResult => ({ kind: 'failed', code, message });

/** jose error → reason code. Unknown errors are a failed verification, never an allow. */
export function codeOfJoseError(err: unknown): { code: ErrorCode; message: string } {
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof joseErrors.JWTExpired) return { code: 'ERR_IDENTITY_EXPIRED', message };
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    if (err.claim === 'nbf' || err.claim === 'iat') return { code: 'ERR_IDENTITY_NOT_YET_VALID', message };
    if (err.claim === 'aud') return { code: 'ERR_IDENTITY_AUDIENCE', message };
    if (err.claim === 'iss') return { code: 'ERR_IDENTITY_ISSUER', message };
    return { code: 'ERR_IDENTITY_CLAIMS', message };
  }
  if (err instanceof joseErrors.JOSEAlgNotAllowed || err instanceof joseErrors.JOSENotSupported) return { code: 'ERR_IDENTITY_ALGORITHM', message };
  if (err instanceof joseErrors.JWSSignatureVerificationFailed || err instanceof joseErrors.JWKSMultipleMatchingKeys) {
    return { code: 'ERR_IDENTITY_SIGNATURE', message };
  }
  if (err instanceof joseErrors.JWKSNoMatchingKey) return { code: 'ERR_IDENTITY_UNKNOWN_KEY', message };
  if (err instanceof joseErrors.JWSInvalid || err instanceof joseErrors.JWTInvalid) return { code: 'ERR_IDENTITY_MALFORMED', message };
  return { code: 'ERR_IDENTITY_JWKS_UNAVAILABLE', message: `key set unavailable: ${message}` };
}

function mappingOf(issuer: IssuerConfig, base: ClaimMapping): ClaimMapping {
  return { ...base, ...(issuer.mapping ?? {}) };
}

export function createTokenVerifier(config: TokenConfig, baseMapping: ClaimMapping, deps: TokenVerifierDeps): TokenVerifier {
  const discover = deps.discover ?? ((url: string) => Issuer.discover(url));
  const cache = new LRUCache<string, CachedCaller>({ max: Math.max(1, config.cache_size) });
  const inflight = new Map<string, Promise<VerifyResult>>();
  const states = new Map<string, IssuerState>(config.issuers.map((i) => [i.issuer, { config: i, mapping: mappingOf(i, baseMapping) }]));

  const discovered = (state: IssuerState): Promise<Issuer<BaseClient>> => {
    if (state.discovered === undefined) {
      state.discovered = discover(state.config.issuer);
      // A failed discovery is retried on the next token, not remembered.
      state.discovered.catch(() => (state.discovered = undefined));
    }
    return state.discovered;
  };

  const keySetOf = async (state: IssuerState): Promise<ReturnType<typeof createRemoteJWKSet>> => {
    if (state.jwks !== undefined) return state.jwks;
    const uri = state.config.jwks_uri ?? (await discovered(state)).metadata.jwks_uri;
    if (typeof uri !== 'string' || uri === '') throw new Error('issuer publishes no jwks_uri');
    state.jwks ??= createRemoteJWKSet(new URL(uri), { cooldownDuration: config.jwks_cooldown_seconds * 1000, cacheMaxAge: 10 * 60_000, timeoutDuration: 5_000 });
    return state.jwks;
  };

  const remember = (hash: string, caller: Caller, expSeconds: number | undefined, capSeconds: number | undefined): void => {
    const nowMs = deps.now().getTime();
    let expMs = expSeconds === undefined ? nowMs + (capSeconds ?? 0) * 1000 : expSeconds * 1000;
    if (capSeconds !== undefined) expMs = Math.min(expMs, nowMs + capSeconds * 1000);
    if (expMs <= nowMs) return;
    cache.set(hash, { caller, expMs }, { ttl: expMs - nowMs });
  };

  const toCaller = (claims: JsonObject, state: IssuerState): VerifyResult => {
    const result = callerFromClaims(claims, state.mapping);
    if (result.kind === 'invalid') return failed('ERR_IDENTITY_CLAIMS', result.message);
    return { kind: 'caller', caller: { ...result.caller, source: 'oidc' } };
  };

  const verifyJwt = async (token: string, hash: string): Promise<VerifyResult> => {
    let unverified: JWTPayload;
    let alg: string | undefined;
    try {
      alg = decodeProtectedHeader(token).alg;
      unverified = decodeJwt(token);
    } catch (err) {
      return failed('ERR_IDENTITY_MALFORMED', `token does not decode: ${(err as Error).message}`);
    }
    const state = typeof unverified.iss === 'string' ? states.get(unverified.iss) : undefined;
    if (state === undefined) return failed('ERR_IDENTITY_ISSUER', `issuer ${JSON.stringify(String(unverified.iss))} is not configured`);
    if (alg === undefined || alg === 'none' || !state.config.algorithms.includes(alg)) {
      return failed('ERR_IDENTITY_ALGORITHM', `algorithm ${JSON.stringify(String(alg))} is not allowed for this issuer`);
    }
    let payload: JWTPayload;
    try {
      const keys = await keySetOf(state);
      ({ payload } = await jwtVerify(token, keys, {
        issuer: state.config.issuer,
        audience: [...state.config.audiences],
        algorithms: [...state.config.algorithms],
        clockTolerance: state.config.clock_skew_seconds,
        currentDate: deps.now(),
        requiredClaims: ['iss', 'aud', 'exp'],
      }));
    } catch (err) {
      const { code, message } = codeOfJoseError(err);
      return failed(code, message);
    }
    // jose checks nbf; a token issued in the future (beyond the skew) is not valid yet either.
    if (typeof payload.iat === 'number' && payload.iat - state.config.clock_skew_seconds > deps.now().getTime() / 1000) {
      return failed('ERR_IDENTITY_NOT_YET_VALID', 'token iat is in the future');
    }
    const result = toCaller(payload as JsonObject, state);
    if (result.kind === 'caller') remember(hash, result.caller, payload.exp, undefined);
    return result;
  };

  const introspect = async (token: string, hash: string): Promise<VerifyResult> => {
    const candidates = [...states.values()].filter((s) => s.config.introspection !== undefined);
    if (candidates.length === 0) return failed('ERR_IDENTITY_MALFORMED', 'opaque token and no issuer configured for introspection');
    let lastError = '';
    for (const state of candidates) {
      try {
        const creds = state.config.introspection as NonNullable<IssuerConfig['introspection']>;
        const issuer = await discovered(state);
        state.client ??= new issuer.Client({ client_id: creds.client_id, client_secret: creds.client_secret });
        const answer = await state.client.introspect(token, 'access_token');
        if (answer.active !== true) continue;
        const nowS = deps.now().getTime() / 1000;
        const skew = state.config.clock_skew_seconds;
        if (typeof answer.exp === 'number' && answer.exp + skew <= nowS) continue;
        if (typeof answer.nbf === 'number' && answer.nbf - skew > nowS) return failed('ERR_IDENTITY_NOT_YET_VALID', 'introspected token not yet valid');
        const aud = answer.aud === undefined ? [] : Array.isArray(answer.aud) ? answer.aud : [answer.aud];
        if (aud.length > 0 && !aud.some((a) => state.config.audiences.includes(a))) return failed('ERR_IDENTITY_AUDIENCE', 'introspected token is for another audience');
        const claims = { ...(answer as unknown as JsonObject), iss: typeof answer.iss === 'string' ? answer.iss : state.config.issuer };
        if (claims.iss !== state.config.issuer) return failed('ERR_IDENTITY_ISSUER', 'introspection answered for another issuer');
        const result = toCaller(claims, state);
        if (result.kind === 'caller') remember(hash, result.caller, answer.exp, config.introspection_cache_seconds);
        return result;
      } catch (err) {
        lastError = (err as Error).message;
      }
    }
    return lastError === ''
      ? failed('ERR_IDENTITY_INACTIVE', 'token is not active')
      : failed('ERR_IDENTITY_JWKS_UNAVAILABLE', `introspection failed: ${lastError}`);
  };

  return {
    verify(bearer) {
      const hit = cache.get(bearer.hash);
      if (hit !== undefined) {
        if (hit.expMs > deps.now().getTime()) return { kind: 'caller', caller: hit.caller };
        cache.delete(bearer.hash);
      }
      // Concurrent first sightings of one token share one verification.
      const pending = inflight.get(bearer.hash);
      if (pending !== undefined) return pending;
      const started = bearer.format === 'jwt' ? verifyJwt(bearer.token, bearer.hash) : introspect(bearer.token, bearer.hash);
      inflight.set(bearer.hash, started);
      return started.finally(() => inflight.delete(bearer.hash));
    },
  };
}
