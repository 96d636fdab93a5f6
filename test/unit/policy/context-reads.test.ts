import { policyToJson, type PolicyJson } from '@cedar-policy/cedar-wasm/nodejs';
import { contextReadsOf, pickContext } from '../../../src/policy/context-reads';

function json(text: string): PolicyJson {
  const r = policyToJson(text);
  if (r.type !== 'success') throw new Error(JSON.stringify(r.errors));
  return r.json;
}

describe('contextReadsOf', () => {
  it('collects the top-level context attributes policies read, through has and nested access', () => {
    const reads = contextReadsOf([
      json('permit (principal, action, resource) when { context.input.amount > 5 && context has caller };'),
      json('forbid (principal, action, resource) unless { context.approval.granted };'),
      json('permit (principal, action, resource);'),
    ]);
    expect(reads).toEqual({ kind: 'some', keys: new Set(['input', 'caller', 'approval']) });
    expect(pickContext({ input: 1, caller: 2, approval: 3, time: 4, request: 5 }, reads)).toEqual({ input: 1, caller: 2, approval: 3 });
  });

  it('needs the whole context when a policy uses context as a value', () => {
    expect(contextReadsOf([json('permit (principal, action, resource) when { context == {} };')])).toEqual({ kind: 'all' });
    expect(pickContext({ a: 1, b: 2 }, { kind: 'all' })).toEqual({ a: 1, b: 2 });
  });

  it('passes nothing when no policy reads the context', () => {
    expect(contextReadsOf([json('permit (principal, action, resource);')])).toEqual({ kind: 'some', keys: new Set() });
  });
});
