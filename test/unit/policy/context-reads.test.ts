import { policyToJson, type PolicyJson } from '@cedar-policy/cedar-wasm/nodejs';
import { combineContextReads, contextReadsOf, pickContext, policyContextReads } from '../../../src/policy/context-reads';

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
    expect(reads).toEqual({ kind: 'some', keys: new Set(['input', 'caller', 'approval']), fields: new Map([['input', new Set(['amount'])], ['approval', new Set(['granted'])]]) });
    expect(pickContext({ input: 1, caller: 2, approval: 3, time: 4, request: 5 }, reads)).toEqual({ input: 1, caller: 2, approval: 3 });
  });

  it('needs the whole context when a policy uses context as a value', () => {
    expect(contextReadsOf([json('permit (principal, action, resource) when { context == {} };')])).toEqual({ kind: 'all' });
    expect(pickContext({ a: 1, b: 2 }, { kind: 'all' })).toEqual({ a: 1, b: 2 });
  });

  it('narrows a record to the attributes read when it is only used through .y and has y', () => {
    const reads = contextReadsOf([
      json('permit (principal, action, resource) when { context.caller.kind == "human" && context.caller has issuer };'),
      json('permit (principal, action, resource) when { context.input.amount > 5 };'),
      json('forbid (principal, action, resource) when { context.input == {} || context.request.path like "/x*" };'),
      json('forbid (principal, action, resource) when { context.time has hour.minute };'),
    ]);
    expect(reads).toEqual({
      kind: 'some',
      keys: new Set(['caller', 'input', 'request', 'time']),
      fields: new Map([['caller', new Set(['kind', 'issuer'])], ['request', new Set(['path'])]]),
    });
    const context = {
      caller: { kind: 'human', interactive: true, issuer: 'i', scopes: [] },
      input: { amount: 7, other: 'x' },
      request: { __entity: { type: 'R', id: 'r' } },
      time: { hour: { minute: 1 }, day: 2 },
      approval: { granted: false },
    };
    expect(pickContext(context, reads)).toEqual({ caller: { kind: 'human', issuer: 'i' }, input: context.input, request: context.request, time: context.time });
  });

  it('combines per-policy reads kept as JSON (the validation cache) into the same reads', () => {
    const texts = [
      'permit (principal, action, resource) when { context.caller.kind == "human" };',
      'forbid (principal, action, resource) when { context.caller == {} || context.input.amount > 5 };',
      'permit (principal, action, resource) when { context.input has region };',
    ];
    const stored = JSON.parse(JSON.stringify(texts.map((t) => policyContextReads(json(t))))) as ReturnType<typeof policyContextReads>[];
    expect(stored[1]).toEqual({ kind: 'some', keys: ['caller', 'input'], whole: ['caller'], fields: [['input', ['amount']]] });
    // `caller` is used whole by the second policy, so it is not narrowed; `input` is, across two policies
    const combined = combineContextReads(stored);
    expect(combined).toEqual({ kind: 'some', keys: new Set(['caller', 'input']), fields: new Map([['input', new Set(['amount', 'region'])]]) });
    expect(combined).toEqual(contextReadsOf(texts.map(json)));
    expect(combineContextReads([...stored, policyContextReads(json('permit (principal, action, resource) when { context == {} };'))])).toEqual({ kind: 'all' });
  });

  it('passes nothing when no policy reads the context', () => {
    expect(contextReadsOf([json('permit (principal, action, resource);')])).toEqual({ kind: 'some', keys: new Set() });
  });
});
