/**
 * How stores keep an approval: the immutable part as one JSON text (`record`), and the fields that change
 * (status, decision, consumption) beside it, so a store's atomic scripts only ever touch plain fields.
 */
import type { Approval, ApprovalStatus, EntityRef } from './types';

export interface StoredFields {
  readonly record: string;
  readonly status: string;
  readonly decidedBy?: string | null;
  readonly decidedAt?: string | null;
  readonly reason?: string | null;
  readonly consumedAt?: string | null;
}

const STATUSES: readonly ApprovalStatus[] = ['pending', 'approved', 'rejected', 'consumed', 'expired'];

export function immutableRecordOf(approval: Approval): string {
  const { id, fingerprint, principal, onBehalfOf, function: fn, server, policyId, approverGroup, maskedInput, createdAt, expiresAt } = approval;
  return JSON.stringify({ id, fingerprint, principal, onBehalfOf, function: fn, server, policyId, approverGroup, maskedInput, createdAt, expiresAt });
}

export function approvalFromStored(fields: StoredFields): Approval {
  const status = STATUSES.find((s) => s === fields.status);
  if (status === undefined) throw new Error(`stored approval has an unknown status "${fields.status}"`);
  const base = JSON.parse(fields.record) as Omit<Approval, 'status'>;
  const extra: { decidedBy?: EntityRef; decidedAt?: string; reason?: string; consumedAt?: string } = {};
  if (typeof fields.decidedBy === 'string' && fields.decidedBy !== '') extra.decidedBy = JSON.parse(fields.decidedBy) as EntityRef;
  if (typeof fields.decidedAt === 'string' && fields.decidedAt !== '') extra.decidedAt = fields.decidedAt;
  if (typeof fields.reason === 'string' && fields.decidedAt !== '' && fields.decidedAt !== null && fields.decidedAt !== undefined) extra.reason = fields.reason;
  if (typeof fields.consumedAt === 'string' && fields.consumedAt !== '') extra.consumedAt = fields.consumedAt;
  return Object.freeze({ ...base, status, ...extra });
}
