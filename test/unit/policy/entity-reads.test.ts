import { isAuthorized, policyToJson, type EntityJson, type PolicyJson } from '@cedar-policy/cedar-wasm/nodejs';
import { entityReadsOf, pickEntityAttrs, READ_EVERYTHING } from '../../../src/policy/entity-reads';

function json(text: string): PolicyJson {
  const answer = policyToJson(text);
  if (answer.type !== 'success') throw new Error(`test policy does not parse: ${text}`);
  return answer.json;
}

describe('entityReadsOf', () => {
  it('collects the attribute names conditions read; action == needs no lineage', () => {
    const reads = entityReadsOf([
      json('permit (principal, action == Action::"pay", resource) when { principal.level > 2 && resource has owner };'),
      json('forbid (principal in Group::"g", action, resource) unless { context.input.amount < 10 };'),
    ]);
    expect(reads.actionLineage).toBe(false);
    expect(reads.attrs.kind).toBe('some');
    expect(reads.attrs.kind === 'some' ? [...reads.attrs.names].sort() : []).toEqual(['amount', 'input', 'level', 'owner']);
  });

  it.each([
    ['an action group in the scope', 'permit (principal, action in [Action::"readOnly"], resource);'],
    ['the action variable in a condition', 'permit (principal, action == Action::"pay", resource) when { action in Action::"readOnly" };'],
    ['an Action entity in a condition', 'permit (principal, action == Action::"pay", resource) when { Action::"pay" in Action::"g" };'],
    ['an Action entity in the principal scope', 'permit (principal in Action::"g", action == Action::"pay", resource);'],
  ])('keeps the action lineage for %s', (_name, text) => {
    expect(entityReadsOf([json(text)]).actionLineage).toBe(true);
  });
});

describe('pickEntityAttrs', () => {
  const user: EntityJson = { uid: { type: 'User', id: 'u' }, attrs: { level: 3, name: 'U' }, parents: [{ type: 'Group', id: 'g' }], tags: { t: 'x' } };
  const group: EntityJson = { uid: { type: 'Group', id: 'g' }, attrs: { name: 'G' }, parents: [] };

  it('drops only the attributes no condition reads, keeping uids, parents and tags', () => {
    const reads = entityReadsOf([json('permit (principal, action == Action::"pay", resource) when { principal.level > 2 };')]);
    expect(pickEntityAttrs([user, group], reads)).toEqual([{ ...user, attrs: { level: 3 } }, { ...group, attrs: {} }]);
    expect(pickEntityAttrs([user, group], READ_EVERYTHING)).toEqual([user, group]);
  });

  const bySet = [
    ['with an action group (lineage kept)', 'permit (principal, action in [Action::"ro"], resource);', true],
    ['with == actions only (lineage left out)', 'permit (principal, action == Action::"look", resource) when { principal.level == 1 };', false],
  ] as const;
  it.each(bySet)('gives Cedar the same decisions as the full entities, %s', (_name, third, lineage) => {
    const texts = [
      'permit (principal in Group::"g", action == Action::"pay", resource) when { principal.level > 2 };',
      'forbid (principal, action == Action::"pay", resource) when { principal has banned };',
      third,
    ];
    const reads = entityReadsOf(texts.map(json));
    const actions: EntityJson[] = [
      { uid: { type: 'Action', id: 'pay' }, attrs: {}, parents: [] },
      { uid: { type: 'Action', id: 'look' }, attrs: {}, parents: [{ type: 'Action', id: 'ro' }] },
      { uid: { type: 'Action', id: 'ro' }, attrs: {}, parents: [] },
    ];
    const principals: EntityJson[] = [
      user,
      { ...user, attrs: { level: 1, name: 'low' } },
      { ...user, attrs: { level: 5, banned: true, name: 'b' } },
      { ...user, parents: [] },
    ];
    const policies = { staticPolicies: Object.fromEntries(texts.map((t, i) => [`p${i}`, t])) };
    for (const principal of principals) {
      for (const action of ['pay', 'look']) {
        const full = [principal, group, ...actions];
        const call = { principal: principal.uid, action: { type: 'Action', id: action }, resource: { type: 'Server', id: 's' }, context: {}, policies };
        const pruned = reads.actionLineage ? pickEntityAttrs(full, reads) : pickEntityAttrs([principal, group], reads);
        const a = isAuthorized({ ...call, entities: full });
        const b = isAuthorized({ ...call, entities: pruned });
        expect(a.type).toBe('success');
        expect(b.type === 'success' ? b.response.decision : b).toBe(a.type === 'success' ? a.response.decision : a);
      }
    }
    expect(reads.actionLineage).toBe(lineage);
  });
});
