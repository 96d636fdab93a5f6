/** The approval_required answers: HTTP 403 JSON, MCP tool result with isError, MCP 2025-11-25 -32042. */
import { buildDenyResponse } from '../../../src/envoy/check-response';
import type { DenyOutcome } from '../../../src/authz/outcome';
import type { Call } from '../../../src/calls/types';

const approval = { group: 'Group::"oncall"', policyIds: ['needs-approval'], id: 'ap-1', approveUrl: 'https://cg.example.com/approvals/ap-1', expiresAt: '2026-03-01T10:15:00.000Z', status: 'pending' };
function outcome(over: Partial<DenyOutcome> = {}): DenyOutcome {
  return { kind: 'deny', decisionId: 'd-1', requestId: 'r', calls: [], decidingPolicies: ['needs-approval'], code: 'ERR_APPROVAL_REQUIRED', reason: 'approval_required', errors: [], approval, ...over };
}
const mcpCall = (version: string): Call => ({ protocol: 'mcp', function: 'delete_repo', server: 'tools', args: {}, jsonRpcId: 9, mcpProtocolVersion: version });

describe('approval_required responses', () => {
  it('answers an HTTP function call 403 with the approval id, URL and expiry', () => {
    const res = buildDenyResponse(outcome({ protocol: 'http' }));
    expect(res.status?.code).toBe(7);
    expect(res.denied_response?.status?.code).toBe(403);
    expect(JSON.parse(String(res.denied_response?.body))).toEqual({
      error: 'approval_required', approval_id: 'ap-1', approve_url: approval.approveUrl, expires_at: approval.expiresAt, reason: 'approval_required', code: 'ERR_APPROVAL_REQUIRED', decision_id: 'd-1',
    });
  });

  it('answers MCP 2025-06-18 with a tool result marked isError (HTTP 200, still a denial for Envoy)', () => {
    const res = buildDenyResponse(outcome({ protocol: 'mcp', calls: [mcpCall('2025-06-18')], jsonRpcIds: [9] }));
    expect(res.status?.code).not.toBe(0);
    expect(res.denied_response?.status?.code).toBe(200);
    const rpc = JSON.parse(String(res.denied_response?.body));
    expect(rpc).toMatchObject({ jsonrpc: '2.0', id: 9, result: { isError: true, structuredContent: { error: 'approval_required', approval_id: 'ap-1' } } });
    expect(rpc.result.content[0].text).toContain(approval.approveUrl);
  });

  it('answers MCP 2025-11-25 with the -32042 URL elicitation error', () => {
    const res = buildDenyResponse(outcome({ protocol: 'mcp', calls: [mcpCall('2025-11-25')], jsonRpcIds: [9] }));
    const rpc = JSON.parse(String(res.denied_response?.body));
    expect(rpc.error.code).toBe(-32042);
    expect(rpc.error.data.elicitations).toEqual([{ mode: 'url', elicitationId: 'ap-1', url: approval.approveUrl, message: rpc.error.message }]);
    expect(rpc.error.data).toMatchObject({ approval_id: 'ap-1', expires_at: approval.expiresAt });
  });

  it('keeps the plain approval_required deny when no approval was issued (approvals unavailable)', () => {
    const res = buildDenyResponse(outcome({ protocol: 'http', approval: { group: 'Group::"oncall"', policyIds: ['needs-approval'] } }));
    expect(res.denied_response?.status?.code).toBe(403);
    expect(JSON.parse(String(res.denied_response?.body))).toEqual({ error: 'approval_required', reason: 'approval_required', code: 'ERR_APPROVAL_REQUIRED', decision_id: 'd-1' });
  });
});
