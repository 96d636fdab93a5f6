/**
 * Verified token claims → the Cedar principal and `context.caller` (design §2).
 *   agent:   an RFC 8693 `act` claim (the actor is the principal, `sub` becomes `onBehalfOf`), or a client id
 *            listed in `agent_clients`;
 *   service: `sub` equal to the client id or `gty: client-credentials` (client-credentials grant), or a
 *            client id in `service_clients`;
 *   human:   everything else (an interactive login).
 * Malformed claims callgate relies on are an error, never skipped: a dropped group could skip a forbid.
 */
import type { EntityJson } from '@cedar-policy/cedar-wasm/nodejs';
import type { JsonObject, JsonValue } from '../calls/types';
import type { Caller } from './types';

export interface ClaimMapping {
  readonly groups_claim: string;
  readonly scopes_claim: string;
  readonly agent_clients: readonly string[];
  readonly service_clients: readonly string[];
}

export type ClaimsResult = { readonly kind: 'caller'; readonly caller: Caller } | { readonly kind: 'invalid'; readonly message: string };

function claimAt(claims: JsonObject, dotted: string): JsonValue | undefined {
  let node: JsonValue | undefined = claims;
  for (const part of dotted.split('.')) {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return undefined;
    node = Object.prototype.hasOwnProperty.call(node, part) ? node[part] : undefined;
  }
  return node;
}

function stringList(value: JsonValue | undefined, name: string, splitSpaces: boolean): string[] | string {
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') return splitSpaces ? value.split(' ').filter((s) => s !== '') : [value];
  if (Array.isArray(value) && value.every((v): v is string => typeof v === 'string')) return [...value];
  return `claim "${name}" must be a string or an array of strings`;
}

function optionalString(claims: JsonObject, name: string): string | undefined {
  const v = claims[name];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function groupParents(groups: readonly string[]): { type: string; id: string }[] {
  return groups.map((id) => ({ type: 'Group', id }));
}

function userEntity(sub: string, claims: JsonObject, groups: readonly string[]): EntityJson {
  const attrs: Record<string, string> = {};
  const email = optionalString(claims, 'email');
  const name = optionalString(claims, 'name');
  if (email !== undefined) attrs.email = email;
  if (name !== undefined) attrs.name = name;
  return { uid: { type: 'User', id: sub }, attrs, parents: groupParents(groups) };
}

export function callerFromClaims(claims: JsonObject, mapping: ClaimMapping): ClaimsResult {
  const iss = claims.iss;
  if (typeof iss !== 'string' || iss === '') return { kind: 'invalid', message: 'token has no issuer' };
  const groups = stringList(claimAt(claims, mapping.groups_claim), mapping.groups_claim, false);
  if (typeof groups === 'string') return { kind: 'invalid', message: groups };
  const scopes = stringList(claimAt(claims, mapping.scopes_claim), mapping.scopes_claim, true);
  if (typeof scopes === 'string') return { kind: 'invalid', message: scopes };
  const sub = optionalString(claims, 'sub');
  const clientId = optionalString(claims, 'client_id') ?? optionalString(claims, 'azp');
  const base = { authenticated: true, issuer: iss, scopes, source: 'jwt_authn' as const };

  const act = claims.act;
  if (act !== undefined) {
    const actor = typeof act === 'object' && act !== null && !Array.isArray(act) ? optionalString(act, 'sub') : undefined;
    if (actor === undefined) return { kind: 'invalid', message: 'act claim must be an object with a sub' };
    if (sub === undefined) return { kind: 'invalid', message: 'delegated token has no sub' };
    return agentCaller(actor, userEntity(sub, claims, groups), base);
  }
  if (clientId !== undefined && mapping.agent_clients.includes(clientId)) {
    const user = sub !== undefined && sub !== clientId ? userEntity(sub, claims, groups) : undefined;
    return agentCaller(clientId, user, base);
  }
  const clientCredentials = claims.gty === 'client-credentials';
  if (clientId !== undefined && (sub === undefined || sub === clientId || clientCredentials || mapping.service_clients.includes(clientId))) {
    const principal = { uid: { type: 'Service' as const, id: clientId }, attrs: {}, parents: groupParents(groups) };
    return { kind: 'caller', caller: { ...base, kind: 'service', interactive: false, principal, relatedEntities: [] } };
  }
  if (sub === undefined) return { kind: 'invalid', message: 'token has neither sub nor client id' };
  const principal = userEntity(sub, claims, groups) as Caller['principal'];
  return { kind: 'caller', caller: { ...base, kind: 'human', interactive: true, principal, relatedEntities: [] } };
}

function agentCaller(
  agentId: string,
  onBehalfOf: EntityJson | undefined,
  base: Pick<Caller, 'authenticated' | 'issuer' | 'scopes' | 'source'>,
): ClaimsResult {
  const attrs: EntityJson['attrs'] = {};
  if (onBehalfOf !== undefined) attrs.onBehalfOf = { __entity: { type: 'User', id: (onBehalfOf.uid as { id: string }).id } };
  const principal = { uid: { type: 'Agent' as const, id: agentId }, attrs, parents: [] };
  return {
    kind: 'caller',
    caller: { ...base, kind: 'agent', interactive: false, principal, relatedEntities: onBehalfOf === undefined ? [] : [onBehalfOf] },
  };
}
