/**
 * The approvals step of authorize() at its seams (a fake bundle, a fake gate): what the pipeline asks the
 * gate, what context.approval Cedar sees, single use, batches, and fail-closed store errors.
 */
import { authorize, type AuthorizeDeps } from '../../../src/authz/authorize';
import type { ApprovalGate } from '../../../src/approvals/approval-service';
import type { Approval, ApprovalRequest } from '../../../src/approvals/types';
import type { AuthorizationInput, PolicyBundle, PolicyDecision } from '../../../src/policy/types';
import type { Outcome } from '../../../src/authz/outcome';
import type { CheckRequest__Output } from '../../../src/generated/envoy/service/auth/v3/CheckRequest';

/** Denies `delete_repo` with an @approval forbid unless context.approval.granted; allows everything else. */
function bundle(): PolicyBundle & { inputs: AuthorizationInput[] } {
  const inputs: AuthorizationInput[] = [];
  return {
    revision: 'rev',
    policyIds: ['needs-approval', 'allow'],
    inputs,
    hasFunction: () => true,
    listTools: () => ({ kind: 'listed', tools: [], obligations: { mask: [], maskFields: [], redactArgs: [] } }),
    evaluate(input): PolicyDecision {
      inputs.push(input);
      const granted = (input.context.approval as { granted: boolean }).granted;
      if (input.action === 'delete_repo' && !granted) {
        return { kind: 'deny', code: 'ERR_APPROVAL_REQUIRED', decidingPolicies: ['needs-approval'], errors: [], approval: { group: 'Group::"oncall"', policyIds: ['needs-approval'] } };
      }
      return { kind: 'allow', decidingPolicies: ['allow'], obligations: { mask: [], maskFields: [], redactArgs: [] } };
    },
  };
}

function fakeGate(status: Approval['status'], options: { consume?: boolean; fail?: boolean } = {}): ApprovalGate & { requests: ApprovalRequest[]; consumed: string[] } {
  const requests: ApprovalRequest[] = [];
  const consumed: string[] = [];
  return {
    requests,
    consumed,
    async requestApproval(request) {
      if (options.fail === true) throw new Error('store down');
      requests.push(request);
      return { ...request, id: `ap-${requests.length}`, status, createdAt: 't0', expiresAt: 't1', ...(status === 'approved' ? { decidedBy: { type: 'User', id: 'carol' } } : {}) };
    },
    async consumeApproval(approval) {
      consumed.push(approval.id);
      return options.consume ?? true;
    },
    async awaitDecision(approval) {
      return approval;
    },
    approveUrlOf: (id) => `https://cg/approvals/${id}`,
  };
}

function deps(b: PolicyBundle, gate: ApprovalGate): AuthorizeDeps {
  let n = 0;
  return {
    approvals: { gate, holdMs: 0, maskInput: (input) => ({ ...input, secret: '[REDACTED]' }) },
    identity: {
      jwt_authn: { metadata_namespace: 'envoy.filters.http.jwt_authn', payload_key: 'jwt_payload' },
      mtls: { enabled: true, trust_domains: [] },
      mapping: { groups_claim: 'groups', scopes_claim: 'scope', agent_clients: [], service_clients: [] },
    },
    parseOptions: { routes: [], limits: { maxBodyBytes: 65536, maxDepth: 32, maxBatchSize: 8 } },
    currentBundle: () => b,
    now: () => new Date('2026-11-25T10:30:00Z'),
    newDecisionId: () => `d-${++n}`,
  };
}

function check(body: string, sub: string | null = 'etl', version = '2025-03-26'): CheckRequest__Output {
  const raw = Buffer.from(body);
  const headers: Record<string, string> = { ':method': 'POST', ':path': '/mcp', 'content-type': 'application/json', 'content-length': String(raw.length), 'mcp-protocol-version': version };
  const metadata = sub === null ? null : {
    filter_metadata: { 'envoy.filters.http.jwt_authn': { fields: { jwt_payload: { structValue: { fields: { iss: { stringValue: 'https://idp' }, sub: { stringValue: sub }, azp: { stringValue: sub } } } } } } },
  };
  return {
    attributes: {
      source: { address: { socket_address: { address: '10.0.0.7', port_value: 1 } }, principal: '' },
      request: { http: { id: '42', method: 'POST', path: '/mcp', host: 'h', headers, header_map: null, body: '', raw_body: raw } },
      context_extensions: { protocol: 'mcp', server: 'tools' },
      metadata_context: metadata,
    },
  } as unknown as CheckRequest__Output;
}
const call = (id: number, name: string, args: object) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } });

describe('the approvals step', () => {
  it('asks for an approval bound to the call and answers approval_required with it', async () => {
    const gate = fakeGate('pending');
    const out = (await authorize(check(JSON.stringify(call(1, 'delete_repo', { repo: 'core', secret: 's3cr3t' }))), deps(bundle(), gate))) as Outcome;
    expect(out).toMatchObject({ kind: 'deny', code: 'ERR_APPROVAL_REQUIRED', jsonRpcIds: [1], approval: { id: 'ap-1', approveUrl: 'https://cg/approvals/ap-1', expiresAt: 't1', group: 'Group::"oncall"' } });
    expect(gate.requests).toEqual([
      expect.objectContaining({ principal: { type: 'Service', id: 'etl' }, function: 'delete_repo', server: 'tools', policyId: 'needs-approval', approverGroup: { type: 'Group', id: 'oncall' }, maskedInput: { repo: 'core', secret: '[REDACTED]' }, fingerprint: expect.stringMatching(/^[0-9a-f]{64}$/) }),
    ]);
    expect(gate.consumed).toEqual([]);
  });

  it('evaluates an approved call with context.approval granted, then consumes the approval', async () => {
    const gate = fakeGate('approved');
    const b = bundle();
    const out = (await authorize(check(JSON.stringify(call(1, 'delete_repo', { repo: 'core' }))), deps(b, gate))) as Outcome;
    expect(out).toMatchObject({ kind: 'allow', decidingPolicies: ['allow'], approvals: [{ id: 'ap-1', approver: 'User::"carol"' }] });
    expect(b.inputs.at(-1)?.context.approval).toEqual({ granted: true, id: 'ap-1', approver: 'User::"carol"' });
    expect(gate.consumed).toEqual(['ap-1']);
  });

  it('asks for a new approval when another retry consumed this one first', async () => {
    const gate = fakeGate('approved', { consume: false });
    const out = (await authorize(check(JSON.stringify(call(1, 'delete_repo', { repo: 'core' }))), deps(bundle(), gate))) as Outcome;
    expect(out).toMatchObject({ kind: 'deny', code: 'ERR_APPROVAL_REQUIRED' });
    expect(gate.requests).toHaveLength(2);
  });

  it('fails closed with ERR_APPROVAL_STORE when the store fails', async () => {
    const out = (await authorize(check(JSON.stringify(call(7, 'delete_repo', { repo: 'core' }))), deps(bundle(), fakeGate('pending', { fail: true })))) as Outcome;
    expect(out).toMatchObject({ kind: 'deny', code: 'ERR_APPROVAL_STORE', jsonRpcIds: [7], detail: 'store down' });
  });

  it('consumes nothing in a batch until every call is allowed', async () => {
    const gate = fakeGate('pending');
    const body = JSON.stringify([call(1, 'search', {}), call(2, 'delete_repo', { repo: 'core' })]);
    const out = (await authorize(check(body), deps(bundle(), gate))) as Outcome;
    expect(out).toMatchObject({ kind: 'deny', code: 'ERR_APPROVAL_REQUIRED', jsonRpcIds: [1, 2] });
    expect(gate.consumed).toEqual([]);
  });

  it('never asks for an approval for an anonymous caller (authenticate first), and an allow stays synchronous', async () => {
    const gate = fakeGate('approved');
    const anonymous = await authorize(check(JSON.stringify(call(1, 'delete_repo', { repo: 'core' })), null), deps(bundle(), gate));
    expect(anonymous).toMatchObject({ kind: 'deny', code: 'ERR_POLICY_UNAUTHENTICATED' });
    expect(gate.requests).toEqual([]);
    const allowed = authorize(check(JSON.stringify(call(1, 'search', {}))), deps(bundle(), gate));
    expect(allowed).not.toBeInstanceOf(Promise);
  });
});
