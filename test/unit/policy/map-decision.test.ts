import type { AuthorizationAnswer } from '@cedar-policy/cedar-wasm/nodejs';
import { mapDecision } from '../../../src/policy/map-decision';
import type { PolicyAnnotations } from '../../../src/obligations/policy-annotations';

const none = { mask: [], maskFields: [], redactArgs: [] };
const annotations = new Map<string, PolicyAnnotations>([
  ['b-forbid', { id: 'b-forbid', reason: 'second', approvalGroup: 'Group::"oncall"', obligations: none }],
  ['a-forbid', { id: 'a-forbid', reason: 'first', approvalGroup: 'Group::"oncall"', obligations: none }],
  ['c-forbid', { id: 'c-forbid', approvalGroup: 'Group::"security"', obligations: none }],
  ['d-forbid', { id: 'd-forbid', obligations: none }],
]);
const answer = (decision: 'allow' | 'deny', reason: string[], errors: { policyId: string; message: string }[] = []): AuthorizationAnswer => ({
  type: 'success',
  warnings: [],
  response: { decision, diagnostics: { reason, errors: errors.map((e) => ({ policyId: e.policyId, error: { message: e.message, help: null, code: null, url: null, severity: null } })) } },
});

describe('mapDecision', () => {
  it('approval_required when every deciding forbid names the same group; reason from the first id', () => {
    expect(mapDecision(answer('deny', ['b-forbid', 'a-forbid']), annotations)).toEqual({
      kind: 'deny', code: 'ERR_APPROVAL_REQUIRED', decidingPolicies: ['a-forbid', 'b-forbid'], errors: [], reason: 'first',
      approval: { group: 'Group::"oncall"', policyIds: ['a-forbid', 'b-forbid'] },
    });
  });

  it('plain deny when the groups differ or a forbid has no @approval', () => {
    expect(mapDecision(answer('deny', ['a-forbid', 'c-forbid']), annotations)).toMatchObject({ code: 'ERR_POLICY_DENIED', reason: 'first' });
    expect(mapDecision(answer('deny', ['d-forbid', 'a-forbid']), annotations)).toMatchObject({ code: 'ERR_POLICY_DENIED', reason: 'first' });
    expect(mapDecision(answer('deny', ['d-forbid']), annotations)).toEqual({ kind: 'deny', code: 'ERR_POLICY_DENIED', decidingPolicies: ['d-forbid'], errors: [] });
  });

  it('any evaluation error denies, even on allow', () => {
    expect(mapDecision(answer('allow', ['p'], [{ policyId: 'f', message: 'boom' }]), annotations)).toEqual({
      kind: 'deny', code: 'ERR_POLICY_EVALUATION', decidingPolicies: ['p'], errors: [{ policyId: 'f', message: 'boom' }],
    });
  });

  it('a Cedar failure is an invalid request', () => {
    const failure: AuthorizationAnswer = { type: 'failure', warnings: [], errors: [{ message: 'bad context', help: null, code: null, url: null, severity: null }] };
    expect(mapDecision(failure, annotations)).toEqual({ kind: 'deny', code: 'ERR_POLICY_REQUEST_INVALID', decidingPolicies: [], errors: [{ message: 'bad context' }] });
  });
});
