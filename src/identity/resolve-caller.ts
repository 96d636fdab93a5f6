/**
 * Identity from what Envoy already verified: the jwt_authn payload in metadata_context, else the mTLS peer
 * principal (source.principal), else Anonymous. callgate's own token verification: resolve-request-caller.ts.
 */
import type { JsonObject } from '../calls/types';
import { callerFromClaims, type ClaimMapping, type ClaimsResult } from './caller-from-claims';
import type { Caller } from './types';
import type { IssuerConfig } from './token-verifier';

export interface IdentityConfig {
  readonly jwt_authn: { readonly metadata_namespace: string; readonly payload_key: string };
  readonly mtls: { readonly enabled: boolean; readonly trust_domains: readonly string[] };
  readonly mapping: ClaimMapping;
  /** callgate's own token verification (absent or empty `issuers` turns it off). */
  readonly issuers?: readonly IssuerConfig[];
  readonly token?: { readonly max_bytes: number; readonly cache_size: number; readonly introspection_cache_seconds: number; readonly jwks_cooldown_seconds: number };
  /** RFC 9728: this protected resource's identifier and the public URL of its metadata ("" = not advertised). */
  readonly resource?: string;
  readonly resource_metadata_url?: string;
}

export interface EnvoyIdentity {
  /** filter_metadata as JSON, by namespace. */
  readonly metadata: Readonly<Record<string, JsonObject>>;
  /** attributes.source.principal (URI SAN, DNS SAN or subject of the peer certificate); "" without TLS. */
  readonly peerPrincipal: string;
}

export const ANONYMOUS_CALLER: Caller = Object.freeze({
  kind: 'anonymous',
  interactive: false,
  authenticated: false,
  issuer: '',
  scopes: [],
  principal: { uid: { type: 'Anonymous', id: 'anonymous' }, attrs: {}, parents: [] },
  relatedEntities: [],
  source: 'none',
}) as Caller;

export function resolveCaller(input: EnvoyIdentity, config: IdentityConfig): ClaimsResult {
  const ns = input.metadata[config.jwt_authn.metadata_namespace];
  if (ns !== undefined) {
    const payload = ns[config.jwt_authn.payload_key];
    if (payload !== undefined) {
      if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
        return { kind: 'invalid', message: 'jwt_authn payload is not an object' };
      }
      return callerFromClaims(payload, config.mapping);
    }
  }
  if (config.mtls.enabled && input.peerPrincipal !== '') return callerFromPeer(input.peerPrincipal, config.mtls.trust_domains);
  return { kind: 'caller', caller: ANONYMOUS_CALLER };
}

function callerFromPeer(peer: string, trustDomains: readonly string[]): ClaimsResult {
  let issuer = '';
  if (peer.startsWith('spiffe://')) {
    const domain = peer.slice('spiffe://'.length).split('/')[0] ?? '';
    if (domain === '') return { kind: 'invalid', message: 'SPIFFE id has no trust domain' };
    if (trustDomains.length > 0 && !trustDomains.includes(domain)) {
      return { kind: 'invalid', message: 'peer certificate is from an untrusted SPIFFE trust domain' };
    }
    issuer = `spiffe://${domain}`;
  } else if (trustDomains.length > 0) {
    return { kind: 'invalid', message: 'peer certificate has no SPIFFE id' };
  }
  const caller: Caller = {
    kind: 'service',
    interactive: false,
    authenticated: true,
    issuer,
    scopes: [],
    principal: { uid: { type: 'Service', id: peer }, attrs: {}, parents: [] },
    relatedEntities: [],
    source: 'mtls',
  };
  return { kind: 'caller', caller };
}
