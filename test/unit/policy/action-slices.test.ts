import { computeActionSlices } from '../../../src/policy/action-slices';
import type { ActionConstraint } from '@cedar-policy/cedar-wasm/nodejs';

const act = (id: string) => ({ type: 'Action', id });
const parents = new Map<string, string[]>([
  ['refund', ['payments']],
  ['get', ['payments', 'readOnly']],
  ['payments', ['business']],
  ['business', []],
  ['readOnly', []],
  ['ping', []],
]);
const policies: { id: string; action: ActionConstraint }[] = [
  { id: 'all', action: { op: 'All' } },
  { id: 'eq-refund', action: { op: '==', entity: act('refund') } },
  { id: 'eq-group', action: { op: '==', entity: act('payments') } }, // == a group never matches a member
  { id: 'in-business', action: { op: 'in', entity: act('business') } }, // transitive membership
  { id: 'in-list', action: { op: 'in', entities: [act('readOnly'), act('ping')] } },
  { id: 'in-self', action: { op: 'in', entity: { __entity: act('ping') } } },
  { id: 'other-type', action: { op: '==', entity: { type: 'NotAction', id: 'refund' } } },
];

describe('computeActionSlices', () => {
  const { slices, sliceOf } = computeActionSlices(['refund', 'get', 'ping'], parents, policies);
  const sliceFor = (name: string) => slices[sliceOf.get(name) ?? -1];

  it.each([
    ['refund', ['all', 'eq-refund', 'in-business']],
    ['get', ['all', 'in-business', 'in-list']],
    ['ping', ['all', 'in-list', 'in-self']],
  ])('%s gets exactly the policies whose action scope can match', (name, expected) => {
    expect(sliceFor(name)).toEqual(expected);
  });

  it('shares one preparsed slice between actions with the same policies', () => {
    const shared = computeActionSlices(['a', 'b'], new Map(), [{ id: 'all', action: { op: 'All' } }]);
    expect(shared.slices).toEqual([['all']]);
    expect(shared.sliceOf.get('a')).toBe(shared.sliceOf.get('b'));
  });
});
