/**
 * What a slice's policies can read of the entities passed to Cedar, computed from each policy's JSON form
 * at load, so a decision converts less across the wasm boundary (each entity, parent and attribute costs
 * Cedar several µs to take in) without changing Cedar's answer:
 * - entity attributes: only by name (`e.attr`, `e has attr`), so an attribute whose name no condition of
 *   the slice uses can be left out of every entity;
 * - the action's lineage (the action entity and its groups): consulted only by `in` on the action or on
 *   an entity that could reach an action. Every policy of a slice already matches its function's action
 *   (action-slices.ts); when each one's action scope is `==` or unconstrained and nothing else in the
 *   policy names an action (no `action` variable, no `Action` entity), the lineage is never read.
 */
import type { CedarValueJson, EntityJson, PolicyJson } from '@cedar-policy/cedar-wasm/nodejs';

export interface EntityReads {
  /** Attribute names the conditions can read; `all` when unknown. */
  readonly attrs: { readonly kind: 'all' } | { readonly kind: 'some'; readonly names: ReadonlySet<string> };
  /** Whether the action entity and its ancestors must be passed. */
  readonly actionLineage: boolean;
}

export const READ_EVERYTHING: EntityReads = Object.freeze({ attrs: Object.freeze({ kind: 'all' as const }), actionLineage: true });

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
  };
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
