/**
 * Maps Cedar's answer to callgate's PolicyDecision (fail closed):
 * failure → ERR_POLICY_REQUEST_INVALID; any diagnostics error → ERR_POLICY_EVALUATION (even on allow);
 * allow → deciding permits + merged obligations; deny by forbids → ERR_POLICY_DENIED with the first (by id)
 * @reason, or ERR_APPROVAL_REQUIRED when every deciding forbid names the same @approval group;
 * deny with no deciding policy → ERR_POLICY_NOT_PERMITTED.
 */
import type { AuthorizationAnswer } from '@cedar-policy/cedar-wasm/nodejs';
import { mergeObligations } from '../obligations/merge-obligations';
import type { PolicyAnnotations } from '../obligations/policy-annotations';
import type { PolicyDecision } from './types';

export type AnnotationsById = ReadonlyMap<string, PolicyAnnotations>;

export function mapDecision(answer: AuthorizationAnswer, annotations: AnnotationsById): PolicyDecision {
  if (answer.type === 'failure') {
    const errors = answer.errors.map((e) => ({ message: e.message }));
    return { kind: 'deny', code: 'ERR_POLICY_REQUEST_INVALID', decidingPolicies: [], errors };
  }
  const { decision, diagnostics } = answer.response;
  const deciding = [...diagnostics.reason].sort();
  if (diagnostics.errors.length > 0) {
    const errors = diagnostics.errors.map((e) => ({ policyId: e.policyId, message: e.error.message }));
    return { kind: 'deny', code: 'ERR_POLICY_EVALUATION', decidingPolicies: deciding, errors };
  }
  if (decision === 'allow') {
    const obligations = mergeObligations(deciding.map((id) => annotations.get(id)?.obligations ?? { mask: [], maskFields: [], redactArgs: [] }));
    return { kind: 'allow', decidingPolicies: deciding, obligations };
  }
  if (deciding.length === 0) return { kind: 'deny', code: 'ERR_POLICY_NOT_PERMITTED', decidingPolicies: [], errors: [] };
  return mapForbid(deciding, annotations);
}

function mapForbid(deciding: readonly string[], annotations: AnnotationsById): PolicyDecision {
  const found = deciding.map((id) => annotations.get(id));
  const reason = found.find((a) => a?.reason !== undefined)?.reason;
  const groups = new Set(found.map((a) => a?.approvalGroup));
  const [group] = [...groups];
  const base = { kind: 'deny' as const, decidingPolicies: deciding, errors: [], ...(reason === undefined ? {} : { reason }) };
  if (groups.size === 1 && group !== undefined) {
    return { ...base, code: 'ERR_APPROVAL_REQUIRED', approval: { group, policyIds: deciding } };
  }
  return { ...base, code: 'ERR_POLICY_DENIED' };
}
