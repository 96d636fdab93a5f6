/** Equal per-function and per-slice values share one instance; only deciding annotations are kept. */
import { canonicalKey, keepDecidingAnnotations, shareEqual } from '../../../src/policy/share-equal';
import { NO_OBLIGATIONS } from '../../../src/policy/types';
import { schemaShapesOf } from '../../../src/policy/function-shapes';
import type { SchemaJson } from '@cedar-policy/cedar-wasm/nodejs';

describe('canonicalKey / shareEqual', () => {
  it('treats Sets, Maps and objects as equal by content, whatever the order', () => {
    expect(canonicalKey({ a: new Set(['x', 'y']), b: 1 })).toBe(canonicalKey({ b: 1, a: new Set(['y', 'x']) }));
    expect(canonicalKey(new Map([['k', new Set(['a'])]]))).toBe(canonicalKey(new Map([['k', new Set(['a'])]])));
    expect(canonicalKey(new Set(['a']))).not.toBe(canonicalKey(['a']));
    expect(canonicalKey({ kind: 'some', keys: new Set(['a']) })).not.toBe(canonicalKey({ kind: 'some', keys: new Set(['a', 'b']) }));
  });

  it('keeps what JSON keeps: undefined fields left out, array order, strings quoted', () => {
    expect(canonicalKey({ a: undefined, b: 1 })).toBe(canonicalKey({ b: 1 }));
    expect(canonicalKey(['a', 'b'])).not.toBe(canonicalKey(['b', 'a']));
    expect(canonicalKey(new Set(['a,b']))).not.toBe(canonicalKey(new Set(['a', 'b'])));
    expect(canonicalKey({ 'a"': 1 })).not.toBe(canonicalKey({ a: 1 }));
    expect(canonicalKey({ n: null, s: 'x', t: true, k: 2.5 })).toBe('{"k":2.5,"n":null,"s":"x","t":true}');
  });

  it('returns the first of equal values, keeping distinct ones', () => {
    const a = { kind: 'some', keys: new Set(['input']) };
    const b = { kind: 'some', keys: new Set(['input']) };
    const c = { kind: 'all' };
    const shared = shareEqual([a, b, c]);
    expect(shared[0]).toBe(a);
    expect(shared[1]).toBe(a);
    expect(shared[2]).toBe(c);
  });

  it('answers an instance passed again as the first time, and an equal one after it with the first seen', () => {
    const b = { kind: 'some', keys: new Set(['input']) };
    const a = { kind: 'some', keys: new Set(['input']) };
    const d = { kind: 'some', keys: new Set(['other']) };
    const shared = shareEqual([b, b, a, d, a, d]);
    expect(shared).toEqual([b, b, b, d, b, d]);
    expect(shared[2]).toBe(b);
    expect(shared[4]).toBe(b);
    expect(shared[5]).toBe(d);
  });
});

describe('keepDecidingAnnotations', () => {
  it('keeps reasons, approval groups and obligations, and drops policies with none', () => {
    const kept = keepDecidingAnnotations([
      ['plain', { id: 'plain', obligations: { mask: [], maskFields: [], redactArgs: [] } }],
      ['f1', { id: 'f1', reason: 'no', obligations: { mask: [], maskFields: [], redactArgs: [] } }],
      ['f2', { id: 'f2', reason: 'no', approvalGroup: 'Group::"oncall"', obligations: NO_OBLIGATIONS }],
      ['m', { id: 'm', obligations: { mask: ['pan'], maskFields: [], redactArgs: [] } }],
    ]);
    expect([...kept.keys()]).toEqual(['f1', 'f2', 'm']);
    expect(kept.get('f2')).toEqual({ id: 'f2', reason: 'no', approvalGroup: 'Group::"oncall"', obligations: { mask: [], maskFields: [], redactArgs: [] } });
    expect(kept.get('f1')?.obligations).toBe(kept.get('f2')?.obligations);
    expect(kept.get('m')?.obligations.mask).toEqual(['pan']);
  });
});

describe('schemaShapesOf', () => {
  it('gives functions of the same action group one instance of the group\'s entity', () => {
    const schema = { '': { entityTypes: { User: {}, Server: {} }, actions: Object.fromEntries(['a', 'b'].map((name) => [name, { appliesTo: { principalTypes: ['User'], resourceTypes: ['Server'] }, memberOf: [{ id: 'readOnly' }] }])) } } as unknown as SchemaJson<string>;
    const shapes = schemaShapesOf(schema, new Set(['a', 'b']), new Map([['a', ['readOnly']], ['b', ['readOnly']]]));
    const [a, b] = [shapes.functions.get('a'), shapes.functions.get('b')];
    expect(a?.actionEntities.map((e) => e.uid)).toEqual([{ type: 'Action', id: 'a' }, { type: 'Action', id: 'readOnly' }]);
    expect(a?.actionEntities[0]?.parents).toEqual([{ type: 'Action', id: 'readOnly' }]);
    expect(a?.actionEntities[1]).toBe(b?.actionEntities[1]);
  });

  it('gives functions that declare the same types one instance of each, and keeps different ones apart', () => {
    const amount = { type: 'Record', attributes: { input: { type: 'Record', attributes: { amount: { type: 'Long' } } } } };
    const query = { type: 'Record', attributes: { input: { type: 'Record', attributes: { query: { type: 'String' } } } } };
    const action = (principalTypes: string[], context: unknown): unknown => ({ appliesTo: { principalTypes, resourceTypes: ['Server'], context } });
    const schema = {
      '': { entityTypes: { User: {}, Agent: {}, Server: {} }, actions: { a: action(['User'], amount), b: action(['User'], structuredClone(amount)), c: action(['Agent'], query) } },
    } as unknown as SchemaJson<string>;
    const shapes = schemaShapesOf(schema, new Set(['a', 'b', 'c']), new Map());
    const [a, b, c] = ['a', 'b', 'c'].map((name) => shapes.functions.get(name));
    expect(a?.principalTypes).toBe(b?.principalTypes);
    expect(a?.resourceTypes).toBe(c?.resourceTypes);
    expect(a?.inputType).toBe(b?.inputType);
    expect(c?.principalTypes).toEqual(new Set(['Agent']));
    expect(c?.inputType).toEqual(query.attributes.input);
    expect(a?.inputType).toEqual(amount.attributes.input);
  });
});
