/** What happens to approvals, for the audit trail and metrics: requested, approved, rejected, consumed, expired. */
import type { Approval } from './types';

export type ApprovalEventKind = 'requested' | 'approved' | 'rejected' | 'consumed' | 'expired';

export interface ApprovalEvent {
  readonly kind: ApprovalEventKind;
  readonly approval: Approval;
  /** The Check decision that asked for or consumed the approval. */
  readonly decisionId?: string;
}

/** Records one event (audit + metrics). Must not throw for a recorded event to stay recorded once. */
export type RecordApprovalEvent = (event: ApprovalEvent) => void;
