/**
 * What a slice's policies can read of the entities passed to Cedar, computed from each policy's JSON form
 * when it is validated (policyEntityReads, kept with the validated bundle) and combined per slice at load
 * (combineEntityReads), so a decision converts less across the wasm boundary (each entity, parent and attribute costs
 * Cedar several µs to take in) without changing Cedar's answer:
 * - entity attributes: only by name (`e.attr`, `e has attr`), so an attribute whose name no condition of
 *   the slice uses can be left out of every entity;
 * - the action's lineage (the action entity and its groups): consulted only by `in` on the action or on
 *   an entity that could reach an action. Every policy of a slice already matches its function's action
 *   (action-slices.ts); when each one's action scope is `==` or unconstrained and nothing else in the
 *   policy names an action (no `action` variable, no `Action` entity), the lineage is never read;
 * - the principal's ancestors: Cedar consults an entity's ancestors only for `in` (and `is … in`) with
 *   that entity on the left. When every such left operand in the slice's conditions is a variable
 *   (`principal`, `resource`, `action`; scope constraints are always of this form), the only ancestor set
 *   Cedar can consult from the principal's side is the principal's own. So the principal may be passed
 *   with its whole ancestor closure as its parents, and an ancestor left out altogether when nothing can
 *   read it either: no tags, and no attribute whose name the slice reads (an attribute read on a missing
 *   entity and on one without that attribute are both evaluation errors, and `has` is false on both).
 *   Each left-out ancestor saves Cedar an entity and a parent edge (~18 µs on the bench VM).
 *   When, moreover, the right side of every hierarchy test in the slice (scope constraints and conditions)
 *   is an entity literal or a set of them, `principal in X` can only be asked about those literals, so the
 *   flattened parents keep only the ancestors among them (`hierarchyTargets`): a user in fifty IdP groups
 *   reaches Cedar with the two or three its function's policies name (~10 µs per parent edge saved).
 * - bare entities: an entity with no attributes (after the above), no parents and no tags decides exactly
 *   as an absent one (`in` reaches only itself, `has` is false, reading an attribute is an error on both),
 *   so withoutBareEntities leaves it out (the bench's resource, Server::"tools", for one).
 */
import type { CedarValueJson, EntityJson, EntityUidJson, PolicyJson } from '@cedar-policy/cedar-wasm/nodejs';
import { uidKey } from './entity-store';

export interface EntityReads {
  /** Attribute names the conditions can read; `all` when unknown. */
  readonly attrs: { readonly kind: 'all' } | { readonly kind: 'some'; readonly names: ReadonlySet<string> };
  /** Whether the action entity and its ancestors must be passed. */
  readonly actionLineage: boolean;
  /** Whether the principal may carry its ancestor closure as parents, unreadable ancestors left out. */
  readonly flattenPrincipal: boolean;
  /**
   * For a flattening slice whose hierarchy tests all name entity literals: those entities' keys (uidKey);
   * a flattened parent outside them can be left out. Absent: keep every ancestor.
   */
  readonly hierarchyTargets?: ReadonlySet<string>;
}

export const READ_EVERYTHING: EntityReads = Object.freeze({ attrs: Object.freeze({ kind: 'all' as const }), actionLineage: true, flattenPrincipal: false });

const VARIABLES = new Set(['principal', 'action', 'resource']);

function isVariable(node: unknown): boolean {
  if (typeof node !== 'object' || node === null) return false;
  const v = (node as { Var?: unknown }).Var;
  return typeof v === 'string' && VARIABLES.has(v);
}

/**
 * Whether every hierarchy test (`in`, `is … in`) under `node` has a variable on its left. Any node shape
 * this does not know to be free of hierarchy tests counts as one (false).
 */
function hierarchyTestsOnVariables(node: unknown): boolean {
  if (Array.isArray(node)) return node.every(hierarchyTestsOnVariables);
  if (typeof node !== 'object' || node === null) return true;
  for (const [op, body] of Object.entries(node as Record<string, unknown>)) {
    if (op === 'in' || (op === 'is' && typeof body === 'object' && body !== null && 'in' in body)) {
      if (typeof body !== 'object' || body === null) return false;
      const { left, right, in: target } = body as { left?: unknown; right?: unknown; in?: unknown };
      if (!isVariable(left) || !hierarchyTestsOnVariables(op === 'in' ? right : target)) return false;
      continue;
    }
    if (!hierarchyTestsOnVariables(body)) return false;
  }
  return true;
}

/** Adds every attribute name a `.` or `has` node names; false when one is not a string (unknown form). */
function collectAttrs(node: unknown, names: Set<string>): boolean {
  if (Array.isArray(node)) return node.every((n) => collectAttrs(n, names));
  if (typeof node !== 'object' || node === null) return true;
  for (const [op, body] of Object.entries(node as Record<string, unknown>)) {
    if ((op === '.' || op === 'has') && typeof body === 'object' && body !== null) {
      const attr = (body as { attr?: unknown }).attr;
      const list = Array.isArray(attr) ? attr : [attr];
      for (const a of list) {
        if (typeof a !== 'string') return false;
        names.add(a);
      }
    }
    if (!collectAttrs(body, names)) return false;
  }
  return true;
}

/** Any mention of an action: the `action` variable, an `Action` entity type (namespaced or not). */
function mentionsAction(value: unknown): boolean {
  return /action/i.test(JSON.stringify(value) ?? '');
}

function needsActionLineage(policy: PolicyJson): boolean {
  const op = (policy.action as { op?: unknown }).op;
  if (op !== '==' && op !== 'All') return true;
  return mentionsAction(policy.principal) || mentionsAction(policy.resource) || mentionsAction(policy.conditions);
}

/**
 * What one policy reads of the entities, as plain JSON (kept in the validation cache and sent to workers):
 * the attribute names its conditions name (null: a form not understood, so any), whether every hierarchy
 * test of its conditions has a variable on its left, the entity literals its hierarchy tests name (null:
 * one names something else), and whether it needs the action's lineage.
 */
export interface PolicyEntityReads {
  readonly attrs: readonly string[] | null;
  readonly hierarchyOnVariables: boolean;
  readonly hierarchyTargets: readonly string[] | null;
  readonly actionLineage: boolean;
}

export function policyEntityReads(policy: PolicyJson): PolicyEntityReads {
  const names = new Set<string>();
  let known = true;
  for (const clause of policy.conditions) if (!collectAttrs(clause.body, names)) known = false;
  const targets = literalHierarchyTargets(policy);
  return {
    attrs: known ? [...names] : null,
    hierarchyOnVariables: policy.conditions.every((clause) => hierarchyTestsOnVariables(clause.body)),
    hierarchyTargets: targets === undefined ? null : [...targets],
    actionLineage: needsActionLineage(policy),
  };
}

/** A set of policies' reads: those of each policy together (entityReadsOf of their Cedar JSON). */
export function combineEntityReads(reads: readonly PolicyEntityReads[]): EntityReads {
  const names = new Set<string>();
  let known = true;
  for (const read of reads) {
    if (read.attrs === null) known = false;
    else for (const name of read.attrs) names.add(name);
  }
  const flattenPrincipal = known && reads.every((read) => read.hierarchyOnVariables);
  const hierarchyTargets = flattenPrincipal && reads.every((read) => read.hierarchyTargets !== null) ? new Set(reads.flatMap((read) => read.hierarchyTargets ?? [])) : undefined;
  return {
    attrs: known ? { kind: 'some', names } : { kind: 'all' },
    actionLineage: reads.some((read) => read.actionLineage),
    flattenPrincipal,
    ...(hierarchyTargets === undefined ? {} : { hierarchyTargets }),
  };
}

export function entityReadsOf(policies: readonly PolicyJson[]): EntityReads {
  return combineEntityReads(policies.map(policyEntityReads));
}

/** Every entity a hierarchy test of the policy can name, or undefined when one names something else. */
function literalHierarchyTargets(policy: PolicyJson): Set<string> | undefined {
  const targets = new Set<string>();
  for (const scope of [policy.principal, policy.resource] as unknown[]) {
    if (!scopeTargets(scope, targets)) return undefined;
  }
  for (const clause of policy.conditions) if (!conditionTargets(clause.body, targets)) return undefined;
  return targets;
}

/** A principal or resource scope: `in E` and `is T in E` name E; `==`, `is T` and `All` name nothing. */
function scopeTargets(scope: unknown, out: Set<string>): boolean {
  if (typeof scope !== 'object' || scope === null) return false;
  const { op, entity, in: target } = scope as { op?: unknown; entity?: unknown; in?: unknown };
  if (op === 'All' || op === '==') return true;
  if (op === 'in') return addEntity(entity, out);
  if (op === 'is') return target === undefined || (typeof target === 'object' && target !== null && addEntity((target as { entity?: unknown }).entity, out));
  return false;
}

function conditionTargets(node: unknown, out: Set<string>): boolean {
  if (Array.isArray(node)) return node.every((n) => conditionTargets(n, out));
  if (typeof node !== 'object' || node === null) return true;
  for (const [op, body] of Object.entries(node as Record<string, unknown>)) {
    if (op === 'in' || (op === 'is' && typeof body === 'object' && body !== null && 'in' in body)) {
      // the left side is a variable (flattening requires it) and the right a literal: nothing below
      const { right, in: target } = body as { right?: unknown; in?: unknown };
      if (!literalTargets(op === 'in' ? right : target, out)) return false;
      continue;
    }
    if (!conditionTargets(body, out)) return false;
  }
  return true;
}

/** `{"Value": {"__entity": …}}` or a `Set` of them; anything else is not a literal (false). */
function literalTargets(node: unknown, out: Set<string>): boolean {
  if (typeof node !== 'object' || node === null) return false;
  const set = (node as { Set?: unknown }).Set;
  if (Array.isArray(set)) return set.every((item) => literalTargets(item, out));
  const value = (node as { Value?: unknown }).Value;
  return typeof value === 'object' && value !== null && addEntity((value as { __entity?: unknown }).__entity, out);
}

function addEntity(uid: unknown, out: Set<string>): boolean {
  if (typeof uid !== 'object' || uid === null) return false;
  const { type, id } = uid as { type?: unknown; id?: unknown };
  if (typeof type !== 'string' || typeof id !== 'string') return false;
  out.add(uidKey({ type, id } as EntityUidJson));
  return true;
}

/** The entities without those that decide exactly as absent ones: no attributes, no parents, no tags. */
export function withoutBareEntities(entities: EntityJson[]): EntityJson[] {
  return entities.filter((e) => e.parents.length > 0 || Object.keys(e.tags ?? {}).length > 0 || Object.keys(e.attrs).length > 0);
}

/** For a flattening slice: whether an ancestor of the principal can be left out (nothing can read it). */
export function ancestorUnreadable(reads: EntityReads): ((entity: EntityJson) => boolean) | undefined {
  const attrs = reads.attrs;
  if (!reads.flattenPrincipal || attrs.kind === 'all') return undefined;
  return (entity) => Object.keys(entity.tags ?? {}).length === 0 && !Object.keys(entity.attrs).some((name) => attrs.names.has(name));
}

/** The entities with every attribute the slice cannot read left out (uids, parents and tags untouched). */
export function pickEntityAttrs(entities: readonly EntityJson[], reads: EntityReads): EntityJson[] {
  const attrs = reads.attrs;
  if (attrs.kind === 'all') return [...entities];
  return entities.map((entity) => {
    const kept: Record<string, CedarValueJson> = {};
    let dropped = false;
    for (const [name, value] of Object.entries(entity.attrs)) {
      if (attrs.names.has(name)) kept[name] = value;
      else dropped = true;
    }
    return dropped ? { ...entity, attrs: kept } : entity;
  });
}
