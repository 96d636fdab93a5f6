/**
 * The approvals room's one service: what approvers do (list, get, decide — with the membership and
 * no-self-approval rules) and what the data path needs (request an approval for a call, consume it once,
 * wait for a decision in hold mode, sweep expired ones). Every state change is recorded as an event.
 */
import type { ErrorCode } from '../errors';
import { reasonOf } from '../errors';
import { entityKey, isMemberOf } from './membership';
import type { RecordApprovalEvent } from './approval-events';
import type { Approval, ApprovalNotifier, ApprovalRequest, ApprovalService, ApprovalStore, Approver, DecideResult, DecideVerdict } from './types';

export interface ApprovalServiceDeps {
  readonly store: ApprovalStore;
  readonly ttlSeconds: number;
  /** Base URL of callgate's HTTP port as approvers reach it; approve_url = base + /approvals/<id>. */
  publicUrl(): string;
  /** Ancestors (keys `Type::"id"`) of an entity in the serving bundle's entities; [] when unknown. */
  ancestorsOf(key: string): readonly string[];
  now(): Date;
  newId(): string;
  readonly record: RecordApprovalEvent;
  readonly notifier?: ApprovalNotifier;
  /** How often hold mode re-reads the store while it waits for a decision. */
  readonly holdPollMs: number;
  sleep(ms: number): Promise<void>;
}

/** The data path's side of approvals. */
export interface ApprovalGate {
  /** Finds the live approval for this call, or creates a pending one (recorded, notified). */
  requestApproval(request: ApprovalRequest, decisionId: string): Promise<Approval>;
  /** approved → consumed; true for exactly one caller. */
  consumeApproval(approval: Approval, decisionId: string): Promise<boolean>;
  /** Hold mode: re-reads the approval until it is decided or `waitMs` has passed. */
  awaitDecision(approval: Approval, waitMs: number): Promise<Approval>;
  approveUrlOf(id: string): string;
}

export interface Approvals extends ApprovalService, ApprovalGate {
  /** Marks every approval past its expiry as expired (recorded); returns how many. */
  sweepExpired(): Promise<number>;
  close(): Promise<void>;
}

function refused(code: ErrorCode, message?: string): DecideResult {
  return { kind: 'refused', code, message: message ?? reasonOf(code) };
}

function isSelf(approver: Approver, approval: Approval): boolean {
  const me = entityKey(approver.principal);
  return me === entityKey(approval.principal) || (approval.onBehalfOf !== undefined && me === entityKey(approval.onBehalfOf));
}

export function createApprovals(deps: ApprovalServiceDeps): Approvals {
  const { store } = deps;
  const approveUrlOf = (id: string): string => `${deps.publicUrl().replace(/\/+$/, '')}/approvals/${encodeURIComponent(id)}`;

  const refusalFor = (current: Approval | undefined, now: Date): DecideResult => {
    if (current === undefined) return refused('ERR_APPROVAL_NOT_FOUND');
    if (current.status === 'expired' || (current.status === 'pending' && Date.parse(current.expiresAt) <= now.getTime())) return refused('ERR_APPROVAL_EXPIRED');
    return refused('ERR_APPROVAL_NOT_PENDING', `approval is ${current.status}`);
  };

  async function decide(id: string, approver: Approver, verdict: DecideVerdict, reason: string): Promise<DecideResult> {
    const now = deps.now();
    const current = await store.get(id);
    if (current === undefined || current.status !== 'pending' || Date.parse(current.expiresAt) <= now.getTime()) return refusalFor(current, now);
    if (isSelf(approver, current)) return refused('ERR_APPROVAL_SELF');
    if (!isMemberOf(current.approverGroup, approver.principal, approver.groups, deps.ancestorsOf)) return refused('ERR_APPROVAL_NOT_MEMBER');
    const status = verdict === 'approve' ? 'approved' : 'rejected';
    const result = await store.decide(id, { status, decidedBy: approver.principal, reason }, now);
    if (result.kind === 'unchanged') return refusalFor(result.current, now);
    deps.record({ kind: status, approval: result.approval });
    return { kind: 'decided', approval: result.approval };
  }

  /** Past its expiry an approval is expired, even before the sweep has written that down. */
  const asOfNow = (approval: Approval | undefined): Approval | undefined => {
    if (approval === undefined || (approval.status !== 'pending' && approval.status !== 'approved')) return approval;
    return Date.parse(approval.expiresAt) <= deps.now().getTime() ? { ...approval, status: 'expired' } : approval;
  };

  return {
    listPending: () => store.listPending(deps.now()),
    get: async (id) => asOfNow(await store.get(id)),
    decide,
    approveUrlOf,
    async requestApproval(request, decisionId) {
      const now = deps.now();
      const candidate: Approval = {
        ...request,
        id: deps.newId(),
        status: 'pending',
        createdAt: now.toISOString(),
        expiresAt: new Date(now.getTime() + deps.ttlSeconds * 1000).toISOString(),
      };
      const { approval, created } = await store.findOrCreate(candidate, now);
      if (created) {
        deps.record({ kind: 'requested', approval, decisionId });
        deps.notifier?.notifyRequested(approval, approveUrlOf(approval.id));
      }
      return approval;
    },
    async consumeApproval(approval, decisionId) {
      const result = await store.consume(approval.id, deps.now());
      if (result.kind === 'unchanged') return false;
      deps.record({ kind: 'consumed', approval: result.approval, decisionId });
      return true;
    },
    async awaitDecision(approval, waitMs) {
      // Counted in polls, not read from the clock, so a frozen test clock cannot hold a Check forever.
      let current = approval;
      for (let left = waitMs; current.status === 'pending' && left > 0; left -= deps.holdPollMs) {
        await deps.sleep(Math.min(deps.holdPollMs, left));
        current = (await store.get(approval.id)) ?? current;
      }
      return current;
    },
    async sweepExpired() {
      const expired = await store.expire(deps.now());
      for (const approval of expired) deps.record({ kind: 'expired', approval });
      return expired.length;
    },
    close: () => store.close(),
  };
}
