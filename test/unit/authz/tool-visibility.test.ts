import { listingContext, withVisibleTools } from '../../../src/authz/tool-visibility';
import type { AllowOutcome } from '../../../src/authz/outcome';
import type { PolicyBundle } from '../../../src/policy/types';
import type { Caller } from '../../../src/identity/types';
import type { Call } from '../../../src/calls/types';

const caller = {
  kind: 'human', interactive: true, authenticated: true, issuer: 'https://idp', scopes: [], source: 'jwt_authn',
  principal: { uid: { type: 'User', id: 'bob' }, attrs: {}, parents: [] }, relatedEntities: [],
} as unknown as Caller;
const view = { method: 'POST', path: '/mcp', host: 'h', headers: new Map() } as never;
const facts = { requestId: 'r-1', sourceIp: '10.0.0.1' } as never;
const call = (fn: string, method?: string): Call => ({ protocol: 'mcp', function: fn, server: 'tools', args: {}, ...(method === undefined ? {} : { mcpMethod: method }) }) as Call;
const allow = (calls: Call[]): AllowOutcome => ({ kind: 'allow', decisionId: 'd', requestId: 'r', calls, decidingPolicies: [], obligations: { mask: ['pan'], maskFields: [], redactArgs: [] } });

function bundle(listing: ReturnType<PolicyBundle['listTools']>): PolicyBundle & { seen: unknown[] } {
  const seen: unknown[] = [];
  return { revision: 'r', policyIds: [], hasFunction: () => true, evaluate: () => { throw new Error('unused'); }, listTools: (req) => (seen.push(req), listing), seen };
}

describe('tool visibility (Check side)', () => {
  it('leaves input, approval, time and the request id unknown; keeps the caller and the request known', () => {
    const ctx = listingContext(caller, call('mcp:tools/list', 'tools/list'), view, facts);
    expect(ctx.input).toEqual({ __extn: { fn: 'unknown', arg: 'input' } });
    expect(ctx.approval).toEqual({ __extn: { fn: 'unknown', arg: 'approval' } });
    expect(ctx.time).toEqual({ __extn: { fn: 'unknown', arg: 'time' } });
    expect(ctx.request).toMatchObject({ method: 'POST', path: '/mcp', id: { __extn: { fn: 'unknown', arg: 'request.id' } } });
    expect(ctx.caller).toMatchObject({ kind: 'human', interactive: true });
  });

  it('tools/list gets the listed tools; other calls are left alone', () => {
    const b = bundle({ kind: 'listed', tools: ['read_file'], obligations: { mask: ['email'], maskFields: [], redactArgs: [] } });
    expect(withVisibleTools(allow([call('mcp:tools/list', 'tools/list')]), { bundle: b, caller, view, facts })).toMatchObject({ visibleTools: ['read_file'], obligations: { mask: ['pan'] } });
    expect(withVisibleTools(allow([call('read_file', 'tools/call')]), { bundle: b, caller, view, facts }).visibleTools).toBeUndefined();
    expect(b.seen).toHaveLength(1);
  });

  it('a GET stream takes the tools list and the masking obligations of the listed tools', () => {
    const b = bundle({ kind: 'listed', tools: ['read_file'], obligations: { mask: ['email'], maskFields: ['$.x'], redactArgs: ['y'] } });
    const out = withVisibleTools(allow([call('mcp:stream/listen')]), { bundle: b, caller, view, facts });
    expect(out.obligations).toEqual({ mask: ['email', 'pan'], maskFields: ['$.x'], redactArgs: [] });
  });

  it('a listing that fails lists nothing (fail closed)', () => {
    const b = bundle({ kind: 'failed', message: 'boom' });
    expect(withVisibleTools(allow([call('mcp:tools/list', 'tools/list')]), { bundle: b, caller, view, facts }).visibleTools).toEqual([]);
  });
});
