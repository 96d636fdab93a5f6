import { authorize, type AuthorizeDeps } from '../../../src/authz/authorize';
import type { AuthorizationInput, PolicyBundle, PolicyDecision } from '../../../src/policy/types';
import { createEvaluationBatch } from '../../../src/policy/evaluation-batch';
import type { CheckRequest__Output } from '../../../src/generated/envoy/service/auth/v3/CheckRequest';

/** A PolicyBundle fake at the seam: records inputs, answers from a function. */
function fakeBundle(decide: (input: AuthorizationInput) => PolicyDecision): PolicyBundle & { inputs: AuthorizationInput[] } {
  const inputs: AuthorizationInput[] = [];
  return {
    revision: 'rev-test',
    policyIds: ['p'],
    inputs,
    hasFunction: () => true,
    listTools: () => ({ kind: 'listed', tools: [], obligations: { mask: [], maskFields: [], redactArgs: [] } }),
    evaluate(input) {
      inputs.push(input);
      return decide(input);
    },
  };
}

const allowAll = (): PolicyDecision => ({ kind: 'allow', decidingPolicies: ['allow-all'], obligations: { mask: ['pan'], maskFields: [], redactArgs: [] } });

function deps(bundle: PolicyBundle | undefined): AuthorizeDeps {
  let n = 0;
  return {
    identity: {
      jwt_authn: { metadata_namespace: 'envoy.filters.http.jwt_authn', payload_key: 'jwt_payload' },
      mtls: { enabled: true, trust_domains: [] },
      mapping: { groups_claim: 'groups', scopes_claim: 'scope', agent_clients: [], service_clients: [] },
    },
    parseOptions: { routes: [], limits: { maxBodyBytes: 65536, maxDepth: 32, maxBatchSize: 8 } },
    currentBundle: () => bundle,
    now: () => new Date('2026-11-25T10:30:00Z'),
    newDecisionId: () => `d-${++n}`,
  };
}

function checkRequest(opts: { path: string; body?: string; headers?: Record<string, string>; ext?: Record<string, string>; sub?: string }): CheckRequest__Output {
  const body = Buffer.from(opts.body ?? '');
  const headers: Record<string, string> = { ':method': 'POST', ':path': opts.path, 'content-type': 'application/json', 'content-length': String(body.length), ...opts.headers };
  const metadata = opts.sub === undefined ? null : {
    filter_metadata: { 'envoy.filters.http.jwt_authn': { fields: { jwt_payload: { structValue: { fields: {
      iss: { stringValue: 'https://idp' }, sub: { stringValue: opts.sub }, groups: { listValue: { values: [{ stringValue: 'eng' }] } },
    } } } } } },
  };
  return {
    attributes: {
      source: { address: { socket_address: { address: '10.0.0.7', port_value: 1 } }, principal: '' },
      request: { http: { id: '42', method: 'POST', path: opts.path, host: 'h', headers, header_map: null, body: '', raw_body: body } },
      context_extensions: opts.ext ?? {},
      metadata_context: metadata,
    },
  } as unknown as CheckRequest__Output;
}

const mcpCall = (id: number, name: string, args: object) => JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } });

describe('authorize', () => {
  it('denies with ERR_SERVICE_NO_BUNDLE before any bundle is loaded', () => {
    const out = authorize(checkRequest({ path: '/mcp', body: mcpCall(1, 't', {}), ext: { protocol: 'mcp', server: 'tools' } }), deps(undefined));
    expect(out).toMatchObject({ kind: 'deny', code: 'ERR_SERVICE_NO_BUNDLE' });
  });

  it('evaluates an MCP tools/call with the full context and the caller from jwt_authn', () => {
    const bundle = fakeBundle(allowAll);
    const out = authorize(
      checkRequest({ path: '/mcp', body: mcpCall(1, 'search_issues', { query: 'x', limit: 5 }), ext: { protocol: 'mcp', server: 'tools' }, sub: 'alice', headers: { 'mcp-protocol-version': '2025-06-18', 'x-request-id': 'rq' } }),
      deps(bundle),
    );
    expect(out).toMatchObject({ kind: 'allow', decisionId: 'd-1', requestId: 'rq', decidingPolicies: ['allow-all'], obligations: { mask: ['pan'] }, bundleRevision: 'rev-test' });
    const input = bundle.inputs[0];
    expect(input?.action).toBe('search_issues');
    expect(input?.resource).toBe('tools');
    expect(input?.principal).toMatchObject({ uid: { type: 'User', id: 'alice' }, parents: [{ type: 'Group', id: 'eng' }] });
    expect(input?.context).toEqual({
      input: { query: 'x', limit: 5 },
      caller: { kind: 'human', interactive: true, authenticated: true, issuer: 'https://idp', scopes: [] },
      request: { method: 'POST', path: '/mcp', host: 'h', protocol: 'mcp', id: 'rq', sourceIp: { __extn: { fn: 'ip', arg: '10.0.0.7' } } },
      approval: { granted: false },
      time: { epochSeconds: 1795602600, hourUtc: 10, weekdayUtc: 3 },
    });
  });

  it('turns a parse rejection into a deny with the parser code, keeping the JSON-RPC id', () => {
    const out = authorize(checkRequest({ path: '/mcp', body: '{"jsonrpc":"2.0","id":9,"id":10,"method":"tools/call"}', ext: { protocol: 'mcp', server: 'tools' } }), deps(fakeBundle(allowAll)));
    expect(out).toMatchObject({ kind: 'deny', code: 'ERR_CALL_DUPLICATE_KEY', protocol: 'mcp' });
  });

  it('denies calls whose arguments cannot be mapped exactly, without evaluating', () => {
    const bundle = fakeBundle(allowAll);
    const out = authorize(checkRequest({ path: '/mcp', body: mcpCall(2, 't', { x: { __entity: { type: 'User', id: 'admin' } } }), ext: { protocol: 'mcp', server: 'tools' } }), deps(bundle));
    expect(out).toMatchObject({ kind: 'deny', code: 'ERR_CALL_ARGS_UNMAPPABLE', jsonRpcIds: [2] });
    expect(bundle.inputs).toHaveLength(0);
  });

  it('uses the deciding forbid reason, and 401 semantics for anonymous callers', () => {
    const forbid = (): PolicyDecision => ({ kind: 'deny', code: 'ERR_POLICY_DENIED', decidingPolicies: ['f'], errors: [], reason: 'no refunds on Sunday' });
    const req = (sub?: string) => checkRequest({ path: '/functions/payments.refund', body: '{"amount":1}', ext: { protocol: 'http', server: 'payments', function: 'payments.refund' }, sub });
    expect(authorize(req('alice'), deps(fakeBundle(forbid)))).toMatchObject({ kind: 'deny', code: 'ERR_POLICY_DENIED', reason: 'no refunds on Sunday', decidingPolicies: ['f'] });
    expect(authorize(req(), deps(fakeBundle(forbid)))).toMatchObject({ kind: 'deny', code: 'ERR_POLICY_UNAUTHENTICATED' });
  });

  it('asks an anonymous caller to authenticate instead of for an approval', () => {
    const approval = (): PolicyDecision => ({ kind: 'deny', code: 'ERR_APPROVAL_REQUIRED', decidingPolicies: ['needs-approval'], errors: [], approval: { group: 'Group::"oncall"', policyIds: ['needs-approval'] } });
    const req = (sub?: string) => checkRequest({ path: '/mcp', body: mcpCall(3, 'run_sql', { query: 'x' }), ext: { protocol: 'mcp', server: 'tools' }, sub });
    expect(authorize(req(), deps(fakeBundle(approval)))).toMatchObject({ kind: 'deny', code: 'ERR_POLICY_UNAUTHENTICATED' });
    expect(authorize(req(), deps(fakeBundle(approval)))).not.toHaveProperty('approval');
    expect(authorize(req('alice'), deps(fakeBundle(approval)))).toMatchObject({ kind: 'deny', code: 'ERR_APPROVAL_REQUIRED', approval: { group: 'Group::"oncall"' } });
  });

  it('denies a whole 2025-03-26 batch when one element is denied', () => {
    const bundle = fakeBundle((i) => (i.action === 'bad' ? { kind: 'deny', code: 'ERR_POLICY_NOT_PERMITTED', decidingPolicies: [], errors: [] } : allowAll()));
    const body = `[${mcpCall(1, 'good', {})},${mcpCall(2, 'bad', {})}]`;
    const out = authorize(checkRequest({ path: '/mcp', body, ext: { protocol: 'mcp', server: 'tools' }, sub: 'alice', headers: { 'mcp-protocol-version': '2025-03-26' } }), deps(bundle));
    expect(out).toMatchObject({ kind: 'deny', code: 'ERR_POLICY_NOT_PERMITTED', jsonRpcIds: [1, 2] });
  });

  it('denies on invalid identity before parsing the call', () => {
    const req = checkRequest({ path: '/mcp', body: mcpCall(1, 't', {}), ext: { protocol: 'mcp', server: 'tools' } });
    (req.attributes as unknown as { metadata_context: unknown }).metadata_context = {
      filter_metadata: { 'envoy.filters.http.jwt_authn': { fields: { jwt_payload: { stringValue: 'garbage' } } } },
    };
    expect(authorize(req, deps(fakeBundle(allowAll)))).toMatchObject({ kind: 'deny', code: 'ERR_IDENTITY_INVALID' });
  });

  describe('with engine.batch_max (evaluation batched per event-loop turn)', () => {
    const deny = (): PolicyDecision => ({ kind: 'deny', code: 'ERR_POLICY_NOT_PERMITTED', decidingPolicies: ['no-bad'], errors: [] });
    const decide = (i: AuthorizationInput): PolicyDecision => (i.action === 'bad' ? deny() : allowAll());
    const batched = (bundle: PolicyBundle): AuthorizeDeps => ({ ...deps(bundle), evaluationBatch: createEvaluationBatch({ maxBatch: 4 }) });
    const mcp = (body: string, version = '2025-06-18') =>
      checkRequest({ path: '/mcp', body, ext: { protocol: 'mcp', server: 'tools' }, sub: 'alice', headers: { 'mcp-protocol-version': version } });

    it.each([
      ['an allow', mcpCall(1, 'good', { q: 1 }), '2025-06-18'],
      ['a deny', mcpCall(2, 'bad', {}), '2025-06-18'],
      ['a batch denied at its second element', `[${mcpCall(1, 'good', {})},${mcpCall(2, 'bad', {})},${mcpCall(3, 'good', {})}]`, '2025-03-26'],
    ])('answers %s exactly as inline evaluation does, with the same Cedar calls', async (_name, body, version) => {
      const inlineBundle = fakeBundle(decide);
      const batchBundle = fakeBundle(decide);
      const inline = authorize(mcp(body, version), deps(inlineBundle));
      const later = authorize(mcp(body, version), batched(batchBundle));
      expect(later).toBeInstanceOf(Promise);
      expect(batchBundle.inputs).toHaveLength(0);
      expect(await later).toEqual(inline);
      expect(batchBundle.inputs).toEqual(inlineBundle.inputs);
    });

    it('stops a batch at its first denied element, like inline evaluation', async () => {
      const bundle = fakeBundle(decide);
      const body = `[${mcpCall(1, 'bad', {})},${mcpCall(2, 'good', {})}]`;
      await expect(authorize(mcp(body, '2025-03-26'), batched(bundle))).resolves.toMatchObject({ kind: 'deny', code: 'ERR_POLICY_NOT_PERMITTED', jsonRpcIds: [1, 2] });
      expect(bundle.inputs.map((i) => i.action)).toEqual(['bad']);
    });

    it('denies with ERR_POLICY_EVALUATION when the engine throws', async () => {
      const bundle = fakeBundle(() => {
        throw new Error('engine crashed');
      });
      await expect(authorize(mcp(mcpCall(1, 'good', {})), batched(bundle))).resolves.toMatchObject({ kind: 'deny', code: 'ERR_POLICY_EVALUATION' });
    });

    it('answers a parse rejection as inline does, without evaluating', async () => {
      const bundle = fakeBundle(decide);
      const inline = authorize(mcp('{"jsonrpc":'), deps(fakeBundle(decide)));
      await expect(Promise.resolve(authorize(mcp('{"jsonrpc":'), batched(bundle)))).resolves.toEqual(inline);
      expect(inline).toMatchObject({ kind: 'deny' });
      expect(bundle.inputs).toHaveLength(0);
    });
  });
});
