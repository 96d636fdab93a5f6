/**
 * The audit record of an approval's life (design §3, "everything is audited"): requested, approved,
 * rejected, consumed, expired. It rides the same hash-chained trail as decision records and is told apart
 * by its `event` field. Allow-list projection: the input appears only masked (as approvers saw it).
 */
import type { ApprovalEvent } from '../approvals/approval-events';
import type { EntityRef } from '../approvals/types';
import type { AuditRecord } from './audit-record';

export interface ApprovalAuditRecord {
  readonly time: string;
  readonly event: `approval.${ApprovalEvent['kind']}`;
  readonly approval_id: string;
  /** The Check decision that asked for or consumed the approval (null for approver actions and expiry). */
  readonly decision_id: string | null;
  readonly fingerprint: string;
  readonly principal: string;
  readonly on_behalf_of: string | null;
  readonly function: string;
  readonly server: string;
  readonly policy_id: string;
  readonly approver_group: string;
  readonly status: string;
  readonly decided_by: string | null;
  readonly decided_at: string | null;
  readonly reason: string | null;
  readonly created_at: string;
  readonly expires_at: string;
  readonly masked_input: unknown;
}

/** What an audit sink accepts: decision records and approval events. */
export type AuditEntry = AuditRecord | ApprovalAuditRecord;

export function isApprovalAuditRecord(entry: AuditEntry): entry is ApprovalAuditRecord {
  return 'event' in entry;
}

function cedarUid(ref: EntityRef | undefined): string | null {
  return ref === undefined ? null : `${ref.type}::${JSON.stringify(ref.id)}`;
}

export function buildApprovalAuditRecord(event: ApprovalEvent, now: Date): ApprovalAuditRecord {
  const a = event.approval;
  return {
    time: now.toISOString(),
    event: `approval.${event.kind}`,
    approval_id: a.id,
    decision_id: event.decisionId ?? null,
    fingerprint: a.fingerprint,
    principal: cedarUid(a.principal) ?? '',
    on_behalf_of: cedarUid(a.onBehalfOf),
    function: a.function,
    server: a.server,
    policy_id: a.policyId,
    approver_group: cedarUid(a.approverGroup) ?? '',
    status: a.status,
    decided_by: cedarUid(a.decidedBy),
    decided_at: a.decidedAt ?? null,
    reason: a.reason ?? null,
    created_at: a.createdAt,
    expires_at: a.expiresAt,
    masked_input: a.maskedInput,
  };
}
