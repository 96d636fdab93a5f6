/**
 * The bundle's entities (entities.json) with each entity's ancestor closure computed at load, and the
 * per-request selection of exactly the entities a decision can need: the principal, the resource, their
 * ancestors, the request's own entities, and whatever their attributes reference, transitively.
 */
import type { CedarValueJson, EntityJson, EntityUidJson } from '@cedar-policy/cedar-wasm/nodejs';

export interface EntityStore {
  readonly entities: ReadonlyMap<string, EntityJson>;
  /** Entity key → keys of all its ancestors in the store (transitive). */
  readonly ancestors: ReadonlyMap<string, readonly string[]>;
}

export interface EntityRequest {
  readonly principal: EntityJson;
  readonly requestEntities: readonly EntityJson[];
  /** Server entity id. */
  readonly resource: string;
}

export function plainUid(uid: EntityUidJson): { type: string; id: string } {
  return '__entity' in uid ? uid.__entity : uid;
}

export function uidKey(uid: EntityUidJson): string {
  const { type, id } = plainUid(uid);
  return `${type}::${JSON.stringify(id)}`;
}

export function buildEntityStore(list: readonly EntityJson[]): EntityStore {
  const entities = new Map(list.map((e) => [uidKey(e.uid), e]));
  const ancestors = new Map<string, readonly string[]>();
  for (const key of entities.keys()) ancestors.set(key, closureOf(key, entities));
  return { entities, ancestors };
}

function closureOf(start: string, entities: ReadonlyMap<string, EntityJson>): string[] {
  const seen = new Set<string>();
  const pending = (entities.get(start)?.parents ?? []).map(uidKey);
  for (let key = pending.pop(); key !== undefined; key = pending.pop()) {
    if (seen.has(key) || key === start) continue;
    seen.add(key);
    pending.push(...(entities.get(key)?.parents ?? []).map(uidKey));
  }
  return [...seen].sort();
}

/**
 * `omitAncestor`: when given (entity-reads.ts says when Cedar's answer cannot change), the principal is
 * passed with its whole ancestor closure as parents, and each ancestor it accepts is left out unless
 * something else (a request entity, an attribute) leads to it. `parentTargets` (with `omitAncestor`): the
 * only ancestors the flattened parents need to list (entity-reads.ts, `hierarchyTargets`).
 */
export function collectRequestEntities(store: EntityStore, request: EntityRequest, omitAncestor?: (entity: EntityJson) => boolean, parentTargets?: ReadonlySet<string>): EntityJson[] {
  const local = new Map(request.requestEntities.map((e) => [uidKey(e.uid), e]));
  const principalKey = uidKey(request.principal.uid);
  const resourceKey = uidKey({ type: 'Server', id: request.resource });
  const principal = mergeWithStored(request.principal, store.entities.get(principalKey));
  const flat = omitAncestor === undefined ? undefined : flattenAncestors(principalKey, principal, store, omitAncestor, parentTargets);
  const chosen = new Map<string, EntityJson>([[principalKey, flat?.entity ?? principal]]);
  const pending = [resourceKey, ...local.keys(), ...(flat === undefined ? neighbours(principalKey, principal, store) : flat.kept)];
  for (let key = pending.pop(); key !== undefined; key = pending.pop()) {
    if (chosen.has(key)) continue;
    const requested = local.get(key);
    const stored = store.entities.get(key);
    // A request entity (an agent's on-behalf-of user from the token) keeps the parents and attributes
    // entities.json gives the same uid, as the principal does: a forbid on a stored group still applies.
    const entity = requested !== undefined ? mergeWithStored(requested, stored) : stored ?? (key === resourceKey ? bareServer(request.resource) : undefined);
    if (entity === undefined) continue;
    chosen.set(key, entity);
    pending.push(...neighbours(key, entity, store));
  }
  return [...chosen.values()];
}

/**
 * The principal with every ancestor key as a parent, including ancestors that are named as a parent but are
 * not entities themselves (Cedar's `in` still reaches them); `kept`: the keys still to pass (ancestors
 * `omit` refuses, references in attributes and tags).
 */
function flattenAncestors(key: string, principal: EntityJson, store: EntityStore, omit: (entity: EntityJson) => boolean, targets?: ReadonlySet<string>): { entity: EntityJson; kept: string[] } {
  const closure = new Set(ancestorKeys(key, principal, store));
  closure.delete(key);
  const kept: string[] = [];
  for (const ancestor of closure) {
    const stored = store.entities.get(ancestor);
    if (stored !== undefined && !omit(stored)) kept.push(ancestor);
  }
  kept.push(...referencesOf(principal));
  const parents = targets === undefined ? [...closure] : [...closure].filter((ancestor) => targets.has(ancestor));
  return { entity: { ...principal, parents: parents.map(uidOfKey) }, kept };
}

/** An entity from identity (the principal, or a request entity), with the parents entities.json gives the same uid added. */
function mergeWithStored(principal: EntityJson, stored: EntityJson | undefined): EntityJson {
  if (stored === undefined) return principal;
  const parents = new Map([...principal.parents, ...stored.parents].map((p) => [uidKey(p), p]));
  return { ...principal, attrs: { ...stored.attrs, ...principal.attrs }, parents: [...parents.values()] };
}

function bareServer(id: string): EntityJson {
  return { uid: { type: 'Server', id }, attrs: {}, parents: [] };
}

function neighbours(key: string, entity: EntityJson | undefined, store: EntityStore): string[] {
  if (entity === undefined) return [];
  return [...ancestorKeys(key, entity, store), ...referencesOf(entity)];
}

/** The keys of an entity's parents and of all their ancestors in the store (may repeat). */
function ancestorKeys(key: string, entity: EntityJson, store: EntityStore): string[] {
  const parentKeys = entity.parents.map(uidKey);
  const inherited = parentKeys.flatMap((p) => store.ancestors.get(p) ?? []);
  return [...(store.ancestors.get(key) ?? []), ...parentKeys, ...inherited];
}

function referencesOf(entity: EntityJson): string[] {
  const referenced: string[] = [];
  for (const value of Object.values(entity.attrs)) collectReferences(value, referenced);
  for (const value of Object.values(entity.tags ?? {})) collectReferences(value, referenced);
  return referenced;
}

/** The inverse of uidKey: `Type::"id"` (a type never holds `"`, so the first `::"` ends it). */
function uidOfKey(key: string): { type: string; id: string } {
  const at = key.indexOf('::"');
  return { type: key.slice(0, at), id: JSON.parse(key.slice(at + 2)) as string };
}

/** Entity uids inside an attribute value: `{"__entity": ...}` and the schema-typed `{type, id}` form. */
export function collectReferences(value: CedarValueJson, out: string[]): void {
  if (value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    for (const item of value) collectReferences(item, out);
    return;
  }
  if ('__entity' in value) {
    out.push(uidKey(value as EntityUidJson));
    return;
  }
  if ('__extn' in value) return;
  const record = value as Record<string, CedarValueJson>;
  const keys = Object.keys(record);
  if (keys.length === 2 && typeof record.type === 'string' && typeof record.id === 'string') out.push(uidKey({ type: record.type, id: record.id }));
  for (const item of Object.values(record)) collectReferences(item, out);
}
