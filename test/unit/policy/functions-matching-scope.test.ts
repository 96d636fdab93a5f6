/** The indexed scope match finds exactly the functions actionScopeCanMatch accepts, on random action graphs. */
import fc from 'fast-check';
import type { ActionConstraint, EntityUidJson } from '@cedar-policy/cedar-wasm/nodejs';
import { actionLineage, actionScopeCanMatch, functionsMatchingScope, indexFunctionLineages } from '../../../src/policy/action-slices';

const NAMES = ['f0', 'f1', 'f2', 'f3', 'g0', 'g1', 'g2', 'missing'];
const name = fc.constantFrom(...NAMES);
const uid: fc.Arbitrary<EntityUidJson> = fc.oneof(
  name.map((id) => ({ type: 'Action', id })),
  name.map((id) => ({ __entity: { type: 'Action', id } })),
  name.map((id) => ({ type: 'User', id })),
);
const scope: fc.Arbitrary<ActionConstraint> = fc.oneof(
  fc.constant({ op: 'All' } as ActionConstraint),
  uid.map((entity) => ({ op: '==', entity }) as ActionConstraint),
  uid.map((entity) => ({ op: 'in', entity }) as ActionConstraint),
  fc.array(uid, { maxLength: 4 }).map((entities) => ({ op: 'in', entities }) as ActionConstraint),
);
const graph = fc.record({
  functions: fc.subarray(['f0', 'f1', 'f2', 'f3', 'g2']),
  edges: fc.array(fc.tuple(name, name), { maxLength: 10 }),
});

describe('functionsMatchingScope', () => {
  it('equals filtering every function with actionScopeCanMatch', () => {
    fc.assert(
      fc.property(graph, scope, ({ functions, edges }, s) => {
        const parents = new Map<string, string[]>();
        for (const [child, parent] of edges) parents.set(child, [...(parents.get(child) ?? []), parent]);
        const expected = functions.filter((f) => actionScopeCanMatch(s, f, actionLineage(f, parents))).sort();
        const actual = [...functionsMatchingScope(s, indexFunctionLineages(functions, parents))].sort();
        expect(actual).toEqual(expected);
      }),
      { numRuns: 2000 },
    );
  });
});
