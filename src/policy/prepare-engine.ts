/**
 * Preparses the completed schema and every distinct slice into cedar-wasm's thread-local cache under ids
 * namespaced by a generation. The cache has no delete: reloading into the same generation overwrites the
 * same ids, so memory stays bounded by two generations (watchBundle alternates "a"/"b") of the largest
 * bundle seen. Everything is prepared before the caller swaps bundles; the old generation keeps serving.
 */
import { preparsePolicySet, preparseSchema, type SchemaJson } from '@cedar-policy/cedar-wasm/nodejs';
import type { BundleProblem } from './types';
import { problemsFromCedar } from './cedar-problems';

export interface PreparedEngine {
  readonly schemaName: string;
  /** Preparsed policy-set id per slice index. */
  readonly sliceIds: readonly string[];
}

export function prepareEngine(
  generation: string,
  schema: SchemaJson<string>,
  slices: readonly (readonly string[])[],
  textById: ReadonlyMap<string, string>,
): { kind: 'ok'; engine: PreparedEngine } | { kind: 'invalid'; problems: BundleProblem[] } {
  const schemaName = `callgate/${generation}/schema`;
  const schemaAnswer = preparseSchema(schemaName, schema);
  if (schemaAnswer.type === 'failure') return { kind: 'invalid', problems: problemsFromCedar(schemaAnswer.errors, 'engine', () => undefined) };
  const sliceIds: string[] = [];
  for (const [index, ids] of slices.entries()) {
    const id = `callgate/${generation}/slice/${index}`;
    const staticPolicies: Record<string, string> = {};
    for (const policyId of ids) staticPolicies[policyId] = textById.get(policyId) ?? '';
    const answer = preparsePolicySet(id, { staticPolicies });
    if (answer.type === 'failure') return { kind: 'invalid', problems: problemsFromCedar(answer.errors, 'engine', () => undefined) };
    sliceIds.push(id);
  }
  return { kind: 'ok', engine: { schemaName, sliceIds } };
}
