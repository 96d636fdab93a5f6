/**
 * An in-memory ApprovalService for the approver API and page tests: the same refusals as the real service
 * (unknown id, expired, not pending, self-approval, not a member of the approver group, by token groups
 * only). End-to-end tests use the real service and store instead.
 */
import type { Approval, ApprovalService, Approver, DecideResult, EntityRef } from '../../src/approvals/types';

const key = (r: EntityRef): string => `${r.type}::${JSON.stringify(r.id)}`;

export interface InMemoryApprovals extends ApprovalService {
  add(approval: Approval): void;
  readonly decisions: { id: string; approver: string; verdict: string; reason: string }[];
}

export function createInMemoryApprovals(now: () => Date = () => new Date()): InMemoryApprovals {
  const approvals = new Map<string, Approval>();
  const decisions: InMemoryApprovals['decisions'] = [];
  const refused = (code: Extract<DecideResult, { kind: 'refused' }>['code'], message: string): DecideResult => ({ kind: 'refused', code, message });
  return {
    decisions,
    add: (a) => void approvals.set(a.id, a),
    listPending: async () => [...approvals.values()].filter((a) => a.status === 'pending' && Date.parse(a.expiresAt) > now().getTime()),
    get: async (id) => approvals.get(id),
    async decide(id: string, approver: Approver, verdict, reason) {
      const a = approvals.get(id);
      if (a === undefined) return refused('ERR_APPROVAL_NOT_FOUND', 'approval not found');
      if (Date.parse(a.expiresAt) <= now().getTime()) return refused('ERR_APPROVAL_EXPIRED', 'approval expired');
      if (a.status !== 'pending') return refused('ERR_APPROVAL_NOT_PENDING', `approval is ${a.status}`);
      const me = key(approver.principal);
      if (me === key(a.principal) || (a.onBehalfOf !== undefined && me === key(a.onBehalfOf))) return refused('ERR_APPROVAL_SELF', 'the requester cannot approve their own call');
      if (!approver.groups.some((g) => key(g) === key(a.approverGroup))) return refused('ERR_APPROVAL_NOT_MEMBER', 'approver is not a member of the approver group');
      const decided: Approval = { ...a, status: verdict === 'approve' ? 'approved' : 'rejected', decidedBy: approver.principal, decidedAt: now().toISOString(), reason };
      approvals.set(id, decided);
      decisions.push({ id, approver: me, verdict, reason });
      return { kind: 'decided', approval: decided };
    },
  };
}
