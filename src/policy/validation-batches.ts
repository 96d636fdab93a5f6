/**
 * Cedar's strict validator type-checks each policy in every request environment the schema offers and
 * the policy's scope admits; with many functions, handing it the whole schema for every policy makes
 * bundle loading grow with policies × functions (10,000 policies over 1,000 functions took minutes).
 * Validation is exact when each policy is checked against a schema restricted to the actions it can apply
 * to (its action scope, as in slicing), every action its text names, and every action group: the request
 * environments of that policy are the same. This groups policies into batches whose restricted schemas
 * hold at most BATCH_ACTIONS functions; a policy whose scope admits more gets the whole schema.
 */
import type { ActionType, PolicyJson, SchemaJson } from '@cedar-policy/cedar-wasm/nodejs';
import { functionsMatchingScope, indexFunctionLineages } from './action-slices';

export const BATCH_ACTIONS = 64;

export interface ValidationBatch<T> {
  readonly items: readonly T[];
  readonly schema: SchemaJson<string>;
}

function namedActions(node: unknown, out: Set<string>): void {
  if (Array.isArray(node)) {
    for (const n of node) namedActions(n, out);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const record = node as Record<string, unknown>;
  if (record.type === 'Action' && typeof record.id === 'string') out.add(record.id);
  for (const value of Object.values(record)) namedActions(value, out);
}

export function batchForValidation<T>(items: readonly T[], jsonOf: (item: T) => PolicyJson, schema: SchemaJson<string>): ValidationBatch<T>[] {
  const ns = schema[''];
  if (ns === undefined) return items.length === 0 ? [] : [{ items, schema }];
  const actions = ns.actions;
  const parents = new Map(Object.entries(actions).map(([name, a]) => [name, (a.memberOf ?? []).map((m) => m.id)]));
  const functions = Object.keys(actions).filter((name) => actions[name]?.appliesTo !== undefined);
  const parentNames = new Set([...parents.values()].flat());
  const groups = Object.keys(actions).filter((name) => actions[name]?.appliesTo === undefined || parentNames.has(name));
  const groupSet = new Set(groups);
  const index = indexFunctionLineages(functions, parents);

  const whole: T[] = [];
  const keyed = new Map<string, { items: T[]; actions: Set<string> }>();
  for (const item of items) {
    const json = jsonOf(item);
    const matched = functionsMatchingScope(json.action, index);
    if (matched.length > BATCH_ACTIONS || matched.length === 0) {
      whole.push(item);
      continue;
    }
    const needed = new Set(matched);
    namedActions(json, needed);
    const key = [...needed].sort().join('\n');
    const entry = keyed.get(key) ?? { items: [], actions: needed };
    entry.items.push(item);
    keyed.set(key, entry);
  }

  const batches: ValidationBatch<T>[] = whole.length > 0 ? [{ items: whole, schema }] : [];
  let current: { items: T[]; actions: Set<string> } | undefined;
  const flush = (): void => {
    if (current === undefined) return;
    batches.push({ items: current.items, schema: restrict(schema, current.actions, groupSet) });
    current = undefined;
  };
  for (const entry of keyed.values()) {
    if (current !== undefined && new Set([...current.actions, ...entry.actions]).size > BATCH_ACTIONS) flush();
    current ??= { items: [], actions: new Set() };
    current.items.push(...entry.items);
    for (const a of entry.actions) current.actions.add(a);
  }
  flush();
  return batches;
}

function restrict(schema: SchemaJson<string>, keep: ReadonlySet<string>, groups: ReadonlySet<string>): SchemaJson<string> {
  const ns = schema[''];
  if (ns === undefined) return schema;
  const actions: Record<string, ActionType<string>> = {};
  for (const [name, action] of Object.entries(ns.actions)) {
    if (keep.has(name) || groups.has(name)) actions[name] = action;
  }
  return { ...schema, '': { ...ns, actions } };
}
