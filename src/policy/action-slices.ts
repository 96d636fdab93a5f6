/**
 * Slicing (design §9): for every callable action, the policies whose action scope can match it. A policy
 * outside an action's slice has a false action constraint for that action, so Cedar never evaluates its
 * conditions: it can neither decide nor error, and evaluating the slice gives Cedar's decision over the
 * whole set. Scopes this module does not recognise are kept in every slice (a superset stays exact).
 */
import type { ActionConstraint, EntityUidJson } from '@cedar-policy/cedar-wasm/nodejs';

export interface SliceInput {
  readonly id: string;
  readonly action: ActionConstraint;
}

export interface ActionSlices {
  /** Distinct slices (sorted policy ids); actions with the same policies share one. */
  readonly slices: readonly (readonly string[])[];
  /** Callable action → index into `slices`. */
  readonly sliceOf: ReadonlyMap<string, number>;
}

export function computeActionSlices(functions: Iterable<string>, parents: ReadonlyMap<string, readonly string[]>, policies: readonly SliceInput[]): ActionSlices {
  const slices: string[][] = [];
  const byKey = new Map<string, number>();
  const sliceOf = new Map<string, number>();
  for (const name of functions) {
    const lineage = actionLineage(name, parents);
    const ids = policies.filter((p) => actionScopeCanMatch(p.action, name, lineage)).map((p) => p.id).sort();
    const key = ids.join('\n');
    let index = byKey.get(key);
    if (index === undefined) {
      index = slices.length;
      slices.push(ids);
      byKey.set(key, index);
    }
    sliceOf.set(name, index);
  }
  return { slices, sliceOf };
}

/** The action itself and all its ancestors through the schema's `memberOf`, transitively. */
export function actionLineage(name: string, parents: ReadonlyMap<string, readonly string[]>): ReadonlySet<string> {
  const seen = new Set<string>();
  const pending = [name];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (seen.has(next)) continue;
    seen.add(next);
    pending.push(...(parents.get(next) ?? []));
  }
  return seen;
}

/** Whether a policy's action scope can be satisfied by `name`, whose lineage is `lineage`. */
export function actionScopeCanMatch(scope: ActionConstraint, name: string, lineage: ReadonlySet<string>): boolean {
  switch (scope.op) {
    case 'All':
      return true;
    case '==':
      return 'entity' in scope ? isAction(scope.entity, (id) => id === name) : true;
    case 'in': {
      const targets = 'entity' in scope ? [scope.entity] : 'entities' in scope ? scope.entities : undefined;
      return targets === undefined ? true : targets.some((t) => isAction(t, (id) => lineage.has(id)));
    }
    default:
      return true;
  }
}

function isAction(uid: EntityUidJson, test: (id: string) => boolean): boolean {
  const plain = '__entity' in uid ? uid.__entity : uid;
  return plain.type === 'Action' && test(plain.id);
}
