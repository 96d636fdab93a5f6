import { isAuthorized, policyToJson, type EntityJson, type PolicyJson } from '@cedar-policy/cedar-wasm/nodejs';
import { ancestorUnreadable, combineEntityReads, entityReadsOf, pickEntityAttrs, policyEntityReads, READ_EVERYTHING, withoutBareEntities } from '../../../src/policy/entity-reads';
import { buildEntityStore, collectRequestEntities } from '../../../src/policy/entity-store';

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

describe('flattening the principal\'s ancestors', () => {
  it.each([
    ['scope constraints and `principal in` conditions', 'permit (principal in Group::"g", action == Action::"pay", resource) when { principal in Group::"h" && resource in Server::"s" };', true],
    ['`is … in` on a variable', 'permit (principal, action == Action::"pay", resource) when { principal is User in Group::"g" };', true],
    ['an entity literal on the left of `in`', 'permit (principal, action == Action::"pay", resource) when { Group::"a" in Group::"b" };', false],
    ['an attribute on the left of `in`', 'permit (principal, action == Action::"pay", resource) when { principal.team in Group::"b" };', false],
    ['a context value on the left of `is … in`', 'permit (principal, action == Action::"pay", resource) when { context.agent is User in Group::"b" };', false],
  ])('%s → %s', (_name, text, flatten) => {
    expect(entityReadsOf([json(text)]).flattenPrincipal).toBe(flatten);
  });

  it.each([
    ['scope `in`, condition sets and `is … in`', [
      'permit (principal in Group::"a", action == Action::"pay", resource in Server::"s") when { principal in [Group::"b", Group::"c"] };',
      'forbid (principal is User in Group::"d", action == Action::"pay", resource) when { principal is User in Group::"e" };',
    ], ['Group::"a"', 'Group::"b"', 'Group::"c"', 'Group::"d"', 'Group::"e"', 'Server::"s"']],
    ['no hierarchy test at all', ['permit (principal == User::"u", action == Action::"pay", resource) when { context.n > 1 };'], []],
    ['a target that is not a literal', ['permit (principal in Group::"a", action == Action::"pay", resource) when { principal in resource };'], undefined],
    ['a set holding a non-literal', ['permit (principal, action == Action::"pay", resource) when { principal in [Group::"a", resource] };'], undefined],
  ])('hierarchy targets: %s', (_name, texts, expected) => {
    const reads = entityReadsOf(texts.map(json));
    expect(reads.flattenPrincipal).toBe(true);
    expect(reads.hierarchyTargets === undefined ? undefined : [...reads.hierarchyTargets].sort()).toEqual(expected);
  });

  it('combines per-policy reads kept as JSON (the validation cache) into the slice\'s reads', () => {
    const stored = (texts: string[]) => JSON.parse(JSON.stringify(texts.map((t) => policyEntityReads(json(t))))) as ReturnType<typeof policyEntityReads>[];
    const literal = 'permit (principal in Group::"a", action == Action::"pay", resource) when { principal.level > 1 };';
    const nonLiteral = 'forbid (principal, action == Action::"pay", resource) when { principal in resource };';
    const attrLeft = 'forbid (principal, action in [Action::"ro"], resource) when { principal.team in Group::"b" && resource has owner };';
    expect(stored([literal])).toEqual([{ attrs: ['level'], hierarchyOnVariables: true, hierarchyTargets: ['Group::"a"'], actionLineage: false }]);

    const withNonLiteral = combineEntityReads(stored([literal, nonLiteral]));
    expect(withNonLiteral).toEqual(entityReadsOf([literal, nonLiteral].map(json)));
    expect(withNonLiteral.flattenPrincipal).toBe(true);
    expect(withNonLiteral.hierarchyTargets).toBeUndefined(); // one policy's target is not a literal

    const withAttrLeft = combineEntityReads(stored([literal, attrLeft]));
    expect(withAttrLeft).toEqual(entityReadsOf([literal, attrLeft].map(json)));
    expect(withAttrLeft).toEqual({ attrs: { kind: 'some', names: new Set(['level', 'team', 'owner']) }, actionLineage: true, flattenPrincipal: false });
  });

  it('has no hierarchy targets when it does not flatten', () => {
    const reads = entityReadsOf([json('permit (principal, action == Action::"pay", resource) when { principal.team in Group::"b" };')]);
    expect(reads.flattenPrincipal).toBe(false);
    expect(reads.hierarchyTargets).toBeUndefined();
  });

  it('withoutBareEntities drops only entities with no attributes, parents or tags', () => {
    const bare: EntityJson = { uid: { type: 'Server', id: 's' }, attrs: {}, parents: [] };
    const withParent: EntityJson = { uid: { type: 'User', id: 'u' }, attrs: {}, parents: [{ type: 'Group', id: 'g' }] };
    const withAttr: EntityJson = { uid: { type: 'Group', id: 'g' }, attrs: { level: 1 }, parents: [] };
    const withTag: EntityJson = { uid: { type: 'Group', id: 't' }, attrs: {}, parents: [], tags: { k: 'v' } };
    expect(withoutBareEntities([bare, withParent, withAttr, withTag])).toEqual([withParent, withAttr, withTag]);
  });

  it('never flattens when the attributes read are not known', () => {
    expect(READ_EVERYTHING.flattenPrincipal).toBe(false);
    expect(ancestorUnreadable(READ_EVERYTHING)).toBeUndefined();
  });

  const group = (id: string, parents: string[], attrs: EntityJson['attrs'] = {}): EntityJson => ({ uid: { type: 'Group', id }, attrs, parents: parents.map((p) => ({ type: 'Group', id: p })) });
  // user -> team -> dept -> org, and a side group whose `level` a policy reads
  const stored: EntityJson[] = [
    group('team', ['dept'], { name: 'T' }), group('dept', ['org'], { name: 'D' }), group('org', []),
    group('side', ['org'], { level: 4 }), { uid: { type: 'User', id: 'u' }, attrs: { level: 2 }, parents: [{ type: 'Group', id: 'side' }] },
    group('contractors', ['ghost']), // `ghost` is named as a parent but is no entity of its own
  ];
  const store = buildEntityStore(stored);

  it('gives the principal its ancestor closure and leaves out ancestors nothing can read', () => {
    const reads = entityReadsOf([json('permit (principal in Group::"org", action == Action::"pay", resource) when { principal.level > 1 };')]);
    const principal: EntityJson = { uid: { type: 'User', id: 'u' }, attrs: {}, parents: [{ type: 'Group', id: 'team' }] };
    const entities = collectRequestEntities(store, { principal, requestEntities: [], resource: 's' }, ancestorUnreadable(reads));
    const byId = new Map(entities.map((e) => [(e.uid as { id: string }).id, e]));
    // `side` has `level`, which the policy reads, so it stays, and brings its own parent `org` along
    expect([...byId.keys()].sort()).toEqual(['org', 's', 'side', 'u']);
    expect((byId.get('u')?.parents ?? []).map((p) => (p as { id: string }).id).sort()).toEqual(['dept', 'org', 'side', 'team']);
  });

  it('lists only the ancestors the slice\'s hierarchy tests name as the flattened parents', () => {
    const reads = entityReadsOf([json('permit (principal in Group::"dept", action == Action::"pay", resource) when { principal in [Group::"ghost", Group::"nowhere"] };')]);
    const principal: EntityJson = { uid: { type: 'User', id: 'u' }, attrs: {}, parents: [{ type: 'Group', id: 'team' }, { type: 'Group', id: 'contractors' }] };
    const entities = collectRequestEntities(store, { principal, requestEntities: [], resource: 's' }, ancestorUnreadable(reads), reads.hierarchyTargets);
    const flat = entities.find((e) => (e.uid as { id: string }).id === 'u');
    // closure: team, dept, org, side, contractors, ghost; named: dept, ghost
    expect((flat?.parents ?? []).map((p) => (p as { id: string }).id).sort()).toEqual(['dept', 'ghost']);
  });

  it('keeps ancestors that are named only as parents (not entities) in the flattened parents', () => {
    const reads = entityReadsOf([json('forbid (principal in Group::"ghost", action == Action::"pay", resource);')]);
    const principal: EntityJson = { uid: { type: 'User', id: 'c' }, attrs: {}, parents: [{ type: 'Group', id: 'contractors' }] };
    const entities = collectRequestEntities(store, { principal, requestEntities: [], resource: 's' }, ancestorUnreadable(reads));
    const flat = entities.find((e) => (e.uid as { id: string }).id === 'c');
    expect((flat?.parents ?? []).map((p) => (p as { id: string }).id).sort()).toEqual(['contractors', 'ghost']);
  });

  const policySets = [
    ['scope `in` at every level', [
      'permit (principal in Group::"org", action == Action::"pay", resource) when { context.n < 5 };',
      'forbid (principal in Group::"dept", action == Action::"pay", resource) when { context.n == 3 };',
      'permit (principal in Group::"team", action == Action::"pay", resource) when { context.n == 7 };',
    ]],
    ['a forbid on an ancestor that is no entity of its own', [
      'permit (principal, action == Action::"pay", resource) when { context.n < 9 };',
      'forbid (principal in Group::"ghost", action == Action::"pay", resource);',
    ]],
    ['literal sets and `is … in` naming a few of the ancestors', [
      'permit (principal in Group::"dept", action == Action::"pay", resource) when { context.n < 6 };',
      'forbid (principal, action == Action::"pay", resource) when { principal in [Group::"ghost", Group::"side"] && context.n > 2 };',
      'permit (principal, action == Action::"pay", resource) when { principal is User in Group::"org" && context.n == 9 };',
    ]],
    ['a non-literal target (every ancestor kept)', [
      'permit (principal in Group::"team", action == Action::"pay", resource) when { context.n < 4 || principal in resource };',
    ]],
    ['a bare resource read through `has` and `.`', [
      'permit (principal, action == Action::"pay", resource) when { resource has owner || context.n == 2 };',
      'forbid (principal in Group::"org", action == Action::"pay", resource) when { context.n == 4 && resource.owner == principal };',
      'permit (principal in Group::"team", action == Action::"pay", resource) when { context.n > 6 };',
    ]],
    ['conditions reading an ancestor\'s attribute through `has` and `in`', [
      'permit (principal, action == Action::"pay", resource) when { principal in Group::"side" && principal.level < context.n };',
      'forbid (principal is User in Group::"dept", action == Action::"pay", resource) when { context.n > 8 };',
    ]],
  ] as const;
  it.each(policySets)('gives Cedar the same decisions as the nested entities: %s', (_name, texts) => {
    const reads = entityReadsOf(texts.map(json));
    expect(reads.flattenPrincipal).toBe(true);
    const principals: EntityJson[] = [
      { uid: { type: 'User', id: 'u' }, attrs: {}, parents: [{ type: 'Group', id: 'team' }] },
      { uid: { type: 'User', id: 'u' }, attrs: {}, parents: [] },
      { uid: { type: 'User', id: 'v' }, attrs: { level: 9 }, parents: [{ type: 'Group', id: 'dept' }, { type: 'Group', id: 'unknown' }] },
      { uid: { type: 'User', id: 'w' }, attrs: {}, parents: [{ type: 'Group', id: 'org' }] },
      { uid: { type: 'User', id: 'x' }, attrs: {}, parents: [{ type: 'Group', id: 'contractors' }] },
    ];
    let compared = 0;
    for (const principal of principals) {
      for (let n = 0; n < 11; n += 1) {
        const request = { principal, requestEntities: [], resource: 's' };
        const decide = (entities: EntityJson[]) => {
          const answer = isAuthorized({
            principal: principal.uid, action: { type: 'Action', id: 'pay' }, resource: { type: 'Server', id: 's' },
            context: { n }, policies: { staticPolicies: texts.join('\n') }, entities, validateRequest: false,
          });
          if (answer.type !== 'success') throw new Error(JSON.stringify(answer.errors));
          return { decision: answer.response.decision, reason: [...answer.response.diagnostics.reason].sort(), errors: answer.response.diagnostics.errors.length };
        };
        const full = decide(collectRequestEntities(store, request));
        const flat = decide(withoutBareEntities(pickEntityAttrs(collectRequestEntities(store, request, ancestorUnreadable(reads), reads.hierarchyTargets), reads)));
        expect(flat).toEqual(full);
        compared += 1;
      }
    }
    expect(compared).toBe(55);
  });
});
