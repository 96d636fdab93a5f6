/** Who is calling, as established from Envoy-provided credentials (and later, callgate's own OIDC). */
import type { EntityJson, CedarValueJson } from '@cedar-policy/cedar-wasm/nodejs';

export type CallerKind = 'human' | 'service' | 'agent' | 'anonymous';
export type PrincipalType = 'User' | 'Service' | 'Agent' | 'Anonymous';

export interface Caller {
  readonly kind: CallerKind;
  readonly interactive: boolean;
  readonly authenticated: boolean;
  /** Token issuer, SPIFFE trust domain, or "" for anonymous. */
  readonly issuer: string;
  readonly scopes: readonly string[];
  /** The Cedar principal entity (uid, attrs, parents = its groups). */
  readonly principal: EntityJson & { uid: { type: PrincipalType; id: string } };
  /** Further entities built from the credentials (e.g. the `onBehalfOf` user of an agent). */
  readonly relatedEntities: readonly EntityJson[];
  /** Where the identity came from, for audit and logs. */
  readonly source: 'jwt_authn' | 'mtls' | 'oidc' | 'none';
}

export type { EntityJson, CedarValueJson };
