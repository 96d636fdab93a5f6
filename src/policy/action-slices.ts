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
  const index = indexFunctionLineages(functions, parents);
  const perFunction = new Map<string, string[]>(index.functions.map((name) => [name, []]));
  for (const policy of policies) {
    for (const name of functionsMatchingScope(policy.action, index)) perFunction.get(name)?.push(policy.id);
  }
  const slices: string[][] = [];
  const byKey = new Map<string, number>();
  const sliceOf = new Map<string, number>();
  for (const [name, unsorted] of perFunction) {
    const ids = unsorted.sort();
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

/** Callable actions, and for each action name the callable actions whose lineage holds it. */
export interface LineageIndex {
  readonly functions: readonly string[];
  readonly callable: ReadonlySet<string>;
  readonly byAncestor: ReadonlyMap<string, readonly string[]>;
}

export function indexFunctionLineages(functions: Iterable<string>, parents: ReadonlyMap<string, readonly string[]>): LineageIndex {
  const list = [...new Set(functions)];
  const byAncestor = new Map<string, string[]>();
  for (const name of list) {
    for (const ancestor of actionLineage(name, parents)) {
      const entry = byAncestor.get(ancestor);
      if (entry === undefined) byAncestor.set(ancestor, [name]);
      else entry.push(name);
    }
  }
  return { functions: list, callable: new Set(list), byAncestor };
}

/**
 * The callable actions a policy's action scope can match: exactly those for which actionScopeCanMatch holds,
 * found through the index instead of testing every function (policies × functions at 100,000 policies).
 */
export function functionsMatchingScope(scope: ActionConstraint, index: LineageIndex): readonly string[] {
  switch (scope.op) {
    case '==': {
      if (!('entity' in scope)) return index.functions;
      const plain = '__entity' in scope.entity ? scope.entity.__entity : scope.entity;
      return plain.type === 'Action' && index.callable.has(plain.id) ? [plain.id] : [];
    }
    case 'in': {
      const targets = 'entity' in scope ? [scope.entity] : 'entities' in scope ? scope.entities : undefined;
      if (targets === undefined) return index.functions;
      const matched = new Set<string>();
      for (const target of targets) {
        const plain = '__entity' in target ? target.__entity : target;
        if (plain.type === 'Action') for (const name of index.byAncestor.get(plain.id) ?? []) matched.add(name);
      }
      return [...matched];
    }
    default:
      return index.functions;
  }
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
