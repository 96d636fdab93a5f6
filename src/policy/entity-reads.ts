/**
 * What a slice's policies can read of the entities passed to Cedar, computed from each policy's JSON form
 * at load, so a decision converts less across the wasm boundary (each entity, parent and attribute costs
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
 */
import type { CedarValueJson, EntityJson, PolicyJson } from '@cedar-policy/cedar-wasm/nodejs';

export interface EntityReads {
  /** Attribute names the conditions can read; `all` when unknown. */
  readonly attrs: { readonly kind: 'all' } | { readonly kind: 'some'; readonly names: ReadonlySet<string> };
  /** Whether the action entity and its ancestors must be passed. */
  readonly actionLineage: boolean;
  /** Whether the principal may carry its ancestor closure as parents, unreadable ancestors left out. */
  readonly flattenPrincipal: boolean;
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

export function entityReadsOf(policies: readonly PolicyJson[]): EntityReads {
  const names = new Set<string>();
  let known = true;
  for (const policy of policies) {
    for (const clause of policy.conditions) if (!collectAttrs(clause.body, names)) known = false;
  }
  return {
    attrs: known ? { kind: 'some', names } : { kind: 'all' },
    actionLineage: policies.some(needsActionLineage),
    flattenPrincipal: known && policies.every((policy) => policy.conditions.every((clause) => hierarchyTestsOnVariables(clause.body))),
  };
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
