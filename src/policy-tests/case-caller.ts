/**
 * A case's caller → the Caller serve would establish:
 *   claims    → the identity module's own mapping (resolveCaller on a jwt_authn payload, with the configured
 *               `identity.mapping`, merged with the issuer's own mapping when `iss` names a configured issuer);
 *   principal → the entity as identity builds it: User = human (interactive), Service = service, Agent =
 *               agent (optionally `onBehalfOf` a User), Anonymous = no credentials. `groups` become Group
 *               parents; entities.json adds its own parents exactly as it does in serve.
 * No caller at all is the anonymous caller.
 */
import type { EntityJson } from '@cedar-policy/cedar-wasm/nodejs';
import type { JsonObject } from '../calls/types';
import { ANONYMOUS_CALLER, resolveCaller, type IdentityConfig } from '../identity/resolve-caller';
import type { Caller, PrincipalType } from '../identity/types';
import { ENTITY_UID, type CallerSpec } from './test-file-schema';

/** The issuer a case's caller gets when it names none (every verified token has one). */
export const DEFAULT_TEST_ISSUER = 'https://issuer.test';

export type CaseCaller =
  | { readonly kind: 'caller'; readonly caller: Caller }
  /** Serve would refuse these claims (401 ERR_IDENTITY_INVALID). */
  | { readonly kind: 'identity-invalid'; readonly message: string }
  /** The test file is wrong; `path` is inside `caller`. */
  | { readonly kind: 'problem'; readonly path: readonly string[]; readonly message: string };

export interface CallerContext {
  readonly identity: IdentityConfig;
  /** Uid keys (`Type::"id"`, see uidKeyOf) of the entities in the bundle's entities.json. */
  readonly knownEntities: ReadonlySet<string>;
}

export function parseEntityUid(text: string): { type: string; id: string } | undefined {
  const m = ENTITY_UID.exec(text);
  if (m === null || m[1] === undefined || m[2] === undefined) return undefined;
  return { type: m[1], id: JSON.parse(`"${m[2]}"`) as string };
}

export function uidKeyOf(uid: { type: string; id: string }): string {
  return `${uid.type}::${JSON.stringify(uid.id)}`;
}

function groupUid(ref: string): { type: string; id: string } {
  return parseEntityUid(ref) ?? { type: 'Group', id: ref };
}

export function buildCaseCaller(spec: CallerSpec | undefined, ctx: CallerContext): CaseCaller {
  if (spec === undefined) return { kind: 'caller', caller: ANONYMOUS_CALLER };
  if ('claims' in spec) return callerFromCaseClaims(spec.claims, ctx.identity);
  return callerFromEntity(spec, ctx);
}

function callerFromCaseClaims(claims: Record<string, unknown>, identity: IdentityConfig): CaseCaller {
  const payload = { iss: DEFAULT_TEST_ISSUER, ...(JSON.parse(JSON.stringify(claims)) as JsonObject) };
  const issuer = (identity.issuers ?? []).find((i) => i.issuer === payload.iss);
  const mapping = issuer === undefined ? identity.mapping : { ...identity.mapping, ...(issuer.mapping ?? {}) };
  const { metadata_namespace: ns, payload_key: key } = identity.jwt_authn;
  const result = resolveCaller({ metadata: { [ns]: { [key]: payload } }, peerPrincipal: '' }, { ...identity, mapping });
  if (result.kind === 'invalid') return { kind: 'identity-invalid', message: result.message };
  return result;
}

const KIND_OF: Readonly<Record<PrincipalType, Caller['kind']>> = { User: 'human', Service: 'service', Agent: 'agent', Anonymous: 'anonymous' };

function isPrincipalType(type: string): type is PrincipalType {
  return Object.prototype.hasOwnProperty.call(KIND_OF, type);
}

function callerFromEntity(spec: Extract<CallerSpec, { principal: string }>, ctx: CallerContext): CaseCaller {
  const uid = parseEntityUid(spec.principal);
  if (uid === undefined) return { kind: 'problem', path: ['principal'], message: 'must be an entity uid like User::"alice"' };
  if (!isPrincipalType(uid.type)) return { kind: 'problem', path: ['principal'], message: `principal type must be User, Service, Agent or Anonymous, not ${uid.type}` };
  if (uid.type === 'Anonymous') return { kind: 'caller', caller: ANONYMOUS_CALLER };
  if (spec.groups === undefined && !ctx.knownEntities.has(uidKeyOf(uid))) {
    return { kind: 'problem', path: ['principal'], message: `${spec.principal} is not in the bundle's entities.json; declare it inline with groups: [...]` };
  }
  const kind = KIND_OF[uid.type];
  let relatedEntities: EntityJson[] = [];
  const attrs: EntityJson['attrs'] = {};
  if (spec.on_behalf_of !== undefined) {
    if (kind !== 'agent') return { kind: 'problem', path: ['on_behalf_of'], message: 'only an Agent acts on behalf of a user' };
    const user = parseEntityUid(spec.on_behalf_of);
    if (user === undefined || user.type !== 'User') return { kind: 'problem', path: ['on_behalf_of'], message: 'must be a User uid like User::"alice"' };
    attrs.onBehalfOf = { __entity: user };
    const known = ctx.knownEntities.has(uidKeyOf(user));
    if (spec.on_behalf_of_groups === undefined && !known) {
      return { kind: 'problem', path: ['on_behalf_of'], message: `${spec.on_behalf_of} is not in the bundle's entities.json; declare it inline with on_behalf_of_groups: [...]` };
    }
    if (spec.on_behalf_of_groups !== undefined) relatedEntities = [{ uid: user, attrs: {}, parents: spec.on_behalf_of_groups.map(groupUid) }];
  } else if (spec.on_behalf_of_groups !== undefined) {
    return { kind: 'problem', path: ['on_behalf_of_groups'], message: 'needs on_behalf_of' };
  }
  const principal = { uid: { type: uid.type, id: uid.id }, attrs, parents: (spec.groups ?? []).map(groupUid) };
  const caller: Caller = {
    kind,
    interactive: kind === 'human',
    authenticated: true,
    issuer: spec.issuer ?? DEFAULT_TEST_ISSUER,
    scopes: spec.scopes ?? [],
    principal,
    relatedEntities,
    source: 'jwt_authn',
  };
  return { kind: 'caller', caller };
}
